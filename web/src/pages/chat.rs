//! `/c/:id`: header, timeline with history paging, composer with optimistic sends.
//! History is loaded only once the event stream holds a cursor, so together they
//! leave no gap (see docs/CONTRACT.md).

use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::{live, membership, queries, ws};
use crate::components::{
    mark_notifications_read, ChatHeader, Composer, FormError, LiveAnnouncer, MembersPanel, MessageEnv,
    PinsPanel, TimelineView, TypingLine,
};
use crate::hooks::{use_chat, use_live, use_mark_read, use_page_visible, use_send_message, use_session};
use crate::route::{JumpQuery, Route};
use crate::state::{Attachment, ChatAction, ConversationKind, ConversationMeta, LiveAction, ReplyPreview};

/// Older pages loaded at most while looking for a message to jump to.
const JUMP_MAX_PAGES: u32 = 100;
/// How long a jumped-to message stays highlighted (ms).
const HIGHLIGHT_MS: u32 = 2_500;

/// Scrolls the message with this id to the middle of the timeline.
fn scroll_to_message(id: &str) {
    let element =
        web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(&format!("msg-{id}")));
    if let Some(element) = element {
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Center);
        element.scroll_into_view_with_scroll_into_view_options(&options);
    }
}

/// Props of [`ChatPage`].
#[derive(Properties, PartialEq)]
pub struct ChatPageProps {
    /// Conversation global id.
    pub id: String,
}

