//! The live-connection indicator in the header.

use yew::prelude::*;

use crate::hooks::use_chat;
use crate::state::ConnectionState;

/// Dot and label with `data-testid="connection-status"` and `data-state`.
#[function_component(ConnectionStatus)]
pub fn connection_status() -> Html {
    let state = use_chat().map(|c| c.connection).unwrap_or_default();
    let label = match state {
        ConnectionState::Online => "Online",
        ConnectionState::Connecting => "Connecting…",
        ConnectionState::Offline => "Offline",
    };
    html! {
        <span class={classes!("connection", state.as_str())} data-testid="connection-status"
            data-state={state.as_str()} role="status" title={label}>
            <span class="dot" aria-hidden="true"></span>
            <span class="label">{ label }</span>
        </span>
    }
}
