//! Media in the schema: the `Attachment` object with its signed URLs,
//! `createUpload`, and `User.avatarUrl`'s URL choice. The URLs are made per
//! viewer when resolved, so one message event serves every subscriber with
//! URLs of their own.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use jeco_schema::attachments::Attachment;
use jeco_schema::enums::UploadState;
use jeco_schema::ids::{AttachmentId, ConversationId};

use crate::error::UserError;
use crate::graphql::{split, state, viewer};
use crate::ids;
use crate::media::sign::Variant;
use crate::services::uploads::{self, UploadRequest};

/// What an upload is for.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "jeco_schema::enums::UploadPurpose")]
pub enum UploadPurpose {
    /// A file attached to a message.
    Attachment,
    /// A profile picture.
    Avatar,
}

/// What an attachment is, judged from its content (never its name).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "jeco_schema::enums::AttachmentKind")]
pub enum AttachmentKind {
    /// PNG, JPEG, GIF or WebP (shown inline).
    Image,
    /// Ogg/Opus, WebM/Opus, MP4/AAC or MP3 (played inline).
    Audio,
    /// MP4 or WebM (played inline).
    Video,
    /// Anything else (downloaded, never shown inline).
    File,
}

/// A file attached to a message, or an avatar upload.
pub struct AttachmentNode(pub Attachment);

#[Object(name = "Attachment")]
impl AttachmentNode {
    /// Global id.
    pub(crate) async fn id(&self) -> ID {
        ids::encode(self.0.id)
    }
    /// What the content is (FILE until the bytes have arrived).
    async fn kind(&self) -> AttachmentKind {
        self.0.kind.unwrap_or(jeco_schema::enums::AttachmentKind::File).into()
    }
    /// Display name (never a path).
    async fn filename(&self) -> &str {
        &self.0.filename
    }
    /// MIME type found from the content (never from the name).
    async fn content_type(&self) -> &str {
        self.0.content_type.as_deref().unwrap_or("application/octet-stream")
    }
    /// Size in bytes as stored, metadata stripped (the announced size until the bytes have arrived).
    async fn byte_size(&self) -> i64 {
        self.0.byte_size.unwrap_or(self.0.declared_size)
    }
    /// Signed, short-lived URL of the file, bound to the viewer (downloads
    /// unless the kind is shown inline).
    async fn url(&self, ctx: &Context<'_>) -> String {
        signed(ctx, self.0.id, Variant::File)
    }
    /// Images: signed URL of a small rendition (about 480 px on the long side).
    async fn thumbnail_url(&self, ctx: &Context<'_>) -> Option<String> {
        self.0.thumbnail_type.is_some().then(|| signed(ctx, self.0.id, Variant::Thumb))
    }
    /// Images: pixel width after EXIF orientation.
    async fn width(&self) -> Option<i32> {
        self.0.width
    }
    /// Images: pixel height after EXIF orientation.
    async fn height(&self) -> Option<i32> {
        self.0.height
    }
    /// Images: a ThumbHash (base64) to paint before the thumbnail loads.
    async fn placeholder(&self) -> Option<&str> {
        self.0.placeholder.as_deref()
    }
    /// Audio and video: length measured by the server from the container.
    async fn duration_ms(&self) -> Option<i32> {
        self.0.duration_ms
    }
    /// An AUDIO upload recorded as a voice note.
    async fn voice(&self) -> bool {
        self.0.voice
    }
    /// Voice notes: up to 256 amplitude values, 0..255.
    async fn waveform(&self) -> Option<Vec<i32>> {
        self.0.waveform.as_ref().map(|w| w.iter().map(|v| i32::from(*v)).collect())
    }
    /// Upload time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A signed URL for the viewer ("" without one: attachments are only ever
/// resolved for a signed-in viewer).
pub fn signed(ctx: &Context<'_>, id: AttachmentId, variant: Variant) -> String {
    if let Some(deferred) = super::events::shared::deferred_url(id, variant) {
        return deferred;
    }
    viewer(ctx).map(|v| state(ctx).media.url(id, variant, v)).unwrap_or_default()
}

/// Whether an upload may be shown (its bytes have arrived and were accepted).
pub fn ready(row: &Attachment) -> bool {
    row.state == UploadState::Ready
}

/// Input of createUpload.
#[derive(InputObject)]
pub struct CreateUploadInput {
    /// Message attachment or avatar.
    purpose: UploadPurpose,
    /// Required for ATTACHMENT: the conversation (the viewer must be a member).
    conversation_id: Option<ID>,
    /// Display name: a plain file name, never a path.
    filename: String,
    /// The file's size in bytes; the PUT may not exceed it.
    byte_size: i64,
    /// An AUDIO upload recorded as a voice note.
    voice: Option<bool>,
    /// Voice notes: up to 256 values, 0..255.
    waveform: Option<Vec<i32>>,
}

/// Result of createUpload.
#[derive(SimpleObject)]
pub struct CreateUploadPayload {
    /// The upload (its bytes not yet received).
    attachment: Option<AttachmentNode>,
    /// Where to `PUT` the raw bytes: relative, signed, single use, valid 15 minutes.
    upload_url: Option<String>,
    /// Expected failures.
    user_errors: Vec<UserError>,
}

/// Media mutations.
#[derive(Default)]
pub struct MediaMutation;

#[Object]
impl MediaMutation {
    /// Starts an upload: returns a signed URL to `PUT` the file's bytes to.
    async fn create_upload(
        &self,
        ctx: &Context<'_>,
        input: CreateUploadInput,
    ) -> async_graphql::Result<CreateUploadPayload> {
        let conversation_id = match &input.conversation_id {
            None => None,
            Some(id) => match ids::decode::<ConversationId>(id) {
                Some(id) => Some(id),
                None => {
                    let error = UserError::not_found("conversationId", "conversation");
                    return Ok(CreateUploadPayload {
                        attachment: None,
                        upload_url: None,
                        user_errors: vec![error],
                    });
                }
            },
        };
        let request = UploadRequest {
            purpose: input.purpose.into(),
            conversation_id,
            filename: &input.filename,
            byte_size: input.byte_size,
            voice: input.voice.unwrap_or(false),
            waveform: input.waveform.as_deref(),
        };
        let result = uploads::create_upload(state(ctx), viewer(ctx), request).await;
        let (created, user_errors) = split(result)?;
        let (attachment, upload_url) = match created {
            Some((row, url)) => (Some(AttachmentNode(row)), Some(url)),
            None => (None, None),
        };
        Ok(CreateUploadPayload { attachment, upload_url, user_errors })
    }
}
