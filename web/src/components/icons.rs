//! Small stroke icons as inline SVG (after Feather, MIT): they draw the same on every
//! system, where emoji fonts may be missing.

use yew::prelude::*;

fn icon(children: Html) -> Html {
    html! {
        <svg class="icon" viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor"
            stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">{ children }</svg>
    }
}

/// A paper clip (attach files).
pub fn attach() -> Html {
    icon(
        html! { <path d="M21.44 11.05l-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48" /> },
    )
}

/// A microphone (record a voice note).
pub fn mic() -> Html {
    icon(html! {
        <>
            <path d="M12 1a3 3 0 0 0-3 3v8a3 3 0 0 0 6 0V4a3 3 0 0 0-3-3z" />
            <path d="M19 10v2a7 7 0 0 1-14 0v-2" />
            <line x1="12" y1="19" x2="12" y2="23" />
            <line x1="8" y1="23" x2="16" y2="23" />
        </>
    })
}

/// A sheet of paper (a file).
pub fn file() -> Html {
    icon(html! {
        <>
            <path d="M13 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V9z" />
            <polyline points="13 2 13 9 20 9" />
        </>
    })
}

/// Play.
pub fn play() -> Html {
    icon(html! { <polygon points="6 3 20 12 6 21 6 3" fill="currentColor" /> })
}

/// Pause.
pub fn pause() -> Html {
    icon(html! {
        <>
            <rect x="6" y="4" width="4" height="16" fill="currentColor" />
            <rect x="14" y="4" width="4" height="16" fill="currentColor" />
        </>
    })
}

/// A left chevron (back to the conversation list).
pub fn back() -> Html {
    icon(html! { <polyline points="15 18 9 12 15 6" /> })
}
