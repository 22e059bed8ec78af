DROP TRIGGER attachments_garbage ON attachments;
DROP FUNCTION attachments_collect_garbage();
DROP TABLE media_garbage;
ALTER TABLE users DROP COLUMN avatar_id;
DROP TABLE attachments;
