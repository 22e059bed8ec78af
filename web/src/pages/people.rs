//! `/people`: find users, message them directly, keep contacts, block.

use gloo::timers::callback::Timeout;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::people::{self, Person, Relation};
use crate::components::{bind, FormError, PersonItem};
use crate::hooks::use_chat;
use crate::route::Route;
use crate::state::ChatAction;

/// Delay after typing before searching.
const SEARCH_DEBOUNCE_MS: u32 = 250;

/// Replaces the entry for `person` in a list, if it is there.
fn replace(list: &UseStateHandle<Option<Vec<Person>>>, person: &Person) {
    if let Some(current) = list.as_ref() {
        let updated = current
            .iter()
            .map(|p| {
                if p.user.id != person.user.id {
                    return p.clone();
                }
                // Relation answers do not carry the bio: keep the one we have.
                Person { bio: person.bio.clone().or_else(|| p.bio.clone()), ..person.clone() }
            })
            .collect();
        list.set(Some(updated));
    }
}

/// Fetches the contact list into `contacts`.
fn load_contacts(contacts: UseStateHandle<Option<Vec<Person>>>, error: UseStateHandle<Option<String>>) {
    wasm_bindgen_futures::spawn_local(async move {
        match people::contacts().await {
            Ok(list) => contacts.set(Some(list)),
            Err(e) => error.set(Some(e.to_string())),
        }
    });
}

/// People page.
#[function_component(PeoplePage)]
pub fn people_page() -> Html {
    let chat = use_chat();
    let navigator = use_navigator();
    let query = use_state(String::new);
    let results = use_state(|| None::<Vec<Person>>);
    let contacts = use_state(|| None::<Vec<Person>>);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);

    {
        let (contacts, error) = (contacts.clone(), error.clone());
        use_effect_with((), move |_| load_contacts(contacts, error));
    }
    {
        let (results, error) = (results.clone(), error.clone());
        use_effect_with((*query).clone(), move |query| {
            let query = query.trim().to_owned();
            let timer = (!query.is_empty()).then(|| {
                Timeout::new(SEARCH_DEBOUNCE_MS, move || {
                    wasm_bindgen_futures::spawn_local(async move {
                        match people::search_users(query).await {
                            Ok(list) => results.set(Some(list)),
                            Err(e) => error.set(Some(e.to_string())),
                        }
                    });
                })
            });
            move || drop(timer)
        });
    }

    let on_message = {
        let (busy, error) = (busy.clone(), error.clone());
        Callback::from(move |user_id: String| {
            if *busy {
                return;
            }
            busy.set(true);
            error.set(None);
            let (busy, error, chat, navigator) =
                (busy.clone(), error.clone(), chat.clone(), navigator.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match people::open_direct(user_id).await {
                    Ok(meta) => {
                        let id = meta.id.clone();
                        if let Some(chat) = &chat {
                            chat.dispatch(ChatAction::ConversationUpserted(meta));
                        }
                        if let Some(navigator) = &navigator {
                            navigator.push(&Route::Chat { id });
                        }
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };

    let on_relation = {
        let (busy, error, results, contacts) =
            (busy.clone(), error.clone(), results.clone(), contacts.clone());
        Callback::from(move |(user_id, relation): (String, Relation)| {
            if *busy {
                return;
            }
            busy.set(true);
            error.set(None);
            let (busy, error, results, contacts) =
                (busy.clone(), error.clone(), results.clone(), contacts.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match people::set_relation(user_id, relation).await {
                    Ok(person) => {
                        replace(&results, &person);
                        load_contacts(contacts, error);
                        crate::api::ws::refresh_presence();
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };

    let list = |items: &Option<Vec<Person>>, testid: &'static str, empty: &'static str| match items {
        None => html! {},
        Some(items) if items.is_empty() => html! { <p class="muted">{ empty }</p> },
        Some(items) => html! {
            <ul class="room-list">
                { for items.iter().map(|p| html! {
                    <PersonItem key={p.user.id.clone()} person={p.clone()} testid={testid}
                        presence={testid == "contact-item"} on_message={on_message.clone()} on_relation={on_relation.clone()} busy={*busy} />
                }) }
            </ul>
        },
    };
    let searching = !query.trim().is_empty();

    html! {
        <div class="page rooms-page people-page">
            <h1>{ "People" }</h1>
            <input class="search" type="search" placeholder="Search by name or @username"
                aria-label="Search people" data-testid="people-search"
                value={(*query).clone()} oninput={bind(&query)} />
            <FormError error={(*error).clone()} />
            if searching {
                { list(&results, "person-item", "Nobody found.") }
            }
            <h2>{ "Contacts" }</h2>
            { list(&contacts, "contact-item", "No contacts yet.") }
        </div>
    }
}
