-- Direct conversations: one per pair of users, whoever opens it first. The key
-- is "<smaller user id>:<larger user id>", unique, so concurrent opens meet.
ALTER TABLE conversations ADD COLUMN direct_key text;
CREATE UNIQUE INDEX conversations_direct_key ON conversations (direct_key) WHERE direct_key IS NOT NULL;

CREATE TABLE contacts (
  owner_id   bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  contact_id bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner_id, contact_id),
  CHECK (owner_id <> contact_id)
);

-- A block stops the blocked user from messaging the blocker directly.
CREATE TABLE blocks (
  blocker_id bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  blocked_id bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (blocker_id, blocked_id),
  CHECK (blocker_id <> blocked_id)
);
CREATE INDEX blocks_blocked_idx ON blocks (blocked_id, blocker_id);

CREATE INDEX users_username_search ON users (lower(username) text_pattern_ops);
