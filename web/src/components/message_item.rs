//! One message in the timeline: quote of the original when it is a reply, markdown
//! body (or the tombstone), reactions, and the actions (react, reply, edit, delete,
//! pin) with inline editing and an inline delete confirmation.

use wasm_bindgen::JsCast;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use super::attachments::Attachments;
use super::avatar::Avatar;
use super::{format_time, quote_text};
use crate::api::messages;
use crate::hooks::use_chat;
use crate::markdown::{self, RenderOptions};
use crate::state::{ChatAction, Delivery, Message, ReplyPreview};

/// The emoji offered by the quick reaction picker.
pub const QUICK_REACTIONS: [&str; 6] = ["👍", "❤️", "😂", "🎉", "😮", "😢"];

/// What every message of a timeline shares: who looks, what they may do, and where
/// actions report to.
#[derive(Clone, PartialEq, Default)]
pub struct MessageEnv {
    /// The viewer's id.
    pub viewer_id: Option<String>,
    /// The viewer's username (their mentions are highlighted more).
    pub viewer_username: Option<String>,
    /// Room owner or admin: may delete anyone's message.
    pub moderator: bool,
    /// May pin and unpin.
    pub may_pin: bool,
    /// Member of the conversation (actions need it).
    pub member: bool,
    /// The message to highlight briefly (after a jump).
    pub highlighted: Option<String>,
    /// Retry a failed send.
    pub on_retry: Callback<Message>,
    /// Start replying to a message.
    pub on_reply: Callback<ReplyPreview>,
    /// Scroll to (and highlight) a message by id, loading history as needed.
    pub on_jump: Callback<String>,
    /// Report a failed action.
    pub on_error: Callback<String>,
}

/// Props of [`MessageItem`].
#[derive(Properties, PartialEq)]
pub struct MessageItemProps {
    /// The message.
    pub message: Message,
    /// Shared flags and callbacks.
    pub env: MessageEnv,
}

/// Runs a message mutation and applies its answer to the store (errors are reported).
fn run_action<F>(
    chat: Option<UseReducerDispatcher<crate::state::ChatState>>,
    on_error: Callback<String>,
    call: F,
) where
    F: std::future::Future<Output = Result<Message, crate::api::ApiError>> + 'static,
{
    wasm_bindgen_futures::spawn_local(async move {
        match call.await {
            Ok(msg) => {
                if let Some(chat) = chat {
                    chat.dispatch(ChatAction::MessageUpdated(msg));
                }
            }
            Err(e) => on_error.emit(e.to_string()),
        }
    });
}

