//! Contacts and blocks. All four writes are idempotent.

use jeco_schema as db;

use super::{conn, writer};
use crate::auth::Viewer;
use crate::error::{ServiceResult, UserError, UserErrorCode};
use crate::state::AppState;
use crate::tx;
use jeco_schema::ids::UserId;

/// What to do with another user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// Add to contacts.
    AddContact,
    /// Remove from contacts.
    RemoveContact,
    /// Block (also removes them from contacts).
    Block,
    /// Unblock.
    Unblock,
}

/// Changes the viewer's relation to `other`; returns `other`'s id.
pub async fn set(
    state: &AppState,
    viewer: Option<Viewer>,
    other: UserId,
    relation: Relation,
) -> ServiceResult<UserId> {
    let me = writer(state, viewer)?;
    if other == me {
        return Err(UserError::on_field("userId", UserErrorCode::Invalid, "that is you").into());
    }
    let mut c = conn(state).await?;
    if db::users::users_by_ids(&mut c, &[other]).await?.is_empty() {
        return Err(UserError::not_found("userId", "user").into());
    }
    tx::write_on(&mut c, &state.hub, async |tx| {
        match relation {
            Relation::AddContact => db::contacts::add_contact(tx, me, other).await?,
            Relation::RemoveContact => db::contacts::remove_contact(tx, me, other).await?,
            Relation::Block => {
                db::contacts::block(tx, me, other).await?;
                db::contacts::remove_contact(tx, me, other).await?;
            }
            Relation::Unblock => db::contacts::unblock(tx, me, other).await?,
        }
        Ok(other)
    })
    .await
}
