-- Issue 4: replies, pins, reactions, search, profiles, password resets,
-- personal access tokens, account deletion.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE users ADD COLUMN bio text;
-- Deleted accounts keep their row (anonymised) so other people's history and
-- the event log stay readable; the handle and email are freed.
ALTER TABLE users ADD COLUMN deleted_at timestamptz;

ALTER TABLE conversations ADD COLUMN pins_admin_only boolean NOT NULL DEFAULT false;

ALTER TABLE messages ADD COLUMN reply_to_id bigint REFERENCES messages (id) ON DELETE SET NULL;
ALTER TABLE messages ADD COLUMN pinned_at timestamptz;
ALTER TABLE messages ADD COLUMN pinned_by bigint REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX messages_pinned_idx ON messages (conversation_id, pinned_at DESC) WHERE pinned_at IS NOT NULL;

-- Search works for any language: the `simple` configuration lower-cases words
-- without stemming (so it favours no language), and the trigram index serves
-- substring matches for scripts written without spaces (Chinese, Japanese, Thai).
CREATE INDEX messages_search_words ON messages USING gin (to_tsvector('simple', coalesce(body, '')));
CREATE INDEX messages_search_trgm ON messages USING gin (body gin_trgm_ops);
CREATE INDEX messages_sender_idx ON messages (sender_id, tx, id);

CREATE TABLE reactions (
  message_id bigint      NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  emoji      text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (message_id, user_id, emoji)
);

-- Single-use, expiring password-reset tokens; only their SHA-256 is stored.
CREATE TABLE password_resets (
  id         bigserial PRIMARY KEY,
  user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash bytea       NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

-- Personal access tokens for integrations: `jeco_pat_<id>_<secret>`; only the
-- SHA-256 of the secret is stored.
CREATE TABLE access_tokens (
  id           bigserial PRIMARY KEY,
  user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         text        NOT NULL,
  secret_hash  bytea       NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  expires_at   timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX access_tokens_user_idx ON access_tokens (user_id);
