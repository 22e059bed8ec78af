//! `/c/:id`: header, timeline with history paging, composer with optimistic sends.
//! History is loaded only once the event stream holds a cursor, so together they
//! leave no gap (see docs/CONTRACT.md).

use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::{live, membership, queries, ws};
use crate::app::Route;
use crate::components::{
    mark_notifications_read, Composer, FormError, MembersPanel, TimelineView, TypingLine,
};
use crate::hooks::{use_chat, use_live, use_mark_read, use_page_visible, use_send_message, use_session};
use crate::state::{ChatAction, ConversationKind, ConversationMeta, LiveAction};

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
    let members_panel = match (&meta, room_member && *show_members) {
        (Some(m), true) => html! {
            <MembersPanel conversation_id={id.clone()} viewer_id={viewer.as_ref().map(|v| v.id.clone())}
                viewer_role={m.viewer_role} revision={member_revision} />
        },
        _ => html! {},
    };

    let header = match &meta {
        Some(meta) => {
            let members = if meta.member_count == 1 {
                "1 member".to_owned()
            } else {
                format!("{} members", meta.member_count)
            };
            html! {
                <header class="chat-header">
                    <div class="titles">
                        <h1 data-testid="conversation-title">{ meta.title() }</h1>
                        if let Some(topic) = meta.topic.as_ref().filter(|t| !t.is_empty()) {
                            <p class="topic" data-testid="conversation-topic">{ topic.clone() }</p>
                        }
                    </div>
                    <div class="header-actions">
                        <span class="members muted" data-testid="member-count">{ members }</span>
                        if room_member {
                            <button class="btn btn-small" data-testid="members-toggle"
                                aria-expanded={(*show_members).to_string()}
                                onclick={ontoggle_members.clone()}>{ "Members" }</button>
                            <button class="btn btn-small btn-quiet" data-testid="leave-room"
                                onclick={onleave.clone()}>{ "Leave" }</button>
                        }
                    </div>
                </header>
            }
        }
        None => {
            let title = if error.is_some() { "Conversation unavailable" } else { "Loading…" };
            html! {
                <header class="chat-header">
                    <h1 data-testid="conversation-title" class="muted">{ title }</h1>
                </header>
            }
        }
    };

    let timeline = timeline.unwrap_or_default();
    html! {
        <div class="chat">
            { header }
            { members_panel }
            <FormError error={(*error).clone()} />
            <TimelineView timeline={timeline} viewer_id={viewer.map(|v| v.id)}
                loading_older={*loading_older} {on_load_older} on_retry={sender.retry.clone()} />
            <TypingLine conversation_id={id.clone()} />
            if is_member {
                <Composer on_send={sender.send.clone()} {on_typing} />
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
