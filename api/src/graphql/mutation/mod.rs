//! Mutation root, merged from one object per area. Resolvers only extract,
//! call the one service function, and map the result into a payload.

mod accounts;
mod contacts;
mod conversations;
mod messages;
mod profile;
mod typing;

use async_graphql::MergedObject;

/// The mutation root.
#[derive(MergedObject, Default)]
pub struct Mutation(
    accounts::AccountMutation,
    profile::ProfileMutation,
    conversations::ConversationMutation,
    messages::MessageMutation,
    messages::ReadMutation,
    contacts::ContactMutation,
    typing::TypingMutation,
    crate::graphql::notifications::NotificationMutation,
);
