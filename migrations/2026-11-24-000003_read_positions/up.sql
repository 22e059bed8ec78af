-- How far each member has read, as a timeline position (tx, id) of a message.
-- Unread counts and "seen by" are derived from it, never kept as counters.
CREATE TABLE read_positions (
  conversation_id bigint      NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  user_id         bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  message_id      bigint      NOT NULL,
  tx              bigint      NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (conversation_id, user_id)
);
