//! Direct conversations, contacts and blocks.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::{load_user, UserNode};
use crate::error::{ServiceResult, UserError};
use crate::graphql::conversations::ConversationPayload;
use crate::graphql::{split, state, viewer};
use crate::ids;
use crate::services::contacts::{self, Relation};
use crate::services::direct;
use jeco_schema::ids::UserId;

/// Input naming another user.
#[derive(InputObject)]
pub struct ContactInput {
    /// The user.
    user_id: ID,
}

/// Input of openDirectConversation.
#[derive(InputObject)]
pub struct OpenDirectConversationInput {
    /// The other user.
    user_id: ID,
}

/// Result of the contact mutations.
#[derive(SimpleObject)]
pub struct ContactPayload {
    /// The other user, with the viewer's relation to them updated.
    user: Option<UserNode>,
    /// Expected failures.
    user_errors: Vec<UserError>,
}

fn user_id(id: &ID) -> ServiceResult<UserId> {
    ids::decode::<UserId>(id).ok_or_else(|| UserError::not_found("userId", "user").into())
}

async fn relate(
    ctx: &Context<'_>,
    input: ContactInput,
    relation: Relation,
) -> async_graphql::Result<ContactPayload> {
    let result = match user_id(&input.user_id) {
        Ok(id) => contacts::set(state(ctx), viewer(ctx), id, relation).await,
        Err(e) => Err(e),
    };
    let (other, user_errors) = split(result)?;
    let user = match other {
        Some(id) => Some(load_user(ctx, id).await?),
        None => None,
    };
    Ok(ContactPayload { user, user_errors })
}

/// Contact mutations.
#[derive(Default)]
pub struct ContactMutation;

#[Object]
impl ContactMutation {
    /// Opens the direct conversation with a user (created once per pair).
    async fn open_direct_conversation(
        &self,
        ctx: &Context<'_>,
        input: OpenDirectConversationInput,
    ) -> async_graphql::Result<ConversationPayload> {
        let result = match user_id(&input.user_id) {
            Ok(id) => direct::open(state(ctx), viewer(ctx), id).await,
            Err(e) => Err(e),
        };
        ConversationPayload::from_result(result)
    }

    /// Adds a user to the viewer's contacts (idempotent).
    async fn add_contact(
        &self,
        ctx: &Context<'_>,
        input: ContactInput,
    ) -> async_graphql::Result<ContactPayload> {
        relate(ctx, input, Relation::AddContact).await
    }

    /// Removes a user from the viewer's contacts (idempotent).
    async fn remove_contact(
        &self,
        ctx: &Context<'_>,
        input: ContactInput,
    ) -> async_graphql::Result<ContactPayload> {
        relate(ctx, input, Relation::RemoveContact).await
    }

    /// Blocks a user: they can no longer message the viewer directly (idempotent).
    async fn block_user(
        &self,
        ctx: &Context<'_>,
        input: ContactInput,
    ) -> async_graphql::Result<ContactPayload> {
        relate(ctx, input, Relation::Block).await
    }

    /// Unblocks a user (idempotent).
    async fn unblock_user(
        &self,
        ctx: &Context<'_>,
        input: ContactInput,
    ) -> async_graphql::Result<ContactPayload> {
        relate(ctx, input, Relation::Unblock).await
    }
}
