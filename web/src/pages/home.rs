//! `/`: on desktop the list is in the sidebar, so the main area just invites a choice.

use yew::prelude::*;

use crate::components::AppLink;
use crate::route::Route;

/// Home page content.
#[function_component(HomePage)]
pub fn home_page() -> Html {
    html! {
        <div class="placeholder">
            <h1>{ "Welcome to Jeco Chat" }</h1>
            <p class="muted">
                { "Pick a conversation, " }
                <AppLink to={Route::Rooms}>{ "browse public rooms" }</AppLink>
                { ", or " }
                <AppLink to={Route::People}>{ "find people to message" }</AppLink>
                { "." }
            </p>
        </div>
    }
}
