//! Accounts and sessions: register, login (with lockout), refresh-token
//! rotation with reuse detection (of genuine earlier secrets only), logout.

use chrono::{DateTime, Utc};
use jeco_schema as db;
use jeco_schema::models::{NewSession, NewUser, Session, User};

use super::{conn, validate};
use crate::auth::{self, Viewer};
use crate::error::{ServiceError, ServiceResult, UserError, UserErrorCode};
use crate::state::AppState;
use crate::tx;

/// Failed logins allowed per (account, address) within the window.
const MAX_FAILURES: i32 = 5;
/// The failure-counting window, seconds.
const FAILURE_WINDOW_SECS: i64 = 15 * 60;
/// Lockout of one (account, address) pair, seconds. Time-limited and scoped to
/// the address, so nobody can keep the owner out from elsewhere.
const LOCK_SECS: i64 = 15 * 60;

/// A logged-in session's credentials.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The user.
    pub user: User,
    /// Access JWT.
    pub access_token: String,
    /// Its expiry.
    pub expires_at: DateTime<Utc>,
    /// `<session handle>.<secret>`; shown once.
    pub refresh_token: String,
}

/// Registration input.
#[derive(Debug, Clone)]
pub struct Registration {
    /// Handle.
    pub username: String,
    /// Email.
    pub email: String,
    /// Password.
    pub password: String,
    /// Display name (defaults to the username).
    pub display_name: Option<String>,
}

fn check_auth_rate(state: &AppState, ip: &str) -> ServiceResult<()> {
    if state.auth_limiter.check(&ip.to_string()) {
        Ok(())
    } else {
        Err(UserError::general(UserErrorCode::RateLimited, "too many attempts; wait a minute").into())
    }
}

/// Creates an account and logs it in.
pub async fn register(state: &AppState, ip: &str, input: Registration) -> ServiceResult<Credentials> {
    let username = validate::username(&input.username)?;
    let email = validate::new_email(&input.email)?;
    validate::password("password", &input.password)?;
    let display_name = match input.display_name.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => validate::text("displayName", d, 64, false)?,
        None => username.clone(),
    };
    check_auth_rate(state, ip)?;
    let hash = state.hasher.hash(input.password).await.map_err(ServiceError::Internal)?;
    // A taken name or email writes nothing and rolls back.
    tx::write(&state.pool, &state.hub, async |tx| {
        let new =
            NewUser { username: &username, email: &email, display_name: &display_name, password_hash: &hash };
        let Some(user) = db::users::insert_user(tx, &new).await? else {
            let field = if db::users::user_by_username(tx, &username).await?.is_some() {
                "username"
            } else {
                "email"
            };
            return Err(UserError::on_field(
                field,
                UserErrorCode::Taken,
                format!("this {field} is already registered"),
            )
            .into());
        };
        open_session(state, tx, user).await
    })
    .await
}

async fn open_session(
    state: &AppState,
    c: &mut diesel_async::AsyncPgConnection,
    user: User,
) -> ServiceResult<Credentials> {
    let secret = auth::random_token(32);
    let session = db::sessions::insert_session(
        c,
        NewSession {
            user_id: user.id,
            secret_hash: auth::sha256(&secret),
            expires_at: Utc::now() + auth::SESSION_TTL,
            handle: auth::random_token(auth::HANDLE_BYTES),
        },
    )
    .await?;
    let (access_token, expires_at) = state.auth.issue(user.id, session.id).map_err(ServiceError::Internal)?;
    let refresh_token = format!("{}.{secret}", session.handle);
    Ok(Credentials { user, access_token, expires_at, refresh_token })
}

