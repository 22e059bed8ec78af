//! The searchable emoji picker behind a message's "more reactions" button: typing
//! filters by name, Enter picks the first match, Esc closes.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::emoji::{name_of, search};

/// Props of [`EmojiPicker`].
#[derive(Properties, PartialEq)]
pub struct EmojiPickerProps {
    /// An emoji was picked.
    pub on_pick: Callback<String>,
    /// The picker should close.
    pub on_close: Callback<()>,
}

/// Search field plus a grid of matching emoji (`data-testid="emoji-picker"`).
#[function_component(EmojiPicker)]
pub fn emoji_picker(props: &EmojiPickerProps) -> Html {
    let query = use_state(String::new);
    let input = use_node_ref();
    {
        let input = input.clone();
        use_effect_with((), move |_| {
            if let Some(input) = input.cast::<HtmlInputElement>() {
                let _ = input.focus();
            }
        });
    }
    let matches = search(&query);
    let oninput = {
        let query = query.clone();
        Callback::from(move |e: InputEvent| query.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let onkeydown = {
        let (on_pick, on_close) = (props.on_pick.clone(), props.on_close.clone());
        let first = matches.first().map(|e| (*e).to_owned());
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Enter" => {
                e.prevent_default();
                if let Some(first) = first.clone() {
                    on_pick.emit(first);
                }
            }
            "Escape" => {
                e.prevent_default();
                e.stop_propagation();
                on_close.emit(());
            }
            _ => {}
        })
    };
    let options = matches.iter().map(|emoji| {
        let onclick = {
            let (on_pick, emoji) = (props.on_pick.clone(), (*emoji).to_owned());
            Callback::from(move |_: MouseEvent| on_pick.emit(emoji.clone()))
        };
        let name = name_of(emoji).unwrap_or_default();
        html! {
            <button type="button" class="emoji-option" data-testid="emoji-option" data-emoji={*emoji}
                title={name} aria-label={name.to_owned()} {onclick}>{ *emoji }</button>
        }
    });
    html! {
        <div class="emoji-picker" data-testid="emoji-picker" role="dialog" aria-label="Pick a reaction">
            <input ref={input} type="search" class="emoji-search" data-testid="emoji-search"
                placeholder="Search emoji" aria-label="Search emoji" value={(*query).clone()} {oninput} {onkeydown} />
            <div class="emoji-grid">
                { for options }
                if matches.is_empty() {
                    <span class="muted">{ "No emoji found" }</span>
                }
            </div>
        </div>
    }
}
