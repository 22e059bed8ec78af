//! The message input: Enter sends, Shift+Enter inserts a newline, Up in the empty
//! input edits the viewer's last message, Esc drops a reply. It reports typing
//! (renewed every 2.5 s while the text changes, stopped when cleared or blurred).
//! Files come in through the attach button, a drop anywhere on the conversation or a
//! pasted image; each uploads at once with a chip, and Send takes the finished ones.
//! A recorded voice note is sent on its own as soon as it is stored.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, Element, FileList, HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::quote_text;
use super::upload_chips::UploadChips;
use super::voice_recorder::{Recording, VoiceRecorder};
use crate::api::media::Voice;
use crate::hooks::{use_uploads, NewUpload};
use crate::state::live::TypingSignal;
use crate::state::{Attachment, ReplyPreview};

/// The files of a `FileList` (input, drop or paste).
fn files_of(list: Option<FileList>) -> Vec<NewUpload> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).map(NewUpload::file).collect()
}

fn has_modifier(e: &KeyboardEvent) -> bool {
    e.shift_key() || e.ctrl_key() || e.alt_key() || e.meta_key()
}

/// Up in an empty composer: opens the editor of the viewer's newest message in the
/// timeline, through its own Edit button (which exists only where editing is
/// allowed). Returns whether there was one.
fn edit_last_own_message() -> bool {
    let document = web_sys::window().and_then(|w| w.document());
    let buttons = document.and_then(|d| {
        d.query_selector_all(
            r#"[data-testid="timeline"] [data-testid="message"].own [data-testid="message-edit"]"#,
        )
        .ok()
    });
    let last = buttons.and_then(|b| b.length().checked_sub(1).and_then(|i| b.item(i)));
    match last.and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) {
        Some(button) => {
            button.click();
            true
        }
        None => false,
    }
}

