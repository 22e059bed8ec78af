//! The message input: Enter sends, Shift+Enter inserts a newline.

use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

/// Props of [`Composer`].
#[derive(Properties, PartialEq)]
pub struct ComposerProps {
    /// Called with the text to send (already trimmed, never empty).
    pub on_send: Callback<String>,
    /// Disables input (e.g. not a member).
    #[prop_or_default]
    pub disabled: bool,
}

/// Textarea plus send button.
#[function_component(Composer)]
pub fn composer(props: &ComposerProps) -> Html {
    let text = use_state(String::new);
    let input_ref = use_node_ref();

    let submit = {
        let text = text.clone();
        let on_send = props.on_send.clone();
        let input_ref = input_ref.clone();
        Callback::from(move |_: ()| {
            let body = text.trim().to_owned();
            if body.is_empty() {
                return;
            }
            on_send.emit(body);
            text.set(String::new());
            if let Some(input) = input_ref.cast::<HtmlTextAreaElement>() {
                input.set_value("");
                let _ = input.focus();
            }
        })
    };
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            text.set(e.target_unchecked_into::<HtmlTextAreaElement>().value());
        })
    };
    let onkeydown = {
        let submit = submit.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
                e.prevent_default();
                submit.emit(());
            }
        })
    };
    let onsubmit = {
        let submit = submit.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            submit.emit(());
        })
    };
    html! {
        <form class="composer" {onsubmit}>
            <textarea ref={input_ref} data-testid="composer-input" rows="2"
                placeholder="Write a message… (Enter to send, Shift+Enter for a new line)"
                aria-label="Message" value={(*text).clone()} {oninput} {onkeydown}
                disabled={props.disabled} />
            <button type="submit" class="btn btn-primary" data-testid="composer-send"
                disabled={props.disabled}>{ "Send" }</button>
        </form>
    }
}
