-- Per-user notifications (direct messages, @mentions; replies come with replyTo).
-- Positioned like the event log, (tx, id), so `notifications(after:)` resumes
-- gaplessly with the same horizon rule.
CREATE TABLE notifications (
  id              bigserial PRIMARY KEY,
  tx              bigint      NOT NULL DEFAULT jeco_current_tx(),
  user_id         bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind            text        NOT NULL CHECK (kind IN ('direct_message', 'mention', 'reply')),
  conversation_id bigint      NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  message_id      bigint      NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  actor_id        bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at      timestamptz NOT NULL DEFAULT now(),
  read_at         timestamptz
);
CREATE INDEX notifications_user_log_idx ON notifications (user_id, tx, id);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;