/// A message with sender, time and body; pending and failed states are marked.
#[function_component(MessageItem)]
pub fn message_item(props: &MessageItemProps) -> Html {
    let chat = use_chat().map(|c| c.dispatcher());
    let editing = use_state(|| false);
    let picker = use_state(|| false);
    let confirming = use_state(|| false);
    let edit_ref = use_node_ref();
    let picker_ref = use_node_ref();
    let m = &props.message;
    let env = &props.env;
    let own = env.viewer_id.as_deref() == Some(m.sender.id.as_str());
    let pending = matches!(m.delivery, Delivery::Pending);
    let failed = match &m.delivery {
        Delivery::Failed(reason) => Some(reason.clone()),
        _ => None,
    };
    let deleted = m.is_deleted();
    let id = m.id.clone();

    // Focus the editor when it opens, caret at the end.
    {
        let edit_ref = edit_ref.clone();
        use_effect_with(*editing, move |open| {
            if let (true, Some(input)) = (*open, edit_ref.cast::<HtmlTextAreaElement>()) {
                let _ = input.focus();
                let len = input.value().encode_utf16().count() as u32;
                let _ = input.set_selection_range(len, len);
            }
        });
    }

    // The opened reaction picker takes the focus, so Esc and Tab work inside it (a11y).
    {
        let picker_ref = picker_ref.clone();
        use_effect_with(*picker, move |open| {
            let first =
                picker_ref.cast::<web_sys::Element>().and_then(|p| p.query_selector("button").ok().flatten());
            if let (true, Some(button)) =
                (*open, first.and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok()))
            {
                let _ = button.focus();
            }
        });
    }

    let onretry = {
        let (on_retry, failed_message) = (env.on_retry.clone(), m.clone());
        Callback::from(move |_| on_retry.emit(failed_message.clone()))
    };
    let save_edit = {
        let (chat, on_error, editing, edit_ref) =
            (chat.clone(), env.on_error.clone(), editing.clone(), edit_ref.clone());
        let (id, old) = (id.clone(), m.body.clone().unwrap_or_default());
        Callback::from(move |_: ()| {
            let Some(input) = edit_ref.cast::<HtmlTextAreaElement>() else { return };
            let body = input.value().trim().to_owned();
            editing.set(false);
            let Some(id) = id.clone() else { return };
            if body.is_empty() || body == old {
                return;
            }
            run_action(chat.clone(), on_error.clone(), messages::edit(id, body));
        })
    };
    let onkeydown_edit = {
        let (save_edit, editing) = (save_edit.clone(), editing.clone());
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Enter" if !e.shift_key() && !e.is_composing() => {
                e.prevent_default();
                save_edit.emit(());
            }
            "Escape" => {
                e.prevent_default();
                editing.set(false);
            }
            _ => {}
        })
    };
    let react = {
        let (chat, on_error, picker, id) = (chat.clone(), env.on_error.clone(), picker.clone(), id.clone());
        Callback::from(move |(emoji, reacted): (String, Option<bool>)| {
            picker.set(false);
            let Some(id) = id.clone() else { return };
            run_action(chat.clone(), on_error.clone(), messages::react(id, emoji, reacted));
        })
    };
    let delete = {
        let (chat, on_error, confirming, id) =
            (chat.clone(), env.on_error.clone(), confirming.clone(), id.clone());
        Callback::from(move |_: MouseEvent| {
            confirming.set(false);
            let Some(id) = id.clone() else { return };
            run_action(chat.clone(), on_error.clone(), messages::delete(id));
        })
    };
    let toggle_pin = {
        let (chat, on_error, id, pinned) = (chat.clone(), env.on_error.clone(), id.clone(), m.pinned);
        Callback::from(move |_: MouseEvent| {
            let Some(id) = id.clone() else { return };
            run_action(chat.clone(), on_error.clone(), messages::set_pinned(id, !pinned));
        })
    };
    let onreply = {
        let on_reply = env.on_reply.clone();
        let preview =
            id.clone().map(|id| ReplyPreview { id, sender: m.sender.clone(), body: m.body.clone() });
        Callback::from(move |_: MouseEvent| {
            if let Some(p) = preview.clone() {
                on_reply.emit(p);
            }
        })
    };

    let quote = m.reply_to.as_ref().map(|r| {
        let on_jump = env.on_jump.clone();
        let target = r.id.clone();
        let onclick = Callback::from(move |_: MouseEvent| on_jump.emit(target.clone()));
        html! {
            <button type="button" class="reply-quote" data-testid="reply-quote" data-reply-to={r.id.clone()}
                title="Show the original message" {onclick}>
                <span class="reply-sender">{ r.sender.display_name.clone() }</span>
                <span class={classes!("reply-body", r.body.is_none().then_some("tombstone"))}>
                    { quote_text(r.body.as_deref()) }
                </span>
            </button>
        }
    });

    let body = if deleted {
        html! { <div class="body tombstone" data-testid="message-body" data-deleted="true">{ "This message was deleted" }</div> }
    } else if *editing {
        let cancel = {
            let editing = editing.clone();
            Callback::from(move |_: MouseEvent| editing.set(false))
        };
        let save = {
            let save_edit = save_edit.clone();
            Callback::from(move |_: MouseEvent| save_edit.emit(()))
        };
        html! {
            <div class="edit">
                <textarea ref={edit_ref.clone()} data-testid="message-edit-input" rows="2" aria-label="Edit message"
                    value={m.body.clone().unwrap_or_default()} onkeydown={onkeydown_edit} />
                <div class="edit-actions">
                    <button type="button" class="btn btn-small btn-primary" data-testid="message-edit-save" onclick={save}>{ "Save" }</button>
                    <button type="button" class="btn btn-small" data-testid="message-edit-cancel" onclick={cancel}>{ "Cancel" }</button>
                    <span class="muted hint">{ "Enter to save, Esc to cancel" }</span>
                </div>
            </div>
        }
    } else {
        let options = RenderOptions {
            viewer_username: env.viewer_username.clone(),
            known_mentions: m.id.is_some().then(|| m.mentions.clone()),
        };
        let blocks = markdown::parse(m.body.as_deref().unwrap_or_default());
        let empty = blocks.is_empty() && !m.attachments.is_empty();
        html! { <div class="body" data-testid="message-body" hidden={empty}>{ markdown::render(&blocks, &options) }</div> }
    };

    let reactions = (!m.reactions.is_empty() && !deleted).then(|| {
        let groups = m.reactions.iter().map(|g| {
            let names: Vec<&str> = g.users.iter().map(|u| u.display_name.as_str()).collect();
            let title = if names.is_empty() { g.emoji.clone() } else { format!("{} {}", g.emoji, names.join(", ")) };
            let onclick = {
                let (react, emoji, mine) = (react.clone(), g.emoji.clone(), g.reacted_by_viewer);
                Callback::from(move |_: MouseEvent| react.emit((emoji.clone(), Some(!mine))))
            };
            html! {
                <button type="button" class={classes!("reaction", g.reacted_by_viewer.then_some("mine"))}
                    data-testid="reaction" data-emoji={g.emoji.clone()} data-count={g.count.to_string()}
                    data-reacted={g.reacted_by_viewer.to_string()} aria-pressed={g.reacted_by_viewer.to_string()}
                    {title} disabled={!env.member} {onclick}>
                    <span class="emoji">{ g.emoji.clone() }</span>
                    <span class="count">{ g.count }</span>
                </button>
            }
        });
        html! { <div class="reactions" data-testid="reactions">{ for groups }</div> }
    });

    let actionable = id.is_some() && !deleted && env.member && !*editing;
    let actions = actionable.then(|| {
        let toggle_picker = {
            let picker = picker.clone();
            Callback::from(move |_: MouseEvent| picker.set(!*picker))
        };
        let start_edit = {
            let editing = editing.clone();
            Callback::from(move |_: MouseEvent| editing.set(true))
        };
        let ask_delete = {
            let confirming = confirming.clone();
            Callback::from(move |_: MouseEvent| confirming.set(true))
        };
        html! {
            <div class="message-actions" data-testid="message-actions">
                <button type="button" class="btn btn-small btn-quiet" data-testid="message-react" title="React"
                    aria-expanded={(*picker).to_string()} onclick={toggle_picker}>{ "☺+" }</button>
                <button type="button" class="btn btn-small btn-quiet" data-testid="message-reply" onclick={onreply}>{ "Reply" }</button>
                if own {
                    <button type="button" class="btn btn-small btn-quiet" data-testid="message-edit" onclick={start_edit}>{ "Edit" }</button>
                }
                if own || env.moderator {
                    <button type="button" class="btn btn-small btn-quiet" data-testid="message-delete" onclick={ask_delete}>{ "Delete" }</button>
                }
                if env.may_pin {
                    if m.pinned {
                        <button type="button" class="btn btn-small btn-quiet" data-testid="message-unpin" onclick={toggle_pin.clone()}>{ "Unpin" }</button>
                    } else {
                        <button type="button" class="btn btn-small btn-quiet" data-testid="message-pin" onclick={toggle_pin.clone()}>{ "Pin" }</button>
                    }
                }
            </div>
        }
    });
    let picker_view = (*picker && actionable).then(|| {
        let options = QUICK_REACTIONS.iter().map(|emoji| {
            let mine = m.reactions.iter().any(|g| g.emoji == *emoji && g.reacted_by_viewer);
            let onclick = {
                let react = react.clone();
                let emoji = (*emoji).to_owned();
                Callback::from(move |_: MouseEvent| react.emit((emoji.clone(), Some(!mine))))
            };
            html! {
                <button type="button" class={classes!("reaction-option", mine.then_some("mine"))}
                    data-testid="reaction-option" data-emoji={*emoji} title={format!("React with {emoji}")}
                    {onclick}>{ *emoji }</button>
            }
        });
        html! { <div class="reaction-picker" data-testid="reaction-picker" role="group" aria-label="Add a reaction" ref={picker_ref.clone()}>{ for options }</div> }
    });
    let confirm_view = (*confirming && actionable).then(|| {
        let cancel = {
            let confirming = confirming.clone();
            Callback::from(move |_: MouseEvent| confirming.set(false))
        };
        html! {
            <div class="confirm" role="alertdialog" data-testid="message-delete-dialog">
                <span>{ "Delete this message for everyone?" }</span>
                <button type="button" class="btn btn-small btn-danger" data-testid="message-delete-confirm" onclick={delete}>{ "Delete" }</button>
                <button type="button" class="btn btn-small" data-testid="message-delete-cancel" onclick={cancel}>{ "Cancel" }</button>
            </div>
        }
    });

    let sender = &m.sender;
    let highlighted = id.is_some() && env.highlighted == id;
    let class = classes!(
        "message",
        own.then_some("own"),
        pending.then_some("pending"),
        failed.is_some().then_some("failed"),
        deleted.then_some("deleted"),
        m.pinned.then_some("pinned"),
        highlighted.then_some("highlighted")
    );
    let dom_id = id.as_ref().map(|id| format!("msg-{id}"));
    // Esc closes the reaction picker or the delete question (a11y: menus close by keyboard).
    let onkeydown = {
        let (picker, confirming) = (picker.clone(), confirming.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" && (*picker || *confirming) {
                picker.set(false);
                confirming.set(false);
            }
        })
    };
    html! {
        <li {class} id={dom_id} data-testid="message" data-message-id={id.clone()}
            data-pending={pending.then_some("true")}
            data-failed={failed.is_some().then_some("true")}
            data-deleted={deleted.then_some("true")}
            data-pinned={m.pinned.then_some("true")}
            data-highlighted={highlighted.then_some("true")} {onkeydown}>
            { for quote }
            <div class="meta">
                <Avatar user={sender.clone()} size={28} />
                <span class="sender" data-testid="message-sender" title={format!("@{}", sender.username)}>
                    { sender.display_name.clone() }
                    if sender.display_name != sender.username {
                        <span class="username">{ " @" }{ sender.username.clone() }</span>
                    }
                </span>
                <time datetime={m.created_at.clone()}>{ format_time(&m.created_at) }</time>
                if m.edited_at.is_some() && !deleted {
                    <span class="edited" data-testid="message-edited" title={m.edited_at.clone()}>{ "(edited)" }</span>
                }
                if m.pinned {
                    <span class="pin-badge" data-testid="message-pinned" title="Pinned">{ "📌" }</span>
                }
                if pending {
                    <span class="status">{ "Sending…" }</span>
                }
                if own && m.id.is_some() {
                    <span class="status seen" data-testid="message-seen"
                        data-seen-count={m.seen_by.len().to_string()}
                        data-receipt={m.receipt().as_str()}>{ m.receipt_label() }</span>
                }
                // In the meta line, so the actions cost no height while hidden.
                { for actions }
            </div>
            { body }
            if !deleted && !*editing {
                <Attachments message_id={id.clone()} attachments={m.attachments.clone()} />
            }
            { for reactions }
            { for picker_view }
            { for confirm_view }
            if let Some(reason) = failed {
                <div class="send-error" role="alert">
                    <span data-testid="message-error">{ format!("Not sent: {reason}") }</span>
                    <button class="btn btn-small" data-testid="message-retry" onclick={onretry}>
                        { "Retry" }
                    </button>
                </div>
            }
        </li>
    }
}
