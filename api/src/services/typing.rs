//! Typing indicators: members only, rate limited, never stored. A typing
//! signal lasts [`TYPING_TTL`] unless renewed; every stream expires it by itself.

use std::time::Duration;

use super::access::{access_conversation, public_user};
use super::{conn, require};
use crate::auth::Viewer;
use crate::error::{ServiceResult, UserError, UserErrorCode};
use crate::events::Ephemeral;
use crate::state::AppState;
use jeco_schema::ids::ConversationId;

/// How long "is typing" lasts without a renewal.
pub const TYPING_TTL: Duration = Duration::from_secs(5);

/// Announces that the viewer started (or stopped) typing in a conversation.
pub async fn set_typing(
    state: &AppState,
    viewer: Option<Viewer>,
    conversation_id: ConversationId,
    typing: bool,
) -> ServiceResult<()> {
    let user_id = require(viewer)?;
    let mut c = conn(state).await?;
    access_conversation(&mut c, user_id, conversation_id).await?;
    if !state.typing_limiter.check(&user_id) {
        return Err(UserError::general(UserErrorCode::RateLimited, "typing updates are too frequent").into());
    }
    let user = public_user(&mut c, user_id).await?;
    state.hub.publish_ephemeral(Ephemeral::Typing { conversation_id, user, typing });
    Ok(())
}
