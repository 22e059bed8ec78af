//! One message in the timeline: header (unless it continues a group), quote of the
//! original when it is a reply, markdown body (or the tombstone), reactions, the
//! receipt on the viewer's newest message, and the action bar (hover, focus or
//! long-press) with inline editing and an inline delete confirmation.

use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use super::action_bar::ActionBar;
use super::attachments::Attachments;
use super::avatar::Avatar;
use super::long_press::use_long_press;
use super::quote_text;
use super::receipt::ReceiptLine;
use super::time::MessageTime;
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
    /// Continues the previous message's group: no avatar, name or time of its own.
    #[prop_or_default]
    pub grouped: bool,
    /// The viewer's newest message: shows the read receipt.
    #[prop_or_default]
    pub show_receipt: bool,
    /// Local milliseconds now (relative times age with it).
    #[prop_or_default]
    pub now: i64,
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
    let node = use_node_ref();
    let long_press = use_long_press(node.clone());
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
        Callback::from(move |(emoji, add): (String, bool)| {
            picker.set(false);
            let Some(id) = id.clone() else { return };
            run_action(chat.clone(), on_error.clone(), messages::react(id, emoji, Some(add)));
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
        Callback::from(move |_: ()| {
            let Some(id) = id.clone() else { return };
            run_action(chat.clone(), on_error.clone(), messages::set_pinned(id, !pinned));
        })
    };
    let onreply = {
        let on_reply = env.on_reply.clone();
        let preview =
            id.clone().map(|id| ReplyPreview { id, sender: m.sender.clone(), body: m.body.clone() });
        Callback::from(move |_: ()| {
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
                Callback::from(move |_: MouseEvent| react.emit((emoji.clone(), !mine)))
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
        let reacted: Vec<String> =
            m.reactions.iter().filter(|g| g.reacted_by_viewer).map(|g| g.emoji.clone()).collect();
        let on_toggle_picker = {
            let picker = picker.clone();
            Callback::from(move |open: bool| picker.set(open))
        };
        let on_edit = {
            let editing = editing.clone();
            Callback::from(move |_: ()| editing.set(true))
        };
        let on_delete = {
            let confirming = confirming.clone();
            Callback::from(move |_: ()| confirming.set(true))
        };
        html! {
            <ActionBar {own} may_delete={own || env.moderator} may_pin={env.may_pin} pinned={m.pinned}
                {reacted} picker_open={*picker} on_react={react.clone()} {on_toggle_picker}
                on_reply={onreply.clone()} {on_edit} {on_delete} on_pin={toggle_pin.clone()} />
        }
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
    let bar_open = *long_press || *picker;
    let class = classes!(
        "message",
        own.then_some("own"),
        pending.then_some("pending"),
        failed.is_some().then_some("failed"),
        deleted.then_some("deleted"),
        m.pinned.then_some("pinned"),
        highlighted.then_some("highlighted"),
        props.grouped.then_some("grouped"),
        bar_open.then_some("bar-open")
    );
    let dom_id = id.as_ref().map(|id| format!("msg-{id}"));
    // Esc closes the action bar, the emoji picker or the delete question.
    let onkeydown = {
        let (long_press, picker, confirming) = (long_press.clone(), picker.clone(), confirming.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" && (*long_press || *picker || *confirming) {
                long_press.set(false);
                picker.set(false);
                confirming.set(false);
            }
        })
    };
    let sender_name = html! {
        <span class={classes!("sender", props.grouped.then_some("visually-hidden"))} data-testid="message-sender"
            title={format!("@{}", sender.username)}>
            { sender.display_name.clone() }
            if sender.display_name != sender.username {
                <span class="username">{ " @" }{ sender.username.clone() }</span>
            }
        </span>
    };
    html! {
        <li {class} id={dom_id} data-testid="message" data-message-id={id.clone()} data-key={m.key()}
            ref={node} tabindex="-1" {onkeydown}
            data-grouped={props.grouped.to_string()}
            data-pending={pending.then_some("true")}
            data-failed={failed.is_some().then_some("true")}
            data-deleted={deleted.then_some("true")}
            data-pinned={m.pinned.then_some("true")}
            data-highlighted={highlighted.then_some("true")}>
            <div class="meta">
                if !props.grouped {
                    <Avatar user={sender.clone()} size={28} />
                }
                { sender_name }
                <MessageTime at={m.created_at.clone()} now={props.now} />
                if m.edited_at.is_some() && !deleted {
                    <span class="edited" data-testid="message-edited" title={m.edited_at.clone()}>{ "(edited)" }</span>
                }
                if m.pinned {
                    <span class="pin-badge" data-testid="message-pinned" title="Pinned">{ "📌" }</span>
                }
                if pending {
                    <span class="status">{ "Sending…" }</span>
                }
            </div>
            { for quote }
            { body }
            if !deleted && !*editing {
                <Attachments message_id={id.clone()} attachments={m.attachments.clone()} />
            }
            { for reactions }
            // Floating over the message, so the bar costs no height while hidden.
            { for actions }
            { for confirm_view }
            if props.show_receipt && own && m.id.is_some() {
                <ReceiptLine message={m.clone()} />
            }
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
