//! The GraphQL schema, one module per feature (its object types next to its
//! resolvers), merged here into the three roots. Resolvers only extract, call
//! one service function or named query, and map the result.
//!
//! The feature modules name each other's object types (`conversations` <->
//! `messages` <-> `users`) because the GraphQL type graph itself is cyclic
//! (`Conversation.messages`, `Message.conversation`, `Message.sender`); the
//! structure check enforces acyclic imports between the crate's top-level
//! modules, not between these siblings.

pub mod accounts;
pub mod conversations;
pub mod cost;
pub mod cursor;
pub mod edge;
pub mod events;
pub mod loaders;
pub mod media;
pub mod messages;
pub mod node;
pub mod notifications;
pub mod observe;
pub mod pagination;
pub mod possible_types;
pub mod presence;
pub mod search;
pub mod tokens;
pub mod typing;
pub mod users;

use async_graphql::{Context, MergedObject, MergedSubscription, Schema};

use crate::auth::Viewer;
use crate::error::{internal, top_level, ServiceError, ServiceResult, TopLevelCode, UserError};
use crate::state::AppState;
use jeco_schema::ids::UserId;

/// The query root.
#[derive(MergedObject, Default)]
pub struct Query(
    users::UserQuery,
    node::NodeQuery,
    conversations::ConversationQuery,
    events::EventQuery,
    search::SearchQuery,
    tokens::AccessTokenQuery,
    notifications::NotificationQuery,
);

/// The mutation root.
#[derive(MergedObject, Default)]
pub struct Mutation(
    accounts::AccountMutation,
    users::ProfileMutation,
    tokens::AccessTokenMutation,
    conversations::ConversationMutation,
    messages::MessageMutation,
    messages::ReadMutation,
    users::ContactMutation,
    typing::TypingMutation,
    notifications::NotificationMutation,
    media::MediaMutation,
);

// The subscription root. Not a doc comment: `MergedSubscription` would
// publish it as a description the exported SDL has never had.
#[allow(missing_docs)]
#[derive(MergedSubscription, Default)]
pub struct Subscription(
    events::EventSubscription,
    typing::TypingSubscription,
    presence::PresenceSubscription,
    notifications::NotificationSubscription,
);

/// The schema type.
pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// Builds the schema with its limits (depth and cost, see [`cost`]) and error codes.
pub fn build(state: AppState) -> AppSchema {
    let metrics = state.metrics.clone();
    Schema::build(Query::default(), Mutation::default(), Subscription::default())
        .data(state)
        .data(std::sync::Arc::new(events::shared::SharedEvents::default()))
        .extension(edge::EdgeExtension)
        .extension(observe::ObserveExtension(metrics))
        .finish()
}

/// Who is calling and from where, per HTTP request or WebSocket connection.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    /// The authenticated user, if any.
    pub viewer: Option<Viewer>,
    /// Client address (rate limits, lockout).
    pub ip: String,
    /// The refresh cookie, if the browser sent one.
    pub refresh_cookie: Option<String>,
}

/// Attaches per-request data: caller info and fresh DataLoaders.
pub fn with_request_data(
    request: async_graphql::Request,
    state: &AppState,
    info: RequestInfo,
    cache: loaders::RequestCache,
) -> async_graphql::Request {
    let viewer = info.viewer.map(|v| v.user_id);
    // The request's own state shadows the schema's: a WebSocket's names the
    // fan-out's pool (`AppState::for_fanout`), and resolvers read it here.
    let request = request.data(info).data(state.clone());
    loaders::add_loaders(request, &state.pool, viewer, cache, state.config.batch_delay)
}

/// The shared state.
pub fn state<'a>(ctx: &Context<'a>) -> &'a AppState {
    ctx.data_unchecked::<AppState>()
}

/// The caller info.
pub fn info<'a>(ctx: &Context<'a>) -> &'a RequestInfo {
    // Whatever reads the caller makes a shared event result viewer-specific.
    events::shared::taint();
    ctx.data_unchecked::<RequestInfo>()
}

/// The viewer, if logged in.
pub fn viewer(ctx: &Context<'_>) -> Option<Viewer> {
    info(ctx).viewer
}

/// The viewer or a top-level "log in first" error (for queries).
pub fn require_viewer(ctx: &Context<'_>) -> async_graphql::Result<UserId> {
    viewer(ctx).map(|v| v.user_id).ok_or_else(|| top_level(TopLevelCode::Unauthenticated, "log in first"))
}

/// Splits a service result into (value, userErrors); faults become a generic error.
pub fn split<T>(result: ServiceResult<T>) -> async_graphql::Result<(Option<T>, Vec<UserError>)> {
    match result {
        Ok(v) => Ok((Some(v), Vec::new())),
        Err(ServiceError::User(e)) => Ok((None, vec![e])),
        Err(ServiceError::Internal(detail)) => Err(internal(detail)),
    }
}

/// Maps a service result without a value to (`ok`, userErrors).
pub fn ok_payload(result: ServiceResult<()>) -> async_graphql::Result<(bool, Vec<UserError>)> {
    let (done, user_errors) = split(result)?;
    Ok((done.is_some(), user_errors))
}

/// A service failure as a top-level error, for queries (which have no userErrors).
pub fn service_error(e: ServiceError) -> async_graphql::Error {
    match e {
        ServiceError::User(u) => top_level(TopLevelCode::for_user_error(u.code), u.message),
        ServiceError::Internal(detail) => internal(detail),
    }
}
