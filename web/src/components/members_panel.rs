//! A room's member list with invite-by-username and remove buttons (by role).

use yew::prelude::*;

use crate::api::membership::{self, MemberInfo};
use crate::api::people;
use crate::api::ApiError;
use crate::components::{Avatar, FormError, PresenceDot};
use crate::state::Role;

/// Props of [`MembersPanel`].
#[derive(Properties, PartialEq)]
pub struct MembersPanelProps {
    /// The room.
    pub conversation_id: String,
    /// The logged-in user.
    pub viewer_id: Option<String>,
    /// The viewer's role in the room.
    pub viewer_role: Option<Role>,
    /// Bumped when members join or leave (reloads the list).
    pub revision: u32,
}

/// Finds a user by exact username (case-insensitive) through `searchUsers`, then invites them.
async fn invite_by_username(conversation_id: String, username: String) -> Result<(), ApiError> {
    let wanted = username.trim().trim_start_matches('@').to_owned();
    let found = people::search_users(wanted.clone()).await?;
    let user =
        found.into_iter().find(|p| p.user.username.eq_ignore_ascii_case(&wanted)).ok_or_else(|| {
            ApiError::User(vec![(format!("Nobody is called @{wanted}."), "NOT_FOUND".to_owned())])
        })?;
    membership::invite(conversation_id, user.user.id).await.map(|_| ())
}

/// Member list (`member-item`), invite form (`invite-username`, `invite-submit`).
#[function_component(MembersPanel)]
pub fn members_panel(props: &MembersPanelProps) -> Html {
    let members = use_state(|| None::<Vec<MemberInfo>>);
    let error = use_state(|| None::<String>);
    let username = use_state(String::new);
    let busy = use_state(|| false);
    let reload = use_state(|| 0u32);

    {
        let (members, error) = (members.clone(), error.clone());
        let deps = (props.conversation_id.clone(), props.revision, *reload);
        use_effect_with(deps, move |(id, _, _)| {
            let id = id.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match membership::members(id).await {
                    Ok(list) => members.set(Some(list)),
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        });
    }

    // Runs a call, then reloads the list or shows its error.
    let run = {
        let (busy, error, reload) = (busy.clone(), error.clone(), reload.clone());
        move |call: std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ApiError>>>>| {
            if *busy {
                return;
            }
            busy.set(true);
            error.set(None);
            let (busy, error, reload) = (busy.clone(), error.clone(), reload.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match call.await {
                    Ok(()) => reload.set(reload.wrapping_add(1)),
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        }
    };

    let oninvite = {
        let (run, username, id) = (run.clone(), username.clone(), props.conversation_id.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let name = username.trim().to_owned();
            if name.is_empty() {
                return;
            }
            username.set(String::new());
            run(Box::pin(invite_by_username(id.clone(), name)));
        })
    };

    let viewer_role = props.viewer_role;
    let items = members.as_ref().map(|list| {
        list.iter()
            .map(|m| {
                let is_self = props.viewer_id.as_deref() == Some(m.user.id.as_str());
                let removable = !is_self && viewer_role.is_some_and(|r| r.can_remove(m.role));
                let onremove = {
                    let (run, id, user_id) = (run.clone(), props.conversation_id.clone(), m.user.id.clone());
                    Callback::from(move |_: MouseEvent| {
                        run(Box::pin(membership::remove(id.clone(), user_id.clone())));
                    })
                };
                html! {
                    <li key={m.user.id.clone()} class="member-item" data-testid="member-item"
                        data-user-id={m.user.id.clone()}>
                        <Avatar user={m.user.clone()} size={28} />
                        <PresenceDot user_id={m.user.id.clone()} />
                        <span class="name">{ m.user.display_name.clone() }</span>
                        <span class="muted">{ format!(" @{} · {}", m.user.username, m.role.label()) }</span>
                        if removable {
                            <button class="btn btn-small btn-quiet" data-testid="remove-member"
                                disabled={*busy} onclick={onremove}>{ "Remove" }</button>
                        }
                    </li>
                }
            })
            .collect::<Html>()
    });

    html! {
        <section class="members-panel" data-testid="members-panel">
            <ul class="member-list">{ items.unwrap_or_else(|| html! { <li class="muted">{ "Loading…" }</li> }) }</ul>
            <form class="invite" onsubmit={oninvite}>
                <input data-testid="invite-username" placeholder="Invite by @username"
                    aria-label="Invite by username" value={(*username).clone()}
                    oninput={crate::components::bind(&username)} />
                <button type="submit" class="btn btn-small" data-testid="invite-submit"
                    disabled={*busy}>{ "Invite" }</button>
            </form>
            <FormError error={(*error).clone()} />
        </section>
    }
}
