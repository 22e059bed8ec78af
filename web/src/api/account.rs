//! Server calls about the viewer's own account: profile, password (change, forgotten,
//! reset), personal access tokens and deleting the account.

use super::error::ApiError;
use super::http::{execute, execute_with_token};
use super::ops::{
    access_tokens, change_password, create_access_token, delete_account, request_password_reset,
    reset_password, revoke_access_token, update_profile, viewer, AccessTokens, ChangePassword,
    CreateAccessToken, DeleteAccount, RequestPasswordReset, ResetPassword, RevokeAccessToken, UpdateProfile,
    Viewer,
};
use crate::state::model::UserRef;
use crate::user_errors;

/// The viewer as the profile page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Who.
    pub user: UserRef,
    /// Their email (only ever shown to themselves).
    pub email: Option<String>,
    /// Free text about them.
    pub bio: Option<String>,
}

/// A personal access token as listed (the secret itself is only shown at creation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// Global id.
    pub id: String,
    /// Name the user gave it.
    pub name: String,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// RFC 3339 time of last use.
    pub last_used_at: Option<String>,
    /// RFC 3339 expiry, if any.
    pub expires_at: Option<String>,
}

macro_rules! token_from {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for AccessToken {
            fn from(t: $t) -> Self {
                AccessToken {
                    id: t.id,
                    name: t.name,
                    created_at: t.created_at,
                    last_used_at: t.last_used_at,
                    expires_at: t.expires_at,
                }
            }
        }
    )*};
}

token_from!(
    access_tokens::AccessTokensAccessTokens,
    create_access_token::CreateAccessTokenCreateAccessTokenAccessToken,
);

fn missing(what: &str) -> ApiError {
    ApiError::Decode(format!("no {what} in the answer"))
}

/// Fails with the payload's `userErrors`, or when `ok` is false without any.
macro_rules! ok_payload {
    ($payload:expr) => {{
        let payload = $payload;
        if let Some(error) = user_errors!(payload.user_errors) {
            return Err(error);
        }
        if payload.ok {
            Ok(())
        } else {
            Err(ApiError::Decode("the server did not confirm".to_owned()))
        }
    }};
}

/// The viewer's profile.
pub async fn profile() -> Result<Profile, ApiError> {
    let v = execute::<Viewer>(viewer::Variables).await?.viewer.ok_or(ApiError::NotLoggedIn)?;
    Ok(Profile {
        user: UserRef {
            id: v.id,
            username: v.username,
            display_name: v.display_name,
            avatar_url: v.avatar_url,
        },
        email: v.email,
        bio: v.bio,
    })
}

/// Saves display name and bio; returns the profile as stored.
pub async fn update_profile(display_name: String, bio: String) -> Result<Profile, ApiError> {
    let input = update_profile::UpdateProfileInput {
        display_name: Some(display_name),
        bio: Some(bio),
        avatar_id: None,
    };
    let payload = execute::<UpdateProfile>(update_profile::Variables { input }).await?.update_profile;
    if let Some(error) = user_errors!(payload.user_errors) {
        return Err(error);
    }
    let u = payload.user.ok_or_else(|| missing("user"))?;
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
}

/// Changes the password (the server ends the viewer's other sessions).
pub async fn change_password(current_password: String, new_password: String) -> Result<(), ApiError> {
    let input = change_password::ChangePasswordInput { current_password, new_password };
    ok_payload!(execute::<ChangePassword>(change_password::Variables { input }).await?.change_password)
}

/// Asks for a reset mail (the answer is the same whether the address is known or not).
pub async fn request_password_reset(email: String) -> Result<(), ApiError> {
    let input = request_password_reset::RequestPasswordResetInput { email };
    let variables = request_password_reset::Variables { input };
    ok_payload!(execute_with_token::<RequestPasswordReset>(variables, None).await?.request_password_reset)
}

/// Sets a new password with the token from the reset mail.
pub async fn reset_password(token: String, new_password: String) -> Result<(), ApiError> {
    let input = reset_password::ResetPasswordInput { token, new_password };
    ok_payload!(
        execute_with_token::<ResetPassword>(reset_password::Variables { input }, None).await?.reset_password
    )
}

/// The viewer's personal access tokens, newest first.
pub async fn access_tokens() -> Result<Vec<AccessToken>, ApiError> {
    let data = execute::<AccessTokens>(access_tokens::Variables).await?;
    Ok(data.access_tokens.into_iter().map(AccessToken::from).collect())
}

/// Creates a token (the current password re-authenticates); returns it with
/// its secret, which is never shown again.
pub async fn create_access_token(
    name: String,
    expires_in_days: Option<i64>,
    password: String,
) -> Result<(AccessToken, String), ApiError> {
    let input = create_access_token::CreateAccessTokenInput { name, expires_in_days, password };
    let payload =
        execute::<CreateAccessToken>(create_access_token::Variables { input }).await?.create_access_token;
    if let Some(error) = user_errors!(payload.user_errors) {
        return Err(error);
    }
    match (payload.access_token, payload.token) {
        (Some(token), Some(secret)) => Ok((AccessToken::from(token), secret)),
        _ => Err(missing("token")),
    }
}

/// Revokes a token.
pub async fn revoke_access_token(id: String) -> Result<(), ApiError> {
    let input = revoke_access_token::RevokeAccessTokenInput { id };
    ok_payload!(
        execute::<RevokeAccessToken>(revoke_access_token::Variables { input }).await?.revoke_access_token
    )
}

/// Deletes the viewer's account (password confirmed by the server).
pub async fn delete_account(password: String) -> Result<(), ApiError> {
    let input = delete_account::DeleteAccountInput { password };
    ok_payload!(execute::<DeleteAccount>(delete_account::Variables { input }).await?.delete_account)
}
