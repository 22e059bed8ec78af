//! The app's routes and the typed query strings of their links, shared by the
//! root component, the pages and the components that link to them.

use serde::{Deserialize, Serialize};
use yew_router::prelude::*;

/// Query of a chat link that jumps to one message: `/c/<id>?m=<message id>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct JumpQuery {
    /// Global id of the message to show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub m: Option<String>,
}

/// The app's pages.
#[derive(Debug, Clone, PartialEq, Routable)]
pub enum Route {
    /// Conversation list.
    #[at("/")]
    Home,
    /// Login form.
    #[at("/login")]
    Login,
    /// Registration form.
    #[at("/register")]
    Register,
    /// Public room browser.
    #[at("/rooms")]
    Rooms,
    /// User search, contacts, direct messages.
    #[at("/people")]
    People,
    /// Ask for a password reset mail.
    #[at("/forgot-password")]
    ForgotPassword,
    /// Choose a new password (`?token=` from the mail).
    #[at("/reset-password")]
    ResetPassword,
    /// Message search (`?q=…&c=…`).
    #[at("/search")]
    Search,
    /// The viewer's account.
    #[at("/profile")]
    Profile,
    /// One conversation.
    #[at("/c/:id")]
    Chat {
        /// Conversation global id.
        id: String,
    },
    /// Anything else.
    #[not_found]
    #[at("/404")]
    NotFound,
}

/// Query string of the search page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SearchQuery {
    /// The search text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Only in this conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c: Option<String>,
}

/// Opens the search page for `query` (used by the header's search box).
pub fn open_search(navigator: &Navigator, query: SearchQuery) {
    if let Err(e) = navigator.push_with_query(&Route::Search, &query) {
        gloo::console::warn!(format!("search navigation: {e}"));
    }
}
