ALTER TABLE sessions DROP COLUMN previous_secret_hash;
DROP INDEX sessions_handle_key;
ALTER TABLE sessions DROP COLUMN handle;
