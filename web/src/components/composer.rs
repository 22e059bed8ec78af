//! The message input: Enter sends, Shift+Enter inserts a newline. It reports typing
//! (renewed every 2.5 s while the text changes, stopped when cleared or blurred).

use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use super::quote_text;
use crate::state::live::TypingSignal;
use crate::state::ReplyPreview;

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
    /// The message being replied to, shown above the input.
    #[prop_or_default]
    pub reply_to: Option<ReplyPreview>,
    /// Drops the reply (the ✕ of the preview, or Esc in the input).
    #[prop_or_default]
    pub on_cancel_reply: Callback<()>,
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
        let on_cancel_reply = props.on_cancel_reply.clone();
        let replying = props.reply_to.is_some();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
                e.prevent_default();
                submit.emit(());
            } else if e.key() == "Escape" && replying {
                on_cancel_reply.emit(());
            }
        })
    };
    // Starting a reply puts the cursor in the input.
    {
        let input_ref = input_ref.clone();
        use_effect_with(props.reply_to.as_ref().map(|r| r.id.clone()), move |id| {
            if let (Some(_), Some(input)) = (id, input_ref.cast::<HtmlTextAreaElement>()) {
                let _ = input.focus();
            }
        });
    }
    let preview = props.reply_to.as_ref().map(|r| {
        let on_cancel_reply = props.on_cancel_reply.clone();
        let cancel = Callback::from(move |_: MouseEvent| on_cancel_reply.emit(()));
        html! {
            <div class="reply-preview" data-testid="reply-preview" data-reply-to={r.id.clone()}>
                <span class="muted">{ "Replying to " }</span>
                <strong>{ r.sender.display_name.clone() }</strong>
                <span class="reply-body">{ quote_text(r.body.as_deref()) }</span>
                <button type="button" class="btn btn-small btn-quiet" data-testid="reply-cancel"
                    aria-label="Cancel reply" onclick={cancel}>{ "✕" }</button>
            </div>
        }
    });
    let onsubmit = {
        let submit = submit.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            submit.emit(());
        })
    };
    html! {
        <>
        { for preview }
        <form class="composer" {onsubmit}>
            <textarea ref={input_ref} data-testid="composer-input" rows="2"
                placeholder="Write a message… (Enter to send, Shift+Enter for a new line)"
                aria-label="Message" value={(*text).clone()} {oninput} {onkeydown} {onblur}
                disabled={props.disabled} />
            <button type="submit" class="btn btn-primary" data-testid="composer-send"
                disabled={props.disabled}>{ "Send" }</button>
        </form>
        </>
    }
}
