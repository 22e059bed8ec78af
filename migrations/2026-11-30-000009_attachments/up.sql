-- Uploaded files: message attachments and avatars. A row is created by
-- createUpload (state 'pending'), claimed by the single PUT of its signed URL
-- ('receiving'), and is 'ready' once stored and processed, or 'failed'.
-- Storage object names come from `storage_key` (random), never from the
-- user's file name.
CREATE TABLE attachments (
    id bigserial PRIMARY KEY,
    uploader_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose text NOT NULL CHECK (purpose IN ('attachment', 'avatar')),
    conversation_id bigint REFERENCES conversations(id) ON DELETE CASCADE,
    message_id bigint REFERENCES messages(id) ON DELETE CASCADE,
    position smallint NOT NULL DEFAULT 0,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'receiving', 'ready', 'failed')),
    storage_key text NOT NULL UNIQUE,
    filename text NOT NULL,
    declared_size bigint NOT NULL,
    voice boolean NOT NULL DEFAULT false,
    waveform bytea,
    kind text CHECK (kind IN ('image', 'audio', 'video', 'file')),
    content_type text,
    byte_size bigint,
    width integer,
    height integer,
    placeholder text,
    duration_ms integer,
    thumbnail_type text,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (purpose = 'avatar' OR conversation_id IS NOT NULL)
);
CREATE INDEX attachments_message_idx ON attachments (message_id, position) WHERE message_id IS NOT NULL;
CREATE INDEX attachments_unattached_idx ON attachments (created_at) WHERE message_id IS NULL;

-- No foreign key on purpose: with keys both ways between users and
-- attachments, diesel could not declare either join. The avatar service keeps
-- it true: it replaces the id and deletes the old row in one transaction, and
-- the sweeper only removes avatar rows no user points to.
ALTER TABLE users ADD COLUMN avatar_id bigint;

-- Storage objects whose row is gone, for the sweeper to delete. A trigger
-- fills it, so every way a row goes (message deleted, account or
-- conversation removed by cascade, upload expired, avatar replaced) removes
-- the files too.
CREATE TABLE media_garbage (
    id bigserial PRIMARY KEY,
    storage_key text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION attachments_collect_garbage() RETURNS trigger AS $$
BEGIN
    INSERT INTO media_garbage (storage_key) VALUES (OLD.storage_key);
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER attachments_garbage AFTER DELETE ON attachments
    FOR EACH ROW EXECUTE FUNCTION attachments_collect_garbage();
