//! Ctrl/Cmd-K: a dialog with a search box over the viewer's conversations. Typing
//! filters, the arrows move the selection, Enter opens it, Esc (or a click outside)
//! closes and gives the focus back to where it was.

use gloo::events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement, KeyboardEvent};
use yew::prelude::*;
use yew_router::prelude::*;

use crate::hooks::use_chat;
use crate::route::Route;

/// Conversations shown at most (the box is for jumping, not browsing).
const MAX_SHOWN: usize = 12;

/// Whether a title matches what was typed (case-insensitive, words in any order).
pub fn matches(title: &str, query: &str) -> bool {
    let title = title.to_lowercase();
    query.to_lowercase().split_whitespace().all(|word| title.contains(word))
}

fn active_element() -> Option<HtmlElement> {
    web_sys::window()?.document()?.active_element()?.dyn_into::<HtmlElement>().ok()
}

/// The switcher (`data-testid="quick-switcher"`), closed until Ctrl/Cmd-K.
#[function_component(QuickSwitcher)]
pub fn quick_switcher() -> Html {
    let open = use_state(|| false);
    let query = use_state(String::new);
    let selected = use_state(|| 0usize);
    let input_ref = use_node_ref();
    // Where the focus was, to give it back on close.
    let return_to = use_mut_ref(|| None::<HtmlElement>);
    let chat = use_chat();
    let navigator = use_navigator();

    {
        let (open, query, selected, return_to) =
            (open.clone(), query.clone(), selected.clone(), return_to.clone());
        use_effect_with((), move |_| {
            let document = web_sys::window().and_then(|w| w.document());
            let options = EventListenerOptions::enable_prevent_default();
            let listener = document.map(|doc| {
                EventListener::new_with_options(&doc, "keydown", options, move |e| {
                    let Some(k) = e.dyn_ref::<KeyboardEvent>() else { return };
                    let shortcut =
                        (k.ctrl_key() || k.meta_key()) && !k.alt_key() && k.key().eq_ignore_ascii_case("k");
                    if shortcut {
                        // Not the browser's own Ctrl-K (its search bar).
                        k.prevent_default();
                        *return_to.borrow_mut() = active_element();
                        query.set(String::new());
                        selected.set(0);
                        open.set(true);
                    }
                })
            });
            move || drop(listener)
        });
    }
    {
        let input_ref = input_ref.clone();
        use_effect_with(*open, move |open| {
            if let (true, Some(input)) = (*open, input_ref.cast::<HtmlInputElement>()) {
                let _ = input.focus();
            }
        });
    }
    if !*open {
        return html! {};
    }
    let Some(chat) = chat else { return html! {} };
    let found: Vec<(String, String)> = chat
        .conversations
        .iter()
        .filter(|c| matches(&c.meta.title(), &query))
        .take(MAX_SHOWN)
        .map(|c| (c.meta.id.clone(), c.meta.title()))
        .collect();
    let current = (*selected).min(found.len().saturating_sub(1));

    let close = {
        let (open, return_to) = (open.clone(), return_to.clone());
        Callback::from(move |_: ()| {
            open.set(false);
            if let Some(el) = return_to.borrow_mut().take() {
                let _ = el.focus();
            }
        })
    };
    let go = {
        let (open, navigator) = (open.clone(), navigator.clone());
        Callback::from(move |id: String| {
            open.set(false);
            if let Some(navigator) = &navigator {
                navigator.push(&Route::Chat { id });
            }
        })
    };
    let oninput = {
        let (query, selected) = (query.clone(), selected.clone());
        Callback::from(move |e: InputEvent| {
            query.set(e.target_unchecked_into::<HtmlInputElement>().value());
            selected.set(0);
        })
    };
    let onkeydown = {
        let (selected, close, go) = (selected.clone(), close.clone(), go.clone());
        let ids: Vec<String> = found.iter().map(|(id, _)| id.clone()).collect();
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "ArrowDown" if !ids.is_empty() => {
                e.prevent_default();
                selected.set((current + 1) % ids.len());
            }
            "ArrowUp" if !ids.is_empty() => {
                e.prevent_default();
                selected.set((current + ids.len() - 1) % ids.len());
            }
            "Enter" => {
                e.prevent_default();
                if let Some(id) = ids.get(current) {
                    go.emit(id.clone());
                }
            }
            "Escape" => {
                e.prevent_default();
                close.emit(());
            }
            _ => {}
        })
    };
    let items = found.iter().enumerate().map(|(i, (id, title))| {
        let onclick = {
            let (go, id) = (go.clone(), id.clone());
            Callback::from(move |_: MouseEvent| go.emit(id.clone()))
        };
        html! {
            <li id={format!("qs-option-{i}")} role="option" aria-selected={(i == current).to_string()}
                class={classes!("qs-option", (i == current).then_some("selected"))}
                data-testid="quick-switcher-item" data-conversation-id={id.clone()} {onclick}>
                { title.clone() }
            </li>
        }
    });
    let onbackdrop = {
        let close = close.clone();
        Callback::from(move |_: MouseEvent| close.emit(()))
    };
    html! {
        <>
            <div class="qs-backdrop" onclick={onbackdrop}></div>
            <div class="quick-switcher" role="dialog" aria-modal="true" aria-labelledby="qs-title"
                data-testid="quick-switcher">
                <h2 id="qs-title" class="visually-hidden">{ "Switch conversation" }</h2>
                <input ref={input_ref} type="text" role="combobox" aria-expanded="true" aria-controls="qs-list"
                    aria-autocomplete="list" aria-label="Find a conversation"
                    aria-activedescendant={(!found.is_empty()).then(|| format!("qs-option-{current}"))}
                    placeholder="Find a conversation…" data-testid="quick-switcher-input"
                    value={(*query).clone()} {oninput} {onkeydown} />
                <ul id="qs-list" role="listbox" aria-label="Conversations" class="qs-list">
                    { for items }
                </ul>
                if found.is_empty() {
                    <p class="muted qs-empty">{ "No conversation matches." }</p>
                }
                <p class="muted qs-hint">{ "↑ ↓ to move, Enter to open, Esc to close" }</p>
            </div>
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn every_word_must_appear_in_any_case() {
        assert!(matches("Design review", ""));
        assert!(matches("Design review", "REV des"));
        assert!(!matches("Design review", "design launch"));
    }
}