/// Checks a password and opens a session.
pub async fn login(state: &AppState, ip: &str, login: &str, password: String) -> ServiceResult<Credentials> {
    // No username or email holds a control character (and PostgreSQL refuses U+0000).
    if login.trim().is_empty() || login.len() > 254 || login.chars().any(char::is_control) {
        return Err(UserError::on_field(
            "usernameOrEmail",
            UserErrorCode::Invalid,
            "enter your username or email",
        )
        .into());
    }
    if password.is_empty() || password.chars().count() > 128 {
        return Err(
            UserError::general(UserErrorCode::InvalidCredentials, "wrong username or password").into()
        );
    }
    check_auth_rate(state, ip)?;
    let mut c = conn(state).await?;
    let user = db::users::user_by_login(&mut c, login).await?;
    if let Some(u) = &user {
        if let Some(until) = db::sessions::locked_until(&mut c, u.id, ip).await? {
            return Err(UserError::general(
                UserErrorCode::LockedOut,
                format!("too many failed logins; try again after {}", until.format("%H:%M UTC")),
            )
            .into());
        }
    }
    // Release the connection while hashing.
    drop(c);
    let ok = state
        .hasher
        .verify(password, user.as_ref().map(|u| u.password_hash.clone()))
        .await
        .map_err(ServiceError::Internal)?;
    let mut c = conn(state).await?;
    match (user, ok) {
        (Some(user), true) => {
            db::sessions::clear_login_failures(&mut c, user.id, ip).await?;
            open_session(state, &mut c, user).await
        }
        (Some(user), false) => {
            db::sessions::record_login_failure(
                &mut c,
                user.id,
                ip,
                FAILURE_WINDOW_SECS,
                MAX_FAILURES,
                LOCK_SECS,
            )
            .await?;
            Err(UserError::general(UserErrorCode::InvalidCredentials, "wrong username or password").into())
        }
        (None, _) => {
            Err(UserError::general(UserErrorCode::InvalidCredentials, "wrong username or password").into())
        }
    }
}

fn revoked() -> ServiceError {
    UserError::general(UserErrorCode::SessionRevoked, "your session has ended; log in again").into()
}

/// Exchanges a refresh token for a new access token and a new refresh token.
/// Presenting the secret the last rotation replaced (a stolen, already used
/// token) revokes the whole session; any other wrong secret is only refused,
/// so guessing can't end someone else's session.
pub async fn refresh(state: &AppState, ip: &str, token: Option<&str>) -> ServiceResult<Credentials> {
    let token = token.ok_or_else(revoked)?;
    let (handle, secret) = auth::parse_refresh_token(token).ok_or_else(revoked)?;
    check_auth_rate(state, ip)?;
    let mut c = conn(state).await?;
    let Some(session) = db::sessions::session_by_handle(&mut c, handle).await? else {
        return Err(revoked());
    };
    if session.revoked_at.is_some() || session.expires_at <= Utc::now() {
        return Err(revoked());
    }
    let presented = auth::sha256(secret);
    if presented != session.secret_hash {
        if session.previous_secret_hash.as_deref() == Some(presented.as_slice()) {
            end_reused(state, &mut c, &session).await?;
        }
        return Err(revoked());
    }
    let new_secret = auth::random_token(32);
    if !db::sessions::rotate_session(&mut c, session.id, &presented, &auth::sha256(&new_secret)).await? {
        // A concurrent refresh rotated this very secret away: one of the two
        // holders of a genuine secret is replaying it.
        end_reused(state, &mut c, &session).await?;
        return Err(revoked());
    }
    let users = db::users::users_by_ids(&mut c, &[session.user_id]).await?;
    let user = users.into_iter().next().ok_or_else(revoked)?;
    let (access_token, expires_at) = state.auth.issue(user.id, session.id).map_err(ServiceError::Internal)?;
    let refresh_token = format!("{}.{new_secret}", session.handle);
    Ok(Credentials { user, access_token, expires_at, refresh_token })
}

async fn end_reused(
    state: &AppState,
    c: &mut diesel_async::AsyncPgConnection,
    session: &Session,
) -> ServiceResult<()> {
    tracing::warn!(session_id = %session.id, "refresh token reuse detected; revoking the session");
    db::sessions::revoke_session(c, session.id).await?;
    state.auth.session_ended(session.id);
    Ok(())
}

/// Ends a session: the one of the refresh token if given and valid, else the
/// viewer's. Idempotent.
pub async fn logout(state: &AppState, token: Option<&str>, viewer: Option<Viewer>) -> ServiceResult<()> {
    let mut c = conn(state).await?;
    if let Some((handle, secret)) = token.and_then(auth::parse_refresh_token) {
        if let Some(session) = db::sessions::session_by_handle(&mut c, handle).await? {
            if session.secret_hash == auth::sha256(secret) {
                db::sessions::revoke_session(&mut c, session.id).await?;
                state.auth.session_ended(session.id);
                return Ok(());
            }
        }
    }
    match viewer {
        Some(Viewer { session_id: Some(session_id), .. }) => {
            db::sessions::revoke_session(&mut c, session_id).await?;
            state.auth.session_ended(session_id);
            Ok(())
        }
        // A personal access token has no session to end; revoke it instead.
        Some(Viewer { session_id: None, .. }) => Err(UserError::general(
            UserErrorCode::Invalid,
            "an access token has no session; revoke it with revokeAccessToken",
        )
        .into()),
        None => Err(UserError::unauthenticated().into()),
    }
}
