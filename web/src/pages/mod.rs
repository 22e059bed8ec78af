//! One component per route.

mod auth_forms;
mod chat;
mod home;
mod not_found;
mod password_reset;
mod people;
mod profile;
mod rooms;
mod search;

pub use auth_forms::{LoginPage, RegisterPage};
pub use chat::ChatPage;
pub use home::HomePage;
pub use not_found::NotFoundPage;
pub use password_reset::{ForgotPasswordPage, ResetPasswordPage, RESET_SENT};
pub use people::PeoplePage;
pub use profile::ProfilePage;
pub use rooms::RoomsPage;
pub use search::{open_search, SearchPage, SearchQuery};

use web_sys::HtmlInputElement;
use yew::prelude::*;

/// An `oninput` handler that stores the input's value in `state`.
pub fn bind(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| {
        state.set(e.target_unchecked_into::<HtmlInputElement>().value());
    })
}
