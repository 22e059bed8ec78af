//! Uploads: `createUpload` (a pending row and its signed single-use PUT URL),
//! attaching ready uploads to a message (inside the send's transaction), and
//! the avatar. The bytes themselves arrive at `media::upload`.

use diesel_async::AsyncPgConnection;
use jeco_schema as db;
use jeco_schema::attachments::{Attachment, NewUpload};
use jeco_schema::enums::{UploadPurpose, UploadState};
use jeco_schema::ids::{AttachmentId, ConversationId, MessageId, UserId};

use super::access::access_conversation;
use super::{conn, writer};
use crate::auth::Viewer;
use crate::config::{MAX_PER_MESSAGE, MAX_WAVEFORM};
use crate::error::{ServiceResult, UserError, UserErrorCode};
use crate::state::AppState;

/// What `createUpload` asks for.
pub struct UploadRequest<'a> {
    /// Attachment or avatar.
    pub purpose: UploadPurpose,
    /// The conversation (attachments only; the viewer must be a member).
    pub conversation_id: Option<ConversationId>,
    /// Display name.
    pub filename: &'a str,
    /// Announced size in bytes.
    pub byte_size: i64,
    /// A voice note.
    pub voice: bool,
    /// Voice-note amplitudes (0..255, at most 256).
    pub waveform: Option<&'a [i32]>,
}

fn invalid(field: &str, message: &str) -> UserError {
    UserError::on_field(field, UserErrorCode::Invalid, message)
}

/// A display name that is a plain file name: 1–255 characters, no path
/// separators, no control characters (NUL included), not `.` or `..`. It is
/// only ever shown, but a name that looks like a path is refused rather
/// than silently changed.
pub fn filename(name: &str) -> Result<String, UserError> {
    let name = name.trim();
    let plain = !name.is_empty()
        && name.chars().count() <= 255
        && !name.chars().any(|c| c == '/' || c == '\\' || c.is_control())
        && name != "."
        && name != "..";
    if plain {
        Ok(name.to_string())
    } else {
        Err(invalid(
            "filename",
            "filename must be a plain file name of 1–255 characters (no '/', '\\' or control characters)",
        ))
    }
}

/// Records a pending upload and returns it with its signed PUT URL (relative,
/// valid for 15 minutes, usable once).
pub async fn create_upload(
    state: &AppState,
    viewer: Option<Viewer>,
    req: UploadRequest<'_>,
) -> ServiceResult<(Attachment, String)> {
    let user_id = writer(state, viewer)?;
    let media = &state.media;
    let name = filename(req.filename)?;
    let max = media.config.max_upload_bytes;
    if req.byte_size <= 0 {
        return Err(invalid("byteSize", "byteSize must be at least 1").into());
    }
    if u64::try_from(req.byte_size).unwrap_or(u64::MAX) > max {
        let message = format!("files may be at most {max} bytes");
        return Err(UserError::on_field("byteSize", UserErrorCode::TooLarge, message).into());
    }
    let waveform = match (req.voice, req.waveform) {
        (_, None) => None,
        (false, Some(_)) => return Err(invalid("waveform", "a waveform is only for voice notes").into()),
        (true, Some(w)) if w.len() > MAX_WAVEFORM || w.iter().any(|v| !(0..=255).contains(v)) => {
            let message = format!("waveform takes at most {MAX_WAVEFORM} values, each 0–255");
            return Err(invalid("waveform", &message).into());
        }
        (true, Some(w)) => Some(w.iter().map(|v| u8::try_from(*v).unwrap_or(u8::MAX)).collect::<Vec<u8>>()),
    };
    let mut c = conn(state).await?;
    match (req.purpose, req.conversation_id) {
        (UploadPurpose::Attachment, None) => {
            return Err(invalid("conversationId", "an attachment needs its conversationId").into());
        }
        (UploadPurpose::Attachment, Some(id)) => {
            access_conversation(&mut c, user_id, id).await?;
        }
        (UploadPurpose::Avatar, Some(_)) => {
            return Err(invalid("conversationId", "an avatar belongs to no conversation").into());
        }
        (UploadPurpose::Avatar, None) if req.voice => {
            return Err(invalid("voice", "an avatar is not a voice note").into());
        }
        (UploadPurpose::Avatar, None) => {}
    }
    if !media.upload_limiter.check(&user_id) {
        return Err(UserError::general(UserErrorCode::RateLimited, "too many uploads; slow down").into());
    }
    let key = crate::auth::random_token(24);
    let new = NewUpload {
        uploader_id: user_id,
        purpose: req.purpose,
        conversation_id: req.conversation_id,
        storage_key: &key,
        filename: &name,
        declared_size: req.byte_size,
        voice: req.voice,
        waveform: waveform.as_deref(),
    };
    let row = db::attachments::insert_upload(&mut c, &new).await?;
    let exp =
        chrono::Utc::now().timestamp() + i64::try_from(media.config.upload_ttl.as_secs()).unwrap_or(900);
    let url = media.signer.upload_path(row.id, exp);
    Ok((row, url))
}

/// Ties the viewer's uploads to a new message, in the order given: each must
/// be the sender's own, ready, unattached, and for this conversation; at most
/// [`MAX_PER_MESSAGE`], no id twice. Runs in the send's transaction, so a
/// refusal writes nothing.
pub async fn attach(
    c: &mut AsyncPgConnection,
    sender: UserId,
    conversation_id: ConversationId,
    message_id: MessageId,
    ids: &[AttachmentId],
) -> ServiceResult<()> {
    if ids.len() > MAX_PER_MESSAGE {
        let message = format!("a message takes at most {MAX_PER_MESSAGE} attachments");
        return Err(invalid("attachmentIds", &message).into());
    }
    let mut unique = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    if unique.len() != ids.len() {
        return Err(invalid("attachmentIds", "an attachment is listed twice").into());
    }
    let rows = db::attachments::lock_uploads(c, ids).await?;
    let usable = |r: &&Attachment| {
        r.uploader_id == sender
            && r.purpose == UploadPurpose::Attachment
            && r.conversation_id == Some(conversation_id)
            && r.state == UploadState::Ready
            && r.message_id.is_none()
    };
    if rows.iter().filter(usable).count() != ids.len() {
        // One answer for all cases: someone else's upload must not be told apart.
        return Err(invalid(
            "attachmentIds",
            "every attachment must be your own finished upload for this conversation, not yet sent",
        )
        .into());
    }
    for (position, id) in ids.iter().enumerate() {
        db::attachments::attach(c, *id, message_id, i16::try_from(position).unwrap_or(i16::MAX)).await?;
    }
    Ok(())
}

/// Sets or clears the viewer's avatar in the caller's transaction; the one it
/// replaces is deleted (its files go to the sweeper).
pub async fn set_avatar(
    c: &mut AsyncPgConnection,
    user_id: UserId,
    avatar: Option<AttachmentId>,
) -> ServiceResult<()> {
    if let Some(id) = avatar {
        let row = db::attachments::lock_uploads(c, &[id]).await?.into_iter().next();
        let ok = row.is_some_and(|r| {
            r.uploader_id == user_id && r.purpose == UploadPurpose::Avatar && r.state == UploadState::Ready
        });
        if !ok {
            return Err(invalid("avatarId", "avatarId must be your own finished AVATAR upload").into());
        }
    }
    let old = db::attachments::set_avatar(c, user_id, avatar).await?;
    if let Some(old) = old.filter(|old| Some(*old) != avatar) {
        db::attachments::delete(c, old).await?;
    }
    Ok(())
}
