//! Gate for pages that need a login.

use yew::prelude::*;
use yew_router::prelude::*;

use super::OfflineStart;
use crate::hooks::use_session;
use crate::route::Route;
use crate::state::session::Session;

/// Props of [`Protected`].
#[derive(Properties, PartialEq)]
pub struct ProtectedProps {
    /// The protected content.
    pub children: Html,
}

/// Renders its children when logged in, a splash while restoring, the offline frame
/// when the server is out of reach, else goes to /login.
#[function_component(Protected)]
pub fn protected(props: &ProtectedProps) -> Html {
    match use_session().as_deref() {
        Some(Session::LoggedIn(_)) => props.children.clone(),
        Some(Session::Restoring) | None => html! {
            <div class="splash" aria-busy="true">{ "Loading…" }</div>
        },
        Some(Session::Anonymous) => html! { <Redirect<Route> to={Route::Login} /> },
        Some(Session::Unreachable) => html! { <OfflineStart /> },
    }
}
