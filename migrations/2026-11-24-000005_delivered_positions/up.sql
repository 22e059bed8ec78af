-- How far events have reached one of each member's connections ("delivered"),
-- like read_positions; written in coalesced batches, never per delivery.
CREATE TABLE delivered_positions (
  conversation_id bigint      NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  user_id         bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  message_id      bigint      NOT NULL,
  tx              bigint      NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (conversation_id, user_id)
);