/// The chat view.
#[function_component(ChatPage)]
pub fn chat_page(props: &ChatPageProps) -> Html {
    let chat = use_chat();
    let session = use_session();
    let error = use_state(|| None::<String>);
    let loading_older = use_state(|| false);
    let joining = use_state(|| false);
    let show_members = use_state(|| false);
    let navigator = use_navigator();
    let live = use_live();
    let viewer = session.as_ref().and_then(|s| s.viewer().cloned());
    let reply_to = use_state(|| None::<ReplyPreview>);
    let jump_target = use_state(|| None::<String>);
    let jump_pages = use_mut_ref(|| 0u32);
    let highlighted = use_state(|| None::<String>);
    let location = use_location();
    let query_target = location.and_then(|l| l.query::<JumpQuery>().ok()).and_then(|q| q.m);

    // `?m=<message id>` (from search or a notification) jumps to that message.
    {
        let jump_target = jump_target.clone();
        use_effect_with(query_target, move |target| {
            if target.is_some() {
                jump_target.set(target.clone());
            }
        });
    }

    // Watch who types here while on screen (and no toasts for this conversation).
    {
        let live = live.as_ref().map(|l| l.dispatcher());
        use_effect_with(props.id.clone(), move |id| {
            if let Some(live) = &live {
                live.dispatch(LiveAction::Opened(id.clone()));
            }
            ws::watch_typing(Some(id.clone()));
            let id = id.clone();
            move || {
                ws::unwatch_typing(&id);
                if let Some(live) = live {
                    live.dispatch(LiveAction::Closed(id));
                }
            }
        });
    }
    // Notifications about this conversation are read by looking at it.
    {
        let unread_here: Vec<String> =
            live.as_ref().map(|l| l.unread_notifications_in(&props.id)).unwrap_or_default();
        let visible = use_page_visible();
        let live = live.clone();
        use_effect_with((unread_here, visible), move |(ids, visible)| {
            if let (Some(live), false, true) = (live, ids.is_empty(), *visible) {
                mark_notifications_read(&live, Some(ids.clone()));
            }
        });
    }
    let on_typing = {
        let id = props.id.clone();
        Callback::from(move |typing: bool| {
            let id = id.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = live::set_typing(id, typing).await {
                    gloo::console::warn!(format!("setTyping: {e}"));
                }
            });
        })
    };

    let Some(chat) = chat else { return html! {} };
    let id = props.id.clone();
    let timeline = chat.timelines.get(&id).cloned();
    let loaded = timeline.as_ref().is_some_and(|t| t.loaded);
    let member_revision = timeline.as_ref().map_or(0, |t| t.member_revision);

    // First page, once the stream is synced (and again after a resync dropped it).
    {
        let chat = chat.clone();
        let error = error.clone();
        use_effect_with(
            (id.clone(), chat.synced, chat.generation, loaded),
            move |(id, synced, _, loaded)| {
                if *synced && !*loaded {
                    let id = id.clone();
                    chat.dispatch(ChatAction::HistoryRequested(id.clone()));
                    let chat = chat.dispatcher();
                    wasm_bindgen_futures::spawn_local(async move {
                        match queries::history(id, None).await {
                            Ok((meta, page)) => {
                                error.set(None);
                                chat.dispatch(ChatAction::HistoryLoaded { meta, page, older: false });
                            }
                            Err(e) => error.set(Some(e.to_string())),
                        }
                    });
                }
            },
        );
    }

    // Members joined or left: refetch the header for an exact member count.
    {
        let chat = chat.dispatcher();
        use_effect_with((id.clone(), member_revision), move |(id, revision)| {
            if *revision > 0 {
                let id = id.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(meta) = queries::conversation_info(id).await {
                        chat.dispatch(ChatAction::ConversationUpserted(meta));
                    }
                });
            }
        });
    }

    let on_load_older = {
        let chat = chat.dispatcher();
        let error = error.clone();
        let loading_older = loading_older.clone();
        let id = id.clone();
        let before = timeline.as_ref().and_then(|t| t.older_cursor.clone());
        Callback::from(move |_: ()| {
            if *loading_older {
                return;
            }
            let Some(before) = before.clone() else { return };
            loading_older.set(true);
            let (chat, error, loading_older, id) =
                (chat.clone(), error.clone(), loading_older.clone(), id.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match queries::history(id, Some(before)).await {
                    Ok((meta, page)) => chat.dispatch(ChatAction::HistoryLoaded { meta, page, older: true }),
                    Err(e) => error.set(Some(e.to_string())),
                }
                loading_older.set(false);
            });
        })
    };

    let sender = use_send_message(id.clone(), viewer.clone(), chat.dispatcher());

    // Jumping: once the target is loaded, scroll to it and highlight it; until then
    // load older pages (the message may be far back).
    {
        let (jump_target, jump_pages, highlighted, error) =
            (jump_target.clone(), jump_pages.clone(), highlighted.clone(), error.clone());
        let on_load_older = on_load_older.clone();
        let found =
            jump_target.as_ref().is_some_and(|t| timeline.as_ref().is_some_and(|tl| tl.contains_id(t)));
        let has_older = timeline.as_ref().is_some_and(|t| t.has_older);
        let count = timeline.as_ref().map_or(0, |t| t.messages.len());
        use_effect_with(
            ((*jump_target).clone(), found, loaded, has_older, count, *loading_older),
            move |(target, found, loaded, has_older, _, loading)| {
                let Some(target) = target.clone() else { return };
                if *found {
                    scroll_to_message(&target);
                    highlighted.set(Some(target));
                    jump_target.set(None);
                    *jump_pages.borrow_mut() = 0;
                    let highlighted = highlighted.clone();
                    gloo::timers::callback::Timeout::new(HIGHLIGHT_MS, move || highlighted.set(None))
                        .forget();
                } else if *loaded && !*loading {
                    let pages = *jump_pages.borrow();
                    if *has_older && pages < JUMP_MAX_PAGES {
                        *jump_pages.borrow_mut() = pages + 1;
                        on_load_older.emit(());
                    } else {
                        jump_target.set(None);
                        *jump_pages.borrow_mut() = 0;
                        error.set(Some("That message is not available any more.".to_owned()));
                    }
                }
            },
        );
    }
    let on_jump = {
        let jump_target = jump_target.clone();
        Callback::from(move |id: String| jump_target.set(Some(id)))
    };
    let on_send = {
        let (send, reply_to) = (sender.send.clone(), reply_to.clone());
        Callback::from(move |(body, attachments): (String, Vec<Attachment>)| {
            send.emit((body, attachments, (*reply_to).clone()));
            reply_to.set(None);
        })
    };
    let on_cancel_reply = {
        let reply_to = reply_to.clone();
        Callback::from(move |_: ()| reply_to.set(None))
    };

    let meta: Option<ConversationMeta> = timeline
        .as_ref()
        .and_then(|t| t.meta.clone())
        .or_else(|| chat.conversations.iter().find(|c| c.meta.id == id).map(|c| c.meta.clone()));
    let is_member = meta.as_ref().is_none_or(|m| m.is_member);
    let newest_id = chat.timeline(&id).and_then(|t| t.newest_confirmed_id()).map(str::to_owned);
    use_mark_read(id.clone(), newest_id.filter(|_| is_member), chat.dispatcher());

    let onjoin = {
        let chat = chat.dispatcher();
        let error = error.clone();
        let joining = joining.clone();
        let id = id.clone();
        Callback::from(move |_: MouseEvent| {
            joining.set(true);
            let (chat, error, joining, id) = (chat.clone(), error.clone(), joining.clone(), id.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match queries::join_room(id).await {
                    Ok(meta) => chat.dispatch(ChatAction::ConversationUpserted(meta)),
                    Err(e) => error.set(Some(e.to_string())),
                }
                joining.set(false);
            });
        })
    };

    let onleave = {
        let chat = chat.dispatcher();
        let error = error.clone();
        let id = id.clone();
        Callback::from(move |_: MouseEvent| {
            let (chat, error, id, navigator) = (chat.clone(), error.clone(), id.clone(), navigator.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match membership::leave(id.clone()).await {
                    Ok(()) => {
                        chat.dispatch(ChatAction::Left(id));
                        if let Some(navigator) = navigator {
                            navigator.push(&Route::Home);
                        }
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        })
    };
    let ontoggle_members = {
        let show_members = show_members.clone();
        Callback::from(move |_: MouseEvent| show_members.set(!*show_members))
    };
    let room_member = meta.as_ref().is_some_and(|m| m.kind == ConversationKind::Room && m.is_member);
    let onpins_policy = {
        let (chat, error, id) = (chat.dispatcher(), error.clone(), id.clone());
        Callback::from(move |e: Event| {
            let admin_only = e.target_unchecked_into::<web_sys::HtmlInputElement>().checked();
            let (chat, error, id) = (chat.clone(), error.clone(), id.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match membership::set_pins_admin_only(id, admin_only).await {
                    Ok(meta) => chat.dispatch(ChatAction::ConversationUpserted(meta)),
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        })
    };
    let members_panel = match (&meta, room_member && *show_members) {
        (Some(m), true) => html! {
            <>
                if m.viewer_moderates() {
                    <label class="room-setting">
                        <input type="checkbox" data-testid="pins-admin-only" checked={m.pins_admin_only}
                            onchange={onpins_policy} />
                        { " Only owners and admins may pin messages" }
                    </label>
                }
                <MembersPanel conversation_id={id.clone()} viewer_id={viewer.as_ref().map(|v| v.id.clone())}
                    viewer_role={m.viewer_role} revision={member_revision} />
            </>
        },
        _ => html! {},
    };

    let timeline = timeline.unwrap_or_default();
    let env = MessageEnv {
        viewer_id: viewer.as_ref().map(|v| v.id.clone()),
        viewer_username: viewer.as_ref().map(|v| v.username.clone()),
        moderator: meta.as_ref().is_some_and(ConversationMeta::viewer_moderates),
        may_pin: meta.as_ref().is_some_and(ConversationMeta::viewer_may_pin),
        member: is_member && meta.is_some(),
        highlighted: (*highlighted).clone(),
        on_retry: sender.retry.clone(),
        on_reply: {
            let reply_to = reply_to.clone();
            Callback::from(move |preview: ReplyPreview| reply_to.set(Some(preview)))
        },
        on_jump: on_jump.clone(),
        on_error: {
            let error = error.clone();
            Callback::from(move |e: String| error.set(Some(e)))
        },
    };
    let pinned = timeline.pinned.clone();
    html! {
        <div class="chat">
            <ChatHeader meta={meta.clone()} failed={error.is_some()} {room_member} members_open={*show_members}
                on_toggle_members={ontoggle_members} on_leave={onleave} />
            <LiveAnnouncer conversation_id={id.clone()} />
            { members_panel }
            if is_member && meta.is_some() {
                <PinsPanel {pinned} on_jump={on_jump.clone()} />
            }
            <FormError error={(*error).clone()} />
            <TimelineView key={id.clone()} timeline={timeline} loading_older={*loading_older} {on_load_older} {env} />
            <TypingLine conversation_id={id.clone()} />
            if is_member {
                <Composer key={id.clone()} conversation_id={id.clone()} {on_send} {on_typing} reply_to={(*reply_to).clone()} {on_cancel_reply} />
            } else {
                <div class="join-bar">
                    <span class="muted">{ "You are not a member of this room." }</span>
                    <button class="btn btn-primary" data-testid="join-room" onclick={onjoin}
                        disabled={*joining}>{ "Join" }</button>
                </div>
            }
        </div>
    }
}
