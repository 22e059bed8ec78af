//! Uploaded files (`attachments`) and the storage objects waiting to be
//! deleted (`media_garbage`). A row goes pending → receiving (its one PUT) →
//! ready or failed; ready attachment rows are then tied to one message.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::enums::{AttachmentKind, UploadPurpose, UploadState};
use crate::ids::{AttachmentId, ConversationId, MessageId, UserId};
use crate::schema::{attachments, media_garbage, users};

/// An `attachments` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = attachments, check_for_backend(diesel::pg::Pg))]
pub struct Attachment {
    /// Primary key.
    pub id: AttachmentId,
    /// Who created the upload.
    pub uploader_id: UserId,
    /// Message attachment or avatar.
    pub purpose: UploadPurpose,
    /// The conversation an attachment is for (none for avatars).
    pub conversation_id: Option<ConversationId>,
    /// The message it is attached to, once sent.
    pub message_id: Option<MessageId>,
    /// Order within its message.
    pub position: i16,
    /// Life cycle state.
    pub state: UploadState,
    /// Random name of its storage objects (never the user's file name).
    pub storage_key: String,
    /// Display name given by the uploader.
    pub filename: String,
    /// The size the uploader announced; the PUT may not exceed it.
    pub declared_size: i64,
    /// An audio upload recorded as a voice note.
    pub voice: bool,
    /// Voice notes: amplitudes 0..255.
    pub waveform: Option<Vec<u8>>,
    /// Judged from the content, once received.
    pub kind: Option<AttachmentKind>,
    /// MIME type judged from the content.
    pub content_type: Option<String>,
    /// Stored size of the (metadata-stripped) file.
    pub byte_size: Option<i64>,
    /// Images: width after orientation.
    pub width: Option<i32>,
    /// Images: height after orientation.
    pub height: Option<i32>,
    /// Images: ThumbHash, base64.
    pub placeholder: Option<String>,
    /// Audio/video: measured length.
    pub duration_ms: Option<i32>,
    /// Images: MIME type of the stored thumbnail.
    pub thumbnail_type: Option<String>,
    /// Creation time (of the upload).
    pub created_at: DateTime<Utc>,
}

/// A new upload, as `createUpload` records it.
#[derive(Debug, Insertable)]
#[diesel(table_name = attachments)]
pub struct NewUpload<'a> {
    /// Who uploads.
    pub uploader_id: UserId,
    /// What for.
    pub purpose: UploadPurpose,
    /// The conversation (attachments only).
    pub conversation_id: Option<ConversationId>,
    /// Random storage name.
    pub storage_key: &'a str,
    /// Display name.
    pub filename: &'a str,
    /// Announced size.
    pub declared_size: i64,
    /// Voice note flag.
    pub voice: bool,
    /// Voice note amplitudes.
    pub waveform: Option<&'a [u8]>,
}

/// What processing found out about a received file.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = attachments)]
pub struct Received<'a> {
    /// Always [`UploadState::Ready`].
    pub state: UploadState,
    /// Kind by content.
    pub kind: AttachmentKind,
    /// MIME type by content.
    pub content_type: &'a str,
    /// Stored size.
    pub byte_size: i64,
    /// Images: width.
    pub width: Option<i32>,
    /// Images: height.
    pub height: Option<i32>,
    /// Images: ThumbHash.
    pub placeholder: Option<&'a str>,
    /// Audio/video: length.
    pub duration_ms: Option<i32>,
    /// Images: thumbnail MIME type.
    pub thumbnail_type: Option<&'a str>,
}

/// Records a new pending upload.
pub async fn insert_upload(conn: &mut AsyncPgConnection, new: &NewUpload<'_>) -> QueryResult<Attachment> {
    diesel::insert_into(attachments::table)
        .values(new)
        .returning(Attachment::as_returning())
        .get_result(conn)
        .await
}

/// One upload by id.
pub async fn attachment(conn: &mut AsyncPgConnection, id: AttachmentId) -> QueryResult<Option<Attachment>> {
    attachments::table.find(id).select(Attachment::as_select()).first(conn).await.optional()
}

