//! Server calls of the media feature: starting an upload, re-reading a message for
//! fresh media URLs, and setting or removing the viewer's avatar. The bytes themselves
//! go through [`super::upload`].

use super::account::Profile;
use super::error::ApiError;
use super::http::execute;
use super::ops::{
    create_upload, message_by_id, remove_avatar, set_avatar, CreateUpload, MessageById, RemoveAvatar,
    SetAvatar,
};
use crate::state::model::{Message, UserRef};
use crate::user_errors;

/// What an upload is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// A file for a message in this conversation.
    Attachment {
        /// The conversation.
        conversation_id: String,
    },
    /// The viewer's avatar.
    Avatar,
}

/// A voice note's extras.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Voice {
    /// Amplitudes 0..255, at most 256.
    pub waveform: Vec<i64>,
}

/// Asks for an upload URL (relative, single use); returns `(attachment id, url)`.
pub async fn create_upload(
    purpose: Purpose,
    filename: String,
    byte_size: i64,
    voice: Option<Voice>,
) -> Result<(String, String), ApiError> {
    let (purpose, conversation_id) = match purpose {
        Purpose::Attachment { conversation_id } => {
            (create_upload::UploadPurpose::ATTACHMENT, Some(conversation_id))
        }
        Purpose::Avatar => (create_upload::UploadPurpose::AVATAR, None),
    };
    let input = create_upload::CreateUploadInput {
        byte_size,
        conversation_id,
        filename,
        purpose,
        voice: voice.as_ref().map(|_| true),
        waveform: voice.map(|v| v.waveform),
    };
    let payload = execute::<CreateUpload>(create_upload::Variables { input }).await?.create_upload;
    if let Some(error) = user_errors!(payload.user_errors) {
        return Err(error);
    }
    match (payload.attachment, payload.upload_url) {
        (Some(a), Some(url)) => Ok((a.id, url)),
        _ => Err(ApiError::Decode("no upload URL in the answer".to_owned())),
    }
}

/// A message as it is now (fresh signed URLs); `None` when it is gone or hidden.
pub async fn message(id: String) -> Result<Option<Message>, ApiError> {
    let data = execute::<MessageById>(message_by_id::Variables { id }).await?;
    Ok(match data.node {
        Some(message_by_id::MessageByIdNode::Message(m)) => Some(Message::from(m)),
        _ => None,
    })
}

/// Sets the viewer's avatar to an uploaded AVATAR (`Some`) or removes it (`None`).
pub async fn set_avatar(avatar_id: Option<String>) -> Result<Profile, ApiError> {
    macro_rules! run {
        ($op:ident, $module:ident, $variables:expr) => {{
            let payload = execute::<$op>($variables).await?.update_profile;
            if let Some(error) = user_errors!(payload.user_errors) {
                return Err(error);
            }
            let u = payload.user.ok_or_else(|| ApiError::Decode("no user in the answer".to_owned()))?;
            Ok(Profile {
                user: UserRef {
                    id: u.id,
                    username: u.username,
                    display_name: u.display_name,
                    avatar_url: u.avatar_url,
                },
                email: u.email,
                bio: u.bio,
            })
        }};
    }
    match avatar_id {
        Some(avatar_id) => run!(SetAvatar, set_avatar, set_avatar::Variables { avatar_id }),
        None => run!(RemoveAvatar, remove_avatar, remove_avatar::Variables),
    }
}
