//! Unknown paths.

use yew::prelude::*;

use crate::components::AppLink;
use crate::route::Route;

/// 404 page.
#[function_component(NotFoundPage)]
pub fn not_found_page() -> Html {
    html! {
        <main class="auth-page">
            <div class="card auth-card">
                <h1>{ "Page not found" }</h1>
                <AppLink to={Route::Home}>{ "Back to Jeco Chat" }</AppLink>
            </div>
        </main>
    }
}
