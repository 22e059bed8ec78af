//! The account life cycle after registration: profile, password change,
//! password reset by mail, account deletion.

use chrono::{Duration, Utc};
use jeco_schema as db;
use jeco_schema::enums::ConversationKind;
use jeco_schema::models::User;

use super::{conn, require, validate, writer};
use crate::auth::{self, Viewer};
use crate::error::{ServiceError, ServiceResult, UserError, UserErrorCode};
use crate::events::PublicUser;
use crate::state::AppState;
use crate::tx;
use jeco_schema::ids::{AccessTokenId, AttachmentId, ConversationId, SessionId, UserId};

/// How long a password-reset link works.
pub const RESET_TTL: Duration = Duration::hours(1);
/// Longest bio, in characters.
pub const MAX_BIO_CHARS: usize = 500;

/// Changes the viewer's display name, bio (empty clears it) and/or avatar
/// (`Some(None)` removes it; the one replaced is deleted with its files).
pub async fn update_profile(
    state: &AppState,
    viewer: Option<Viewer>,
    display_name: Option<&str>,
    bio: Option<&str>,
    avatar: Option<Option<AttachmentId>>,
) -> ServiceResult<User> {
    let user_id = writer(state, viewer)?;
    let display_name = display_name.map(|d| validate::text("displayName", d, 64, false)).transpose()?;
    let bio = match bio.map(str::trim) {
        Some("") => Some(None),
        Some(b) => Some(Some(validate::text("bio", b, MAX_BIO_CHARS, true)?)),
        None => None,
    };
    tx::write(&state.pool, &state.hub, async |tx| {
        if let Some(avatar) = avatar {
            super::uploads::set_avatar(tx, user_id, avatar).await?;
        }
        Ok(db::users::update_profile(
            tx,
            user_id,
            display_name.as_deref(),
            bio.as_ref().map(|b| b.as_deref()),
        )
        .await?)
    })
    .await
}

/// Checks the user's current password; `InvalidCredentials` on `field` if wrong.
pub(super) async fn check_password(
    state: &AppState,
    user: &User,
    password: &str,
    field: &str,
) -> ServiceResult<()> {
    let ok = state
        .hasher
        .verify(password.to_string(), Some(user.password_hash.clone()))
        .await
        .map_err(ServiceError::Internal)?;
    if ok {
        Ok(())
    } else {
        Err(UserError::on_field(field, UserErrorCode::InvalidCredentials, "the password is wrong").into())
    }
}

