//! Query root, merged from one object per area.

mod accounts;
mod conversations;
mod search;
mod users;

use async_graphql::MergedObject;

/// The query root.
#[derive(MergedObject, Default)]
pub struct Query(
    accounts::AccountQuery,
    conversations::ConversationQuery,
    users::UserQuery,
    search::SearchQuery,
    crate::graphql::notifications::NotificationQuery,
);
