-- Refresh tokens name their session by a random public handle instead of the
-- sequential id (ids are guessable), and a session keeps the hash of the
-- secret it rotated away from: only a replay of that genuine earlier secret
-- counts as reuse and revokes the session; any other wrong secret is merely
-- refused, so nobody can end someone else's session by guessing.
-- Existing sessions get a random handle; their old `<id>.<secret>` tokens stop
-- working (log in again).
ALTER TABLE sessions ADD COLUMN handle text;
UPDATE sessions SET handle = replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
ALTER TABLE sessions ALTER COLUMN handle SET NOT NULL;
CREATE UNIQUE INDEX sessions_handle_key ON sessions (handle);
ALTER TABLE sessions ADD COLUMN previous_secret_hash bytea;