/// The viewer's row (unauthenticated if it is gone).
pub(super) async fn current_user(state: &AppState, user_id: UserId) -> ServiceResult<User> {
    let mut c = conn(state).await?;
    db::users::users_by_ids(&mut c, &[user_id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| UserError::unauthenticated().into())
}

/// Changes the viewer's password after checking the current one, and ends
/// every other credential: the other login sessions and every personal access
/// token (this session stays logged in). A change is how people answer a
/// suspected compromise, so a token minted by an intruder must not survive it.
pub async fn change_password(
    state: &AppState,
    ip: &str,
    viewer: Option<Viewer>,
    current: &str,
    new: &str,
) -> ServiceResult<()> {
    let user_id = require(viewer)?;
    validate::password("newPassword", new)?;
    if !state.auth_limiter.check(&ip.to_string()) {
        return Err(UserError::general(UserErrorCode::RateLimited, "too many attempts; wait a minute").into());
    }
    let user = current_user(state, user_id).await?;
    check_password(state, &user, current, "currentPassword").await?;
    let hash = state.hasher.hash(new.to_string()).await.map_err(ServiceError::Internal)?;
    let keep = viewer.and_then(|v| v.session_id);
    let ended = tx::write(&state.pool, &state.hub, async |tx| {
        db::users::set_password_hash(tx, user_id, &hash).await?;
        end_credentials(tx, user_id, keep).await
    })
    .await?;
    ended.forget(state);
    Ok(())
}

/// Credentials ended in a transaction, to drop from this instance's caches
/// once it commits (the other instances see them within [`auth::FRESHNESS`]).
struct Ended {
    sessions: Vec<SessionId>,
    tokens: Vec<AccessTokenId>,
}

impl Ended {
    fn forget(self, state: &AppState) {
        for id in self.sessions {
            state.auth.session_ended(id);
        }
        for id in self.tokens {
            state.auth.access_token_revoked(id);
        }
    }
}

/// Revokes a user's sessions (but `keep`) and every personal access token.
async fn end_credentials(
    tx: &mut diesel_async::AsyncPgConnection,
    user_id: UserId,
    keep: Option<SessionId>,
) -> ServiceResult<Ended> {
    let sessions = db::sessions::revoke_sessions(tx, user_id, keep).await?;
    let tokens = db::access_tokens::revoke_access_tokens_of(tx, user_id).await?;
    Ok(Ended { sessions, tokens })
}

/// Mails a single-use reset link if the address belongs to an account. The
/// answer is the same either way, and the mail goes out after the answer, so
/// neither the reply nor its timing tells whether the address is registered.
pub async fn request_password_reset(state: &AppState, ip: &str, email: &str) -> ServiceResult<()> {
    let email = validate::email(email)?;
    if !state.auth_limiter.check(&ip.to_string()) || !state.auth_limiter.check(&format!("reset:{email}")) {
        return Err(UserError::general(UserErrorCode::RateLimited, "too many attempts; wait a minute").into());
    }
    let mut c = conn(state).await?;
    let Some(user) = db::users::user_by_email(&mut c, &email).await? else {
        return Ok(());
    };
    // 192 bits: unguessable, and short enough that the link usually fits a
    // mail line unfolded.
    let token = auth::random_token(24);
    db::password_resets::insert_password_reset(
        &mut c,
        user.id,
        &auth::sha256(&token),
        Utc::now() + RESET_TTL,
    )
    .await?;
    let link = format!("{}/reset-password?token={token}", state.config.public_url);
    let text = format!(
        "Hello {},\n\nSomeone (hopefully you) asked to reset the password of your Jeco Chat account \
         @{}.\nOpen this link within an hour to choose a new password (it works once):\n\n{link}\n\n\
         If you did not ask for this, ignore this mail; your password stays as it is.\n",
        user.display_name, user.username
    );
    let mailer = state.mailer.clone();
    let to = user.email.clone();
    tokio::spawn(async move {
        if let Err(e) = mailer.send(&to, "Reset your Jeco Chat password", text).await {
            tracing::error!("password reset mail not sent: {e}");
        }
    });
    Ok(())
}

/// Sets a new password with a reset token (single use, expiring) and ends
/// every credential of the account: its sessions and its personal access
/// tokens (whoever had the old password may have minted one).
pub async fn reset_password(state: &AppState, ip: &str, token: &str, new: &str) -> ServiceResult<()> {
    let invalid =
        || UserError::on_field("token", UserErrorCode::Invalid, "this reset link is invalid or expired");
    let token = token.trim();
    if token.is_empty() || token.len() > 128 {
        return Err(invalid().into());
    }
    validate::password("newPassword", new)?;
    if !state.auth_limiter.check(&ip.to_string()) {
        return Err(UserError::general(UserErrorCode::RateLimited, "too many attempts; wait a minute").into());
    }
    let hash = state.hasher.hash(new.to_string()).await.map_err(ServiceError::Internal)?;
    let ended = tx::write(&state.pool, &state.hub, async |tx| {
        let Some(user_id) = db::password_resets::take_password_reset(tx, &auth::sha256(token)).await? else {
            return Err(ServiceError::from(invalid()));
        };
        db::users::set_password_hash(tx, user_id, &hash).await?;
        end_credentials(tx, user_id, None).await
    })
    .await?;
    ended.forget(state);
    Ok(())
}

/// Deletes the viewer's account after checking the password. The row stays,
/// anonymised ("Deleted user"), so other people's history keeps its shape:
/// the person leaves every room, their sessions and tokens end, their handle
/// and email become free. Messages stay (like Slack, Mattermost and Zulip do);
/// direct conversations stay readable for the other person.
pub async fn delete_account(state: &AppState, viewer: Option<Viewer>, password: &str) -> ServiceResult<()> {
    let user_id = writer(state, viewer)?;
    let user = current_user(state, user_id).await?;
    check_password(state, &user, password, "password").await?;
    // Each room's `MemberLeft` rings it after the commit.
    let ended = tx::write(&state.pool, &state.hub, async |tx| {
        let ids = db::members::conversation_ids_of(tx, user_id).await?;
        let rooms: Vec<ConversationId> = db::conversations::conversations_by_ids(tx, &ids)
            .await?
            .into_iter()
            .filter(|v| v.kind == ConversationKind::Room)
            .map(|v| v.id)
            .collect();
        let ended = end_credentials(tx, user_id, None).await?;
        super::uploads::set_avatar(tx, user_id, None).await?;
        let anonymised = db::users::anonymise_user(tx, user_id).await?;
        let gone = PublicUser::from(&anonymised);
        for room in rooms {
            db::conversations::lock_conversation(tx, room).await?;
            super::conversations::depart(tx, room, user_id, gone.clone()).await?;
        }
        Ok(ended)
    })
    .await?;
    ended.forget(state);
    if let Some(session) = viewer.and_then(|v| v.session_id) {
        state.auth.session_ended(session);
    }
    Ok(())
}
