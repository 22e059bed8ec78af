//! Layout of the logged-in pages: header with navigation, conversation sidebar, main.

use yew::prelude::*;
use yew_router::prelude::*;

use super::{
    AppLink, ConnectionStatus, ConversationList, NotificationBell, QuickSwitcher, ThemeToggle, Toasts,
};
use crate::api::auth;
use crate::hooks::use_session;
use crate::route::Route;
use crate::route::{open_search, SearchQuery};
use crate::state::session::SessionAction;

/// Props of [`Shell`].
#[derive(Properties, PartialEq)]
pub struct ShellProps {
    /// On the home page the sidebar is the main content on phones.
    #[prop_or_default]
    pub home: bool,
    /// Page content.
    pub children: Html,
}

/// Header, sidebar and main area.
#[function_component(Shell)]
pub fn shell(props: &ShellProps) -> Html {
    let session = use_session();
    let navigator = use_navigator();
    let viewer = session.as_ref().and_then(|s| s.viewer().cloned());
    let (display_name, username) = viewer.map(|v| (v.display_name, v.username)).unwrap_or_default();
    let logging_out = use_state(|| false);
    let search = use_state(String::new);
    let onsearch = {
        let (search, navigator) = (search.clone(), navigator.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let q = search.trim().to_owned();
            if let (Some(navigator), false) = (navigator.as_ref(), q.is_empty()) {
                open_search(navigator, SearchQuery { q: Some(q), c: None });
            }
        })
    };
    let onsearch_input = {
        let search = search.clone();
        Callback::from(move |e: InputEvent| {
            search.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value());
        })
    };
    let onlogout = {
        let session = session.clone();
        let logging_out = logging_out.clone();
        Callback::from(move |_| {
            logging_out.set(true);
            let session = session.clone();
            let navigator = navigator.clone();
            wasm_bindgen_futures::spawn_local(async move {
                auth::logout().await;
                if let Some(session) = session {
                    session.dispatch(SessionAction::LoggedOut);
                }
                if let Some(navigator) = navigator {
                    navigator.push(&Route::Login);
                }
            });
        })
    };
    html! {
        <div class={classes!("layout", props.home.then_some("home"))}>
            <header class="topbar">
                <AppLink to={Route::Home} testid="nav-home" class="brand">{ "Jeco Chat" }</AppLink>
                <nav class="topnav">
                    <AppLink to={Route::Rooms} testid="nav-rooms">{ "Rooms" }</AppLink>
                    <AppLink to={Route::People} testid="nav-people">{ "People" }</AppLink>
                </nav>
                <form class="header-search" role="search" onsubmit={onsearch}>
                    <input type="search" data-testid="search-input" aria-label="Search messages"
                        placeholder="Search messages" maxlength="200" value={(*search).clone()}
                        oninput={onsearch_input} />
                </form>
                <div class="spacer"></div>
                <ConnectionStatus />
                <ThemeToggle />
                <NotificationBell />
                <AppLink to={Route::Profile} testid="nav-profile" class="viewer">
                    <span data-testid="viewer-name" title={format!("@{username}")}>
                        <span class="display-name">{ display_name }</span>
                        <span class="username">{ " @" }{ username }</span>
                    </span>
                </AppLink>
                <button class="btn btn-quiet" data-testid="logout" onclick={onlogout}
                    disabled={*logging_out}>{ "Log out" }</button>
            </header>
            <aside class="sidebar" aria-label="Conversations">
                <ConversationList />
            </aside>
            <main class="main">{ props.children.clone() }</main>
            <Toasts />
            <QuickSwitcher />
        </div>
    }
}
