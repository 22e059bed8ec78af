//! `/rooms`: search public rooms, join or open them, create a room.

use gloo::timers::callback::Timeout;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::queries::{self, Room};
use crate::components::{bind, FormError};
use crate::hooks::use_chat;
use crate::route::Route;
use crate::state::ChatAction;

/// Delay after typing before searching.
const SEARCH_DEBOUNCE_MS: u32 = 250;

/// Room browser page.
#[function_component(RoomsPage)]
pub fn rooms_page() -> Html {
    let chat = use_chat();
    let navigator = use_navigator();
    let query = use_state(String::new);
    let rooms = use_state(|| None::<Vec<Room>>);
    let list_error = use_state(|| None::<String>);
    let name = use_state(String::new);
    let topic = use_state(String::new);
    let private = use_state(|| false);
    let create_error = use_state(|| None::<String>);
    let busy = use_state(|| false);

    {
        let rooms = rooms.clone();
        let list_error = list_error.clone();
        use_effect_with((*query).clone(), move |query| {
            let query = query.trim().to_owned();
            let timer = Timeout::new(SEARCH_DEBOUNCE_MS, move || {
                wasm_bindgen_futures::spawn_local(async move {
                    let filter = (!query.is_empty()).then_some(query);
                    match queries::public_rooms(filter).await {
                        Ok(list) => {
                            list_error.set(None);
                            rooms.set(Some(list));
                        }
                        Err(e) => list_error.set(Some(e.to_string())),
                    }
                });
            });
            move || drop(timer)
        });
    }

    // Joining or creating lands in the room, which is now in the viewer's list.
    let enter = {
        let chat = chat.clone();
        let navigator = navigator.clone();
        Callback::from(move |meta: crate::state::ConversationMeta| {
            let id = meta.id.clone();
            if let Some(chat) = &chat {
                chat.dispatch(ChatAction::ConversationUpserted(meta));
            }
            if let Some(navigator) = &navigator {
                navigator.push(&Route::Chat { id });
            }
        })
    };

    let onjoin = {
        let enter = enter.clone();
        let busy = busy.clone();
        let list_error = list_error.clone();
        Callback::from(move |id: String| {
            if *busy {
                return;
            }
            busy.set(true);
            let (enter, busy, list_error) = (enter.clone(), busy.clone(), list_error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match queries::join_room(id).await {
                    Ok(meta) => enter.emit(meta),
                    Err(e) => list_error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };

    let oncreate = {
        let (name, topic, busy, create_error) =
            (name.clone(), topic.clone(), busy.clone(), create_error.clone());
        let private = private.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            let room_name = name.trim().to_owned();
            if room_name.is_empty() {
                create_error.set(Some("Give the room a name.".to_owned()));
                return;
            }
            let room_topic = topic.trim().to_owned();
            let is_private = *private;
            busy.set(true);
            create_error.set(None);
            let (enter, busy, create_error) = (enter.clone(), busy.clone(), create_error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let topic = (!room_topic.is_empty()).then_some(room_topic);
                match queries::create_room(room_name, topic, is_private).await {
                    Ok(meta) => enter.emit(meta),
                    Err(e) => create_error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };

    let list = match &*rooms {
        None => html! { <p class="muted">{ "Loading rooms…" }</p> },
        Some(list) if list.is_empty() => html! { <p class="muted">{ "No rooms found." }</p> },
        Some(list) => html! {
            <ul class="room-list">
                { for list.iter().map(|room| room_item(room, &onjoin, *busy)) }
            </ul>
        },
    };

    html! {
        <div class="page rooms-page">
            <h1>{ "Public rooms" }</h1>
            <input class="search" type="search" placeholder="Search rooms" aria-label="Search rooms"
                data-testid="room-search" value={(*query).clone()} oninput={bind(&query)} />
            <FormError error={(*list_error).clone()} />
            { list }
            <form class="card create-room" onsubmit={oncreate}>
                <h2>{ "Create a room" }</h2>
                <label>{ "Name" }
                    <input data-testid="create-room-name" required=true maxlength="100"
                        value={(*name).clone()} oninput={bind(&name)} />
                </label>
                <label>{ "Topic " }<span class="muted">{ "(optional)" }</span>
                    <input data-testid="create-room-topic" maxlength="500"
                        value={(*topic).clone()} oninput={bind(&topic)} />
                </label>
                <label class="checkbox">
                    <input type="checkbox" data-testid="create-room-private" checked={*private}
                        onchange={toggle(&private)} />
                    { " Private (invite only)" }
                </label>
                <FormError error={(*create_error).clone()} />
                <button type="submit" class="btn btn-primary" data-testid="create-room-submit"
                    disabled={*busy}>{ "Create room" }</button>
            </form>
        </div>
    }
}

/// An `onchange` handler that stores a checkbox's state.
fn toggle(state: &UseStateHandle<bool>) -> Callback<Event> {
    let state = state.clone();
    Callback::from(move |e: Event| {
        state.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().checked());
    })
}

fn room_item(room: &Room, onjoin: &Callback<String>, busy: bool) -> Html {
    let action = if room.is_member {
        let id = room.id.clone();
        html! {
            <crate::components::AppLink to={Route::Chat { id }} testid="open-room" class="btn">
                { "Open" }
            </crate::components::AppLink>
        }
    } else {
        let id = room.id.clone();
        let onjoin = onjoin.clone();
        html! {
            <button class="btn btn-primary" data-testid="join-room" disabled={busy}
                onclick={Callback::from(move |_| onjoin.emit(id.clone()))}>{ "Join" }</button>
        }
    };
    let members =
        if room.member_count == 1 { "1 member".to_owned() } else { format!("{} members", room.member_count) };
    html! {
        <li key={room.id.clone()} class="room-item" data-testid="room-item">
            <div class="room-info">
                <span class="name">{ room.name.clone() }</span>
                <span class="muted">{ members }</span>
                if let Some(topic) = &room.topic {
                    <span class="topic">{ topic.clone() }</span>
                }
            </div>
            { action }
        </li>
    }
}
