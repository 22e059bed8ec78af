//! What an offline start shows: the app's frame with an "Offline" banner instead of a
//! browser error page (the service worker, `web/sw.js`, serves the app without network;
//! the session can only be checked once the server answers again).

use yew::prelude::*;

use crate::hooks::{restore_session, use_session};

/// The app's frame (top bar, empty sidebar) around an [`OfflineBanner`].
#[function_component(OfflineStart)]
pub fn offline_start() -> Html {
    html! {
        <div class="layout offline-start" data-testid="offline-start">
            <header class="topbar">
                <span class="brand">{ "Jeco Chat" }</span>
                <div class="spacer"></div>
                <span class="connection offline" data-testid="connection-status" data-state="offline"
                    title="Offline">
                    <span class="dot" aria-hidden="true"></span>
                    <span class="label">{ "Offline" }</span>
                </span>
            </header>
            <aside class="sidebar">
                <p class="sidebar-title">{ "Conversations" }</p>
                <p class="muted offline-note">{ "Your conversations appear once Jeco Chat is back online." }</p>
            </aside>
            <main class="main">
                <OfflineBanner />
            </main>
        </div>
    }
}

/// `data-testid="offline-banner"`: says the server is out of reach, that the app
/// reconnects by itself, and offers to try at once.
#[function_component(OfflineBanner)]
pub fn offline_banner() -> Html {
    let session = use_session();
    let retrying = use_state(|| false);
    let onretry = {
        let retrying = retrying.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(session) = session.as_ref().map(|s| s.dispatcher()) else { return };
            retrying.set(true);
            let retrying = retrying.clone();
            wasm_bindgen_futures::spawn_local(async move {
                restore_session(session).await;
                retrying.set(false);
            });
        })
    };
    html! {
        <div class="offline-banner" data-testid="offline-banner" role="status" aria-live="polite">
            <strong>{ "Offline" }</strong>
            <span>{ " — Jeco Chat cannot reach the server. It reconnects by itself as soon as the network is back." }</span>
            <button type="button" class="btn btn-quiet" data-testid="offline-retry" onclick={onretry}
                disabled={*retrying}>{ if *retrying { "Trying…" } else { "Try again" } }</button>
        </div>
    }
}
