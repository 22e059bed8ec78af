//! The message input: Enter sends, Shift+Enter inserts a newline. It reports typing
//! (renewed every 2.5 s while the text changes, stopped when cleared or blurred).

use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::state::live::TypingSignal;

/// Props of [`Composer`].
#[derive(Properties, PartialEq)]
pub struct ComposerProps {
    /// Called with the text to send (already trimmed, never empty).
    pub on_send: Callback<String>,
    /// Called with `true` when the user types (renewals included), `false` when they stop.
    #[prop_or_default]
    pub on_typing: Callback<bool>,
    /// Disables input (e.g. not a member).
    #[prop_or_default]
    pub disabled: bool,
}

/// Textarea plus send button.
#[function_component(Composer)]
pub fn composer(props: &ComposerProps) -> Html {
    let text = use_state(String::new);
    let input_ref = use_node_ref();
    let signal = use_mut_ref(TypingSignal::default);

    let submit = {
        let text = text.clone();
        let on_send = props.on_send.clone();
        let input_ref = input_ref.clone();
        let signal = signal.clone();
        Callback::from(move |_: ()| {
            let body = text.trim().to_owned();
            if body.is_empty() {
                return;
            }
            signal.borrow_mut().sent();
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
        let signal = signal.clone();
        let on_typing = props.on_typing.clone();
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<HtmlTextAreaElement>().value();
            let change = signal.borrow_mut().on_input(js_sys::Date::now(), value.trim().is_empty());
            if let Some(typing) = change {
                on_typing.emit(typing);
            }
            text.set(value);
        })
    };
    let onblur = {
        let signal = signal.clone();
        let on_typing = props.on_typing.clone();
        Callback::from(move |_: FocusEvent| {
            let change = signal.borrow_mut().stop();
            if let Some(typing) = change {
                on_typing.emit(typing);
            }
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
                aria-label="Message" value={(*text).clone()} {oninput} {onkeydown} {onblur}
                disabled={props.disabled} />
            <button type="submit" class="btn btn-primary" data-testid="composer-send"
                disabled={props.disabled}>{ "Send" }</button>
        </form>
    }
}
