//! Server calls about other people: user search, contacts, blocking, direct messages.

use super::error::ApiError;
use super::http::execute;
use super::ops::{
    add_contact, block_user, contacts, open_direct_conversation, remove_contact, search_users, unblock_user,
    AddContact, BlockUser, Contacts, OpenDirectConversation, RemoveContact, SearchUsers, UnblockUser,
};
use crate::state::model::{ConversationMeta, UserRef};
use crate::user_errors;

/// How many users a search or the contact list shows.
const LIST_SIZE: i64 = 50;

/// A user with the viewer's relation to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Who.
    pub user: UserRef,
    /// In the viewer's contacts.
    pub is_contact: bool,
    /// Blocked by the viewer.
    pub is_blocked: bool,
    /// Their bio, where the answer carried it.
    pub bio: Option<String>,
}

/// What to change about the viewer's relation to someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// Add to contacts.
    AddContact,
    /// Remove from contacts.
    RemoveContact,
    /// Block.
    Block,
    /// Unblock.
    Unblock,
}

/// `From` impls for each operation module's `ContactFields` fragment (no bio).
macro_rules! person_from {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for Person {
            fn from(u: $t) -> Self {
                Person {
                    user: UserRef { id: u.id, username: u.username, display_name: u.display_name, avatar_url: u.avatar_url },
                    is_contact: u.is_contact,
                    is_blocked: u.is_blocked,
                    bio: None,
                }
            }
        }
    )*};
}

person_from!(
    search_users::ContactFields,
    contacts::ContactFields,
    add_contact::ContactFields,
    remove_contact::ContactFields,
    block_user::ContactFields,
    unblock_user::ContactFields,
);

/// `From` impls for the user lists, which carry the bio next to the contact fields.
macro_rules! listed_person_from {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for Person {
            fn from(n: $t) -> Self {
                Person { bio: n.bio, ..Person::from(n.contact_fields) }
            }
        }
    )*};
}

listed_person_from!(search_users::SearchUsersSearchUsersNodes, contacts::ContactsContactsNodes);

fn missing(what: &str) -> ApiError {
    ApiError::Decode(format!("no {what} in the answer"))
}

/// Users whose username or display name contains `query`.
pub async fn search_users(query: String) -> Result<Vec<Person>, ApiError> {
    let data = execute::<SearchUsers>(search_users::Variables { query, first: Some(LIST_SIZE) }).await?;
    Ok(data.search_users.nodes.into_iter().map(Person::from).collect())
}

/// The viewer's contacts.
pub async fn contacts() -> Result<Vec<Person>, ApiError> {
    let data = execute::<Contacts>(contacts::Variables { first: Some(LIST_SIZE) }).await?;
    Ok(data.contacts.nodes.into_iter().map(Person::from).collect())
}

/// Changes the viewer's relation to a user; returns the user as it now stands.
pub async fn set_relation(user_id: String, relation: Relation) -> Result<Person, ApiError> {
    macro_rules! run {
        ($op:ident, $module:ident, $field:ident) => {{
            let input = $module::ContactInput { user_id };
            let payload = execute::<$op>($module::Variables { input }).await?.$field;
            if let Some(error) = user_errors!(payload.user_errors) {
                return Err(error);
            }
            payload.user.map(Person::from).ok_or_else(|| missing("user"))
        }};
    }
    match relation {
        Relation::AddContact => run!(AddContact, add_contact, add_contact),
        Relation::RemoveContact => run!(RemoveContact, remove_contact, remove_contact),
        Relation::Block => run!(BlockUser, block_user, block_user),
        Relation::Unblock => run!(UnblockUser, unblock_user, unblock_user),
    }
}

/// Opens (creating once) the direct conversation with a user.
pub async fn open_direct(user_id: String) -> Result<ConversationMeta, ApiError> {
    let input = open_direct_conversation::OpenDirectConversationInput { user_id };
    let payload = execute::<OpenDirectConversation>(open_direct_conversation::Variables { input })
        .await?
        .open_direct_conversation;
    if let Some(error) = user_errors!(payload.user_errors) {
        return Err(error);
    }
    payload.conversation.as_ref().map(ConversationMeta::from).ok_or_else(|| missing("conversation"))
}
