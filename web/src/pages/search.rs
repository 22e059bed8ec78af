//! `/search?q=…&c=…`: message search over the viewer's conversations (optionally
//! one), newest first, with the matches marked; a result opens its conversation
//! at the message.

use web_sys::HtmlSelectElement;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::messages::{self, SearchHit};
use crate::components::{bind, format_time, FormError};
use crate::highlight;
use crate::hooks::use_chat;
use crate::route::{open_search, JumpQuery, Route, SearchQuery};

/// Longest query the server accepts (chars).
const MAX_QUERY: usize = 200;

/// The search page.
#[function_component(SearchPage)]
pub fn search_page() -> Html {
    let location = use_location();
    let navigator = use_navigator();
    let chat = use_chat();
    let query = location.and_then(|l| l.query::<SearchQuery>().ok()).unwrap_or_default();
    let text = use_state(|| query.q.clone().unwrap_or_default());
    let hits = use_state(Vec::<SearchHit>::new);
    let next = use_state(|| None::<String>);
    let loading = use_state(|| false);
    let searched = use_state(|| false);
    let error = use_state(|| None::<String>);

    // A new query (from the header or this page) starts a new search.
    {
        let (hits, next, loading, searched, error, text) =
            (hits.clone(), next.clone(), loading.clone(), searched.clone(), error.clone(), text.clone());
        use_effect_with(query.clone(), move |query| {
            let q = query.q.clone().unwrap_or_default();
            text.set(q.clone());
            hits.set(Vec::new());
            next.set(None);
            searched.set(false);
            error.set(None);
            let q = q.trim().to_owned();
            if !q.is_empty() {
                loading.set(true);
                let conversation = query.c.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    match messages::search(q, conversation, None).await {
                        Ok(page) => {
                            hits.set(page.hits);
                            next.set(page.next);
                        }
                        Err(e) => error.set(Some(e.to_string())),
                    }
                    searched.set(true);
                    loading.set(false);
                });
            }
        });
    }

    let onsubmit = {
        let (navigator, text, c) = (navigator.clone(), text.clone(), query.c.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let q: String = text.trim().chars().take(MAX_QUERY).collect();
            if let (Some(navigator), false) = (navigator.as_ref(), q.is_empty()) {
                open_search(navigator, SearchQuery { q: Some(q), c: c.clone() });
            }
        })
    };
    let onfilter = {
        let (navigator, q) = (navigator.clone(), query.q.clone());
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Some(navigator) = navigator.as_ref() {
                open_search(navigator, SearchQuery { q: q.clone(), c: (!value.is_empty()).then_some(value) });
            }
        })
    };
    let onmore = {
        let (hits, next, loading, error, query) =
            (hits.clone(), next.clone(), loading.clone(), error.clone(), query.clone());
        Callback::from(move |_: MouseEvent| {
            let (Some(after), Some(q)) = ((*next).clone(), query.q.clone()) else { return };
            loading.set(true);
            let (hits, next, loading, error, c) =
                (hits.clone(), next.clone(), loading.clone(), error.clone(), query.c.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match messages::search(q.trim().to_owned(), c, Some(after)).await {
                    Ok(page) => {
                        let mut all = (*hits).clone();
                        all.extend(
                            page.hits
                                .into_iter()
                                .filter(|h| !hits.iter().any(|o| o.message_id == h.message_id)),
                        );
                        hits.set(all);
                        next.set(page.next);
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
                loading.set(false);
            });
        })
    };

    let conversations = chat.as_ref().map(|c| c.conversations.clone()).unwrap_or_default();
    let selected = query.c.clone().unwrap_or_default();
    let options = conversations.iter().map(|c| {
        html! { <option value={c.meta.id.clone()} selected={c.meta.id == selected}>{ c.meta.title() }</option> }
    });
    let items = hits.iter().map(|hit| {
        let onclick = {
            let navigator = navigator.clone();
            let (conversation, message) = (hit.conversation_id.clone(), hit.message_id.clone());
            Callback::from(move |_: MouseEvent| {
                if let Some(navigator) = navigator.as_ref() {
                    let route = Route::Chat { id: conversation.clone() };
                    if navigator.push_with_query(&route, &JumpQuery { m: Some(message.clone()) }).is_err() {
                        navigator.push(&route);
                    }
                }
            })
        };
        html! {
            <li>
                <button type="button" class="search-result" data-testid="search-result"
                    data-message-id={hit.message_id.clone()} data-conversation-id={hit.conversation_id.clone()}
                    {onclick}>
                    <div class="meta">
                        <span class="sender" data-testid="search-result-sender">{ hit.sender.display_name.clone() }</span>
                        <span class="conversation muted" data-testid="search-result-conversation">
                            { format!("in {}", hit.conversation_title) }
                        </span>
                        <time datetime={hit.created_at.clone()}>{ format_time(&hit.created_at) }</time>
                    </div>
                    <div class="snippet" data-testid="search-result-snippet">
                        { highlight::render(&hit.snippet, &hit.highlights) }
                    </div>
                </button>
            </li>
        }
    });
    let has_query = query.q.as_ref().is_some_and(|q| !q.trim().is_empty());
    html! {
        <div class="page search-page">
            <h1>{ "Search messages" }</h1>
            <form class="search-form" {onsubmit}>
                <input type="search" data-testid="search-page-input" aria-label="Search messages"
                    placeholder="Words to find…" maxlength="200" value={(*text).clone()} oninput={bind(&text)} />
                <select data-testid="search-conversation-filter" aria-label="Conversation" onchange={onfilter}>
                    <option value="" selected={selected.is_empty()}>{ "All conversations" }</option>
                    { for options }
                </select>
                <button type="submit" class="btn btn-primary" data-testid="search-submit">{ "Search" }</button>
            </form>
            <FormError error={(*error).clone()} />
            if *loading && hits.is_empty() {
                <p class="muted" data-testid="search-loading">{ "Searching…" }</p>
            }
            if *searched && hits.is_empty() && has_query && error.is_none() {
                <p class="muted" data-testid="search-empty">{ "No messages match." }</p>
            }
            <ul class="search-results" data-testid="search-results" data-count={hits.len().to_string()}>
                { for items }
            </ul>
            if next.is_some() {
                <button type="button" class="btn" data-testid="search-more" onclick={onmore}
                    disabled={*loading}>{ if *loading { "Loading…" } else { "More results" } }</button>
            }
        </div>
    }
}