/// Props of [`Composer`].
#[derive(Properties, PartialEq)]
pub struct ComposerProps {
    /// The conversation uploads go to.
    pub conversation_id: String,
    /// Called with the text (trimmed) and the finished attachments; never both empty.
    pub on_send: Callback<(String, Vec<Attachment>)>,
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

/// Textarea, attach and voice buttons, send button, upload chips.
#[function_component(Composer)]
pub fn composer(props: &ComposerProps) -> Html {
    let text = use_state(String::new);
    let input_ref = use_node_ref();
    let form_ref = use_node_ref();
    let file_ref = use_node_ref();
    let signal = use_mut_ref(TypingSignal::default);
    let uploads = use_uploads(props.conversation_id.clone());
    let notice = use_state(|| None::<String>);
    let dragging = use_state(|| false);
    // Adds files, or says why not (too many); the drop listener reads the latest one.
    let add_files = {
        let (add, notice) = (uploads.add.clone(), notice.clone());
        Callback::from(move |files: Vec<NewUpload>| {
            if !files.is_empty() {
                notice.set(add(files).err());
            }
        })
    };
    let latest_add = use_mut_ref(|| add_files.clone());
    *latest_add.borrow_mut() = add_files.clone();

    let submit = {
        let text = text.clone();
        let on_send = props.on_send.clone();
        let input_ref = input_ref.clone();
        let signal = signal.clone();
        let state = uploads.state.clone();
        Callback::from(move |_: ()| {
            let body = text.trim().to_owned();
            if !state.can_send(&body) {
                return;
            }
            let ready = state.ready();
            let keys = ready.iter().map(|i| i.key).collect();
            let attachments = ready.iter().map(|i| i.attachment.clone()).collect();
            state.dispatch(crate::state::uploads::UploadAction::Sent(keys));
            signal.borrow_mut().sent();
            on_send.emit((body, attachments));
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
        let empty = text.is_empty();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
                e.prevent_default();
                submit.emit(());
            } else if e.key() == "Escape" && replying {
                on_cancel_reply.emit(());
            } else if e.key() == "ArrowUp" && !has_modifier(&e) && empty && edit_last_own_message() {
                e.prevent_default();
            }
        })
    };
    // A voice note goes out on its own once stored.
    {
        let (state, on_send) = (uploads.state.clone(), props.on_send.clone());
        let voice = state.voice_ready().map(|i| (i.key, i.attachment.clone()));
        use_effect_with(voice, move |voice| {
            if let Some((key, attachment)) = voice.clone() {
                state.dispatch(crate::state::uploads::UploadAction::Sent(vec![key]));
                on_send.emit((String::new(), vec![attachment]));
            }
        });
    }
    // Files dropped anywhere on the conversation (the composer's `.chat` ancestor).
    {
        let (form_ref, latest_add, dragging) = (form_ref.clone(), latest_add.clone(), dragging.clone());
        use_effect_with((), move |_| {
            let area: Option<Element> = form_ref
                .cast::<Element>()
                .and_then(|f| f.closest(".chat").ok().flatten().or_else(|| f.parent_element()));
            let listeners = area.map(|area| drop_listeners(&area, latest_add, dragging));
            move || drop(listeners)
        });
    }
    let onpick = {
        let add_files = add_files.clone();
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<HtmlInputElement>();
            add_files.emit(files_of(input.files()));
            input.set_value("");
        })
    };
    let onattach = {
        let file_ref = file_ref.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(input) = file_ref.cast::<HtmlInputElement>() {
                input.click();
            }
        })
    };
    let onpaste = {
        let add_files = add_files.clone();
        Callback::from(move |e: Event| {
            let Some(e) = e.dyn_ref::<web_sys::ClipboardEvent>() else { return };
            let files = files_of(e.clipboard_data().and_then(|d| d.files()));
            if !files.is_empty() {
                e.prevent_default();
                add_files.emit(files);
            }
        })
    };
    let on_recorded = {
        let add_files = add_files.clone();
        Callback::from(move |r: Recording| {
            let voice = Some((Voice { waveform: r.waveform }, r.duration_ms));
            add_files.emit(vec![NewUpload { blob: r.blob, name: r.filename, voice }]);
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
    let can_send = uploads.state.can_send(&text);
    html! {
        <>
        { for preview }
        <UploadChips uploads={(*uploads.state).clone()} on_cancel={uploads.cancel.clone()} />
        if let Some(n) = (*notice).clone() {
            <p class="composer-error" role="alert" data-testid="composer-error">{ n }</p>
        }
        <form class={classes!("composer", dragging.then_some("dragging"))} ref={form_ref} {onsubmit}>
            <input type="file" multiple=true class="visually-hidden" ref={file_ref} data-testid="composer-file"
                tabindex="-1" aria-hidden="true" onchange={onpick} />
            <button type="button" class="btn btn-icon" data-testid="composer-attach" title="Attach files"
                aria-label="Attach files" disabled={props.disabled} onclick={onattach}>{ super::icons::attach() }</button>
            <textarea ref={input_ref} data-testid="composer-input" rows="2"
                placeholder="Write a message… (Enter to send, Shift+Enter for a new line)"
                aria-label="Message" value={(*text).clone()} {oninput} {onkeydown} {onblur} {onpaste}
                disabled={props.disabled} />
            <VoiceRecorder {on_recorded} disabled={props.disabled} />
            <button type="submit" class="btn btn-primary" data-testid="composer-send"
                disabled={props.disabled || !can_send}>{ "Send" }</button>
        </form>
        </>
    }
}

/// dragover / dragleave / drop on `area`: dropped files are added.
fn drop_listeners(
    area: &Element,
    add: Rc<RefCell<Callback<Vec<NewUpload>>>>,
    dragging: UseStateHandle<bool>,
) -> [EventListener; 3] {
    let options = EventListenerOptions::enable_prevent_default();
    let has_files = |e: &DragEvent| {
        e.data_transfer().is_some_and(|d| d.types().iter().any(|t| t.as_string().as_deref() == Some("Files")))
    };
    let over = {
        let dragging = dragging.clone();
        EventListener::new_with_options(area, "dragover", options, move |e| {
            let Some(e) = e.dyn_ref::<DragEvent>() else { return };
            if has_files(e) {
                e.prevent_default();
                dragging.set(true);
            }
        })
    };
    let leave = {
        let dragging = dragging.clone();
        EventListener::new(area, "dragleave", move |_| dragging.set(false))
    };
    let drop = EventListener::new_with_options(area, "drop", options, move |e| {
        let Some(e) = e.dyn_ref::<DragEvent>() else { return };
        dragging.set(false);
        let files = files_of(e.data_transfer().and_then(|d| d.files()));
        if !files.is_empty() {
            e.prevent_default();
            add.borrow().emit(files);
        }
    });
    [over, leave, drop]
}
