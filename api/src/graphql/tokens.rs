//! Personal access tokens: the `AccessToken` object, the viewer's list, and
//! creating and revoking them.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use jeco_schema::models;

use super::{info, ok_payload, service_error, split, state, viewer};
use crate::error::UserError;
use crate::ids;
use crate::services::tokens;
use jeco_schema::ids::AccessTokenId;

/// A personal access token (never its secret).
pub struct AccessTokenNode(pub models::AccessToken);

#[Object(name = "AccessToken")]
impl AccessTokenNode {
    /// Global id.
    pub(crate) async fn id(&self) -> ID {
        ids::encode(self.0.id)
    }
    /// What it is for.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Creation time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last use (to the minute).
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
    /// Expiry; null for none.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
}

/// Result of createAccessToken.
#[derive(SimpleObject)]
pub struct CreateAccessTokenPayload {
    /// The token text, shown only in this response: use it as a bearer token.
    token: Option<String>,
    /// The token's details.
    access_token: Option<AccessTokenNode>,
    /// Expected failures.
    user_errors: Vec<UserError>,
}

/// Result of revokeAccessToken.
#[derive(SimpleObject)]
pub struct RevokeAccessTokenPayload {
    /// Whether the token was revoked.
    ok: bool,
    /// Expected failures.
    user_errors: Vec<UserError>,
}

/// Input of createAccessToken.
#[derive(InputObject)]
pub struct CreateAccessTokenInput {
    /// What it is for, 1–64 characters.
    name: String,
    /// 1–3650 days; omit for no expiry.
    expires_in_days: Option<i32>,
    /// The current password: a token outlives sessions, so creating one
    /// takes re-authentication (and a login session, not another token).
    password: String,
}

/// Input of revokeAccessToken.
#[derive(InputObject)]
pub struct RevokeAccessTokenInput {
    /// The token's id.
    id: ID,
}

/// Access token queries.
#[derive(Default)]
pub struct AccessTokenQuery;

#[Object]
impl AccessTokenQuery {
    /// The viewer's personal access tokens, newest first.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn access_tokens(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AccessTokenNode>> {
        let rows = tokens::list(state(ctx), viewer(ctx)).await.map_err(service_error)?;
        Ok(rows.into_iter().map(AccessTokenNode).collect())
    }
}

/// Access token mutations.
#[derive(Default)]
pub struct AccessTokenMutation;

#[Object]
impl AccessTokenMutation {
    /// Creates a personal access token for an integration.
    async fn create_access_token(
        &self,
        ctx: &Context<'_>,
        input: CreateAccessTokenInput,
    ) -> async_graphql::Result<CreateAccessTokenPayload> {
        let new = tokens::NewToken {
            name: &input.name,
            expires_in_days: input.expires_in_days,
            password: &input.password,
        };
        let result = tokens::create(state(ctx), &info(ctx).ip, viewer(ctx), new).await;
        let (created, user_errors) = split(result)?;
        let (row, token) =
            created.map_or((None, None), |(row, token)| (Some(AccessTokenNode(row)), Some(token)));
        Ok(CreateAccessTokenPayload { token, access_token: row, user_errors })
    }

    /// Revokes one of the viewer's personal access tokens.
    async fn revoke_access_token(
        &self,
        ctx: &Context<'_>,
        input: RevokeAccessTokenInput,
    ) -> async_graphql::Result<RevokeAccessTokenPayload> {
        let result = match ids::decode::<AccessTokenId>(&input.id) {
            Some(id) => tokens::revoke(state(ctx), viewer(ctx), id).await,
            None => Err(UserError::not_found("id", "access token").into()),
        };
        let (ok, user_errors) = ok_payload(result)?;
        Ok(RevokeAccessTokenPayload { ok, user_errors })
    }
}