/// Claims a pending upload for its single PUT: `None` when it is not pending
/// (used already, or gone), so two PUTs can never both proceed.
pub async fn claim_upload(conn: &mut AsyncPgConnection, id: AttachmentId) -> QueryResult<Option<Attachment>> {
    diesel::update(attachments::table.find(id).filter(attachments::state.eq(UploadState::Pending)))
        .set(attachments::state.eq(UploadState::Receiving))
        .returning(Attachment::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Marks a claimed upload ready with what processing found.
pub async fn mark_received(
    conn: &mut AsyncPgConnection,
    id: AttachmentId,
    received: &Received<'_>,
) -> QueryResult<Option<Attachment>> {
    diesel::update(attachments::table.find(id).filter(attachments::state.eq(UploadState::Receiving)))
        .set(received)
        .returning(Attachment::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Marks a claimed upload failed (its URL stays used; nothing is stored).
pub async fn mark_failed(conn: &mut AsyncPgConnection, id: AttachmentId) -> QueryResult<usize> {
    diesel::update(attachments::table.find(id).filter(attachments::state.eq(UploadState::Receiving)))
        .set(attachments::state.eq(UploadState::Failed))
        .execute(conn)
        .await
}

/// Locks the uploads named, for attaching them to a message.
pub async fn lock_uploads(
    conn: &mut AsyncPgConnection,
    ids: &[AttachmentId],
) -> QueryResult<Vec<Attachment>> {
    attachments::table
        .filter(attachments::id.eq_any(ids))
        .select(Attachment::as_select())
        .for_update()
        .load(conn)
        .await
}

/// Ties an upload to its message at a position.
pub async fn attach(
    conn: &mut AsyncPgConnection,
    id: AttachmentId,
    message_id: MessageId,
    position: i16,
) -> QueryResult<usize> {
    diesel::update(attachments::table.find(id))
        .set((attachments::message_id.eq(message_id), attachments::position.eq(position)))
        .execute(conn)
        .await
}

/// The attachments of these messages, in message then position order.
pub async fn for_messages(
    conn: &mut AsyncPgConnection,
    message_ids: &[MessageId],
) -> QueryResult<Vec<Attachment>> {
    attachments::table
        .filter(attachments::message_id.eq_any(message_ids))
        .order((attachments::message_id, attachments::position))
        .select(Attachment::as_select())
        .load(conn)
        .await
}

/// Deletes a message's attachments (its files go through `media_garbage`).
pub async fn delete_for_message(conn: &mut AsyncPgConnection, message_id: MessageId) -> QueryResult<usize> {
    diesel::delete(attachments::table.filter(attachments::message_id.eq(message_id))).execute(conn).await
}

/// Deletes one upload row (its files go through `media_garbage`).
pub async fn delete(conn: &mut AsyncPgConnection, id: AttachmentId) -> QueryResult<usize> {
    diesel::delete(attachments::table.find(id)).execute(conn).await
}

/// Sets (or clears) a user's avatar, returning the one it replaced.
pub async fn set_avatar(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    avatar: Option<AttachmentId>,
) -> QueryResult<Option<AttachmentId>> {
    let old: Option<AttachmentId> =
        users::table.find(user_id).select(users::avatar_id).for_update().first(conn).await?;
    diesel::update(users::table.find(user_id)).set(users::avatar_id.eq(avatar)).execute(conn).await?;
    Ok(old)
}

/// Removes uploads that were never used before `before`: attachments never
/// sent, avatars no user shows (their files go through `media_garbage`).
pub async fn delete_unused(conn: &mut AsyncPgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    let in_use =
        users::table.filter(users::avatar_id.is_not_null()).select(users::avatar_id.assume_not_null());
    diesel::delete(
        attachments::table
            .filter(attachments::message_id.is_null())
            .filter(attachments::created_at.lt(before))
            .filter(attachments::id.ne_all(in_use)),
    )
    .execute(conn)
    .await
}

/// Takes (and forgets) up to `limit` storage keys whose files are to be
/// deleted. Other instances sweeping at the same time take different ones;
/// a key whose deletion fails goes back with [`queue_garbage`].
pub async fn take_garbage(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Key {
        #[diesel(sql_type = diesel::sql_types::Text)]
        storage_key: String,
    }
    let keys: Vec<Key> = diesel::sql_query(
        "DELETE FROM media_garbage WHERE id IN \
         (SELECT id FROM media_garbage ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING storage_key",
    )
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)
    .await?;
    Ok(keys.into_iter().map(|k| k.storage_key).collect())
}

/// Queues a storage key for deletion (again).
pub async fn queue_garbage(conn: &mut AsyncPgConnection, storage_key: &str) -> QueryResult<usize> {
    diesel::insert_into(media_garbage::table)
        .values(media_garbage::storage_key.eq(storage_key))
        .execute(conn)
        .await
}
