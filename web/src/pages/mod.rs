//! One component per route.

mod auth_forms;
mod chat;
mod home;
mod not_found;
mod people;
mod rooms;

pub use auth_forms::{LoginPage, RegisterPage};
pub use chat::ChatPage;
pub use home::HomePage;
pub use not_found::NotFoundPage;
pub use people::PeoplePage;
pub use rooms::RoomsPage;

use web_sys::HtmlInputElement;
use yew::prelude::*;

/// An `oninput` handler that stores the input's value in `state`.
pub fn bind(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| {
        state.set(e.target_unchecked_into::<HtmlInputElement>().value());
    })
}
