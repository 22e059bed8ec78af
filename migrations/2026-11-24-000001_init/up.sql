-- Position of a row in the event log: the 64-bit id of the transaction that wrote it.
-- Readers only read rows whose transaction id is below the oldest still running
-- transaction (pg_snapshot_xmin), so the (tx, id) order they see never gains rows
-- behind a position already read: a gapless, commit-safe cursor.
CREATE FUNCTION jeco_current_tx() RETURNS bigint
  LANGUAGE sql VOLATILE AS $$ SELECT pg_current_xact_id()::text::bigint $$;
CREATE FUNCTION jeco_log_horizon() RETURNS bigint
  LANGUAGE sql STABLE AS $$ SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint $$;

CREATE TABLE users (
  id            bigserial PRIMARY KEY,
  username      text        NOT NULL,
  email         text        NOT NULL,
  display_name  text        NOT NULL,
  password_hash text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- One row per login (device). The refresh token is `<id>.<secret>`; only the
-- SHA-256 of the current secret is stored. Presenting an older secret means the
-- token was stolen or replayed: the whole session is revoked.
CREATE TABLE sessions (
  id            bigserial PRIMARY KEY,
  user_id       bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  secret_hash   bytea       NOT NULL,
  generation    integer     NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Failed logins per (account, client address): lockout is scoped so that an
-- attacker elsewhere cannot lock the owner out.
CREATE TABLE login_failures (
  user_id       bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  ip            text        NOT NULL,
  failures      integer     NOT NULL DEFAULT 0,
  window_start  timestamptz NOT NULL DEFAULT now(),
  locked_until  timestamptz,
  PRIMARY KEY (user_id, ip)
);

CREATE TABLE conversations (
  id               bigserial PRIMARY KEY,
  kind             text        NOT NULL CHECK (kind IN ('room', 'direct')),
  name             text,
  topic            text,
  visibility       text        NOT NULL CHECK (visibility IN ('public', 'private')),
  created_by       bigint      REFERENCES users (id) ON DELETE SET NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  last_activity_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX conversations_room_name_key ON conversations (lower(name)) WHERE kind = 'room';
CREATE INDEX conversations_public_idx ON conversations (lower(name), id) WHERE visibility = 'public';

CREATE TABLE members (
  conversation_id bigint      NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  user_id         bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role            text        NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  joined_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX members_user_idx ON members (user_id, conversation_id);

CREATE TABLE messages (
  id              bigserial PRIMARY KEY,
  conversation_id bigint      NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  sender_id       bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  body            text,
  client_id       text        NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  edited_at       timestamptz,
  deleted_at      timestamptz,
  -- same log position as the message's MessageCreated event: history and live
  -- delivery show one order
  tx              bigint      NOT NULL DEFAULT jeco_current_tx()
);
CREATE UNIQUE INDEX messages_client_id_key ON messages (sender_id, client_id);
CREATE INDEX messages_timeline_idx ON messages (conversation_id, tx, id);

CREATE TABLE events (
  id              bigserial PRIMARY KEY,
  tx              bigint      NOT NULL DEFAULT jeco_current_tx(),
  conversation_id bigint      NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  payload         jsonb       NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_log_idx ON events (tx, id);
CREATE INDEX events_conversation_idx ON events (conversation_id, tx, id);
