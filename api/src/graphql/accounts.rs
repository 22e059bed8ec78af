//! Accounts and sessions: register, login, refresh and logout. The web app
//! asks for the refresh token in an HttpOnly cookie (`refreshTokenInCookie`),
//! so scripts never see it.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use axum::http::header::SET_COOKIE;
use chrono::{DateTime, Utc};

use crate::auth::{REFRESH_COOKIE, SESSION_TTL};
use crate::error::UserError;
use crate::events::PublicUser;
use crate::graphql::users::UserNode;
use crate::graphql::{info, split, state, viewer};
use crate::services::accounts::{self, Credentials, Registration};

/// Result of register, login and refreshSession.
#[derive(SimpleObject, Default)]
pub struct AuthPayload {
    /// Access JWT for `Authorization: Bearer` and `connection_init`.
    access_token: Option<String>,
    /// Null when `refreshTokenInCookie` was requested (it is then an HttpOnly cookie).
    refresh_token: Option<String>,
    /// When the access token expires.
    expires_at: Option<DateTime<Utc>>,
    /// The logged-in user.
    user: Option<UserNode>,
    /// Expected failures.
    user_errors: Vec<UserError>,
}

/// Result of logout.
#[derive(SimpleObject)]
pub struct LogoutPayload {
    /// Whether a session was ended.
    ok: bool,
    /// Expected failures.
    user_errors: Vec<UserError>,
}

/// Input of register.
#[derive(InputObject)]
pub struct RegisterInput {
    /// 3–32 letters, digits, `_ . -`.
    username: String,
    /// Email (used for password reset; never shown to others).
    email: String,
    /// 8–128 characters.
    password: String,
    /// Shown name; defaults to the username.
    display_name: Option<String>,
    /// Put the refresh token in an HttpOnly cookie instead of the payload.
    #[graphql(default = false)]
    refresh_token_in_cookie: bool,
}

/// Input of login.
#[derive(InputObject)]
pub struct LoginInput {
    /// Username or email.
    username_or_email: String,
    /// Password.
    password: String,
    /// Put the refresh token in an HttpOnly cookie instead of the payload.
    #[graphql(default = false)]
    refresh_token_in_cookie: bool,
}

/// Input of refreshSession.
#[derive(InputObject)]
pub struct RefreshSessionInput {
    /// Omit to use the HttpOnly cookie.
    refresh_token: Option<String>,
    /// Put the new refresh token in an HttpOnly cookie instead of the payload.
    #[graphql(default = false)]
    refresh_token_in_cookie: bool,
}

/// Input of logout.
#[derive(InputObject)]
pub struct LogoutInput {
    /// Omit to use the HttpOnly cookie (or the bearer token's session).
    refresh_token: Option<String>,
}

fn cookie(ctx: &Context<'_>, value: &str, max_age: i64) {
    let secure = if state(ctx).config.public_url.starts_with("https://") { "; Secure" } else { "" };
    ctx.append_http_header(
        SET_COOKIE,
        format!(
            "{REFRESH_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/graphql; Max-Age={max_age}{secure}"
        ),
    );
}

fn respond(
    ctx: &Context<'_>,
    result: crate::error::ServiceResult<Credentials>,
    in_cookie: bool,
) -> async_graphql::Result<AuthPayload> {
    let (creds, user_errors) = split(result)?;
    let Some(creds) = creds else { return Ok(AuthPayload { user_errors, ..Default::default() }) };
    let refresh_token = if in_cookie {
        cookie(ctx, &creds.refresh_token, SESSION_TTL.num_seconds());
        None
    } else {
        Some(creds.refresh_token)
    };
    Ok(AuthPayload {
        access_token: Some(creds.access_token),
        refresh_token,
        expires_at: Some(creds.expires_at),
        user: Some(UserNode { user: PublicUser::from(&creds.user), email: Some(creds.user.email.clone()) }),
        user_errors,
    })
}

/// Account mutations.
#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Creates an account and logs it in.
    async fn register(&self, ctx: &Context<'_>, input: RegisterInput) -> async_graphql::Result<AuthPayload> {
        let reg = Registration {
            username: input.username,
            email: input.email,
            password: input.password,
            display_name: input.display_name,
        };
        let result = accounts::register(state(ctx), &info(ctx).ip, reg).await;
        respond(ctx, result, input.refresh_token_in_cookie)
    }

    /// Logs in with username or email and password.
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> async_graphql::Result<AuthPayload> {
        let result =
            accounts::login(state(ctx), &info(ctx).ip, &input.username_or_email, input.password).await;
        respond(ctx, result, input.refresh_token_in_cookie)
    }

    /// Trades a refresh token (or the cookie) for new tokens; the old refresh
    /// token stops working, and presenting it again ends the session.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        input: RefreshSessionInput,
    ) -> async_graphql::Result<AuthPayload> {
        let token = input.refresh_token.as_deref().or(info(ctx).refresh_cookie.as_deref());
        let result = accounts::refresh(state(ctx), &info(ctx).ip, token).await;
        respond(ctx, result, input.refresh_token_in_cookie)
    }

    /// Ends the session and clears the cookie.
    async fn logout(&self, ctx: &Context<'_>, input: LogoutInput) -> async_graphql::Result<LogoutPayload> {
        let token = input.refresh_token.as_deref().or(info(ctx).refresh_cookie.as_deref());
        let (done, user_errors) = split(accounts::logout(state(ctx), token, viewer(ctx)).await)?;
        if info(ctx).refresh_cookie.is_some() {
            cookie(ctx, "", 0);
        }
        Ok(LogoutPayload { ok: done.is_some(), user_errors })
    }
}
