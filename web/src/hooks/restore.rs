//! Restoring the session at start-up, and again when the network comes back after a
//! start without one (the service worker can open the app offline).

use gloo::events::EventListener;
use gloo::timers::callback::Interval;
use yew::prelude::*;

use crate::api::auth;
use crate::state::session::{Session, SessionAction};

/// How often an unreachable start tries again, besides the browser's `online` event
/// (which says nothing about a server that is down).
const RETRY_MS: u32 = 10_000;

/// Restores the session from the refresh cookie once; while the server is out of
/// reach (`unreachable`), tries again whenever the browser is back online and every
/// [`RETRY_MS`].
#[hook]
pub fn use_restore_session(session: UseReducerDispatcher<Session>, unreachable: bool) {
    {
        let session = session.clone();
        use_effect_with((), move |_| wasm_bindgen_futures::spawn_local(restore(session)));
    }
    use_effect_with(unreachable, move |unreachable| {
        let retries = unreachable.then(|| {
            let on_online = session.clone();
            let online = web_sys::window().map(|w| {
                EventListener::new(&w, "online", move |_| {
                    wasm_bindgen_futures::spawn_local(restore(on_online.clone()))
                })
            });
            let timer =
                Interval::new(RETRY_MS, move || wasm_bindgen_futures::spawn_local(restore(session.clone())));
            (online, timer)
        });
        move || drop(retries)
    });
}

/// One attempt at restoring the session, dispatching what came of it.
pub async fn restore(session: UseReducerDispatcher<Session>) {
    match auth::refresh().await {
        Ok(user) => session.dispatch(SessionAction::LoggedIn(user)),
        Err(e) if e.is_unreachable() => session.dispatch(SessionAction::Unreachable),
        Err(_) => session.dispatch(SessionAction::LoggedOut),
    }
}
