//! The header's light/dark switch.

use yew::prelude::*;

use crate::theme::{self, Theme};

/// Button that flips the theme; `aria-pressed` and `data-theme` say which is on.
#[function_component(ThemeToggle)]
pub fn theme_toggle() -> Html {
    let current = use_state(theme::current);
    let onclick = {
        let current = current.clone();
        Callback::from(move |_: MouseEvent| {
            let next = current.toggled();
            theme::set(next);
            current.set(next);
        })
    };
    let dark = *current == Theme::Dark;
    let label = if dark { "Switch to light mode" } else { "Switch to dark mode" };
    html! {
        <button type="button" class="btn btn-quiet theme-toggle" data-testid="theme-toggle"
            data-theme={current.as_str()} aria-pressed={dark.to_string()} title={label} aria-label={label}
            {onclick}>
            { if dark { "☀" } else { "☾" } }
        </button>
    }
}
