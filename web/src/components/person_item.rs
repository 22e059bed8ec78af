//! One person in the user search results or the contact list, with their actions.

use yew::prelude::*;

use super::{Avatar, PresenceDot};
use crate::api::people::{Person, Relation};

/// Props of [`PersonItem`].
#[derive(Properties, PartialEq)]
pub struct PersonItemProps {
    /// The person.
    pub person: Person,
    /// `data-testid` of the row (`person-item` or `contact-item`).
    pub testid: AttrValue,
    /// Opens the direct conversation with this user id.
    pub on_message: Callback<String>,
    /// Changes the relation to this user id.
    pub on_relation: Callback<(String, Relation)>,
    /// Shows the presence dot (contacts).
    #[prop_or_default]
    pub presence: bool,
    /// Disables the buttons while a call runs.
    #[prop_or_default]
    pub busy: bool,
}

/// Display name, @username, and Message / contact / block buttons.
#[function_component(PersonItem)]
pub fn person_item(props: &PersonItemProps) -> Html {
    let p = &props.person;
    let id = p.user.id.clone();
    let relation = |rel: Relation| {
        let (cb, id) = (props.on_relation.clone(), id.clone());
        Callback::from(move |_: MouseEvent| cb.emit((id.clone(), rel)))
    };
    let onmessage = {
        let (cb, id) = (props.on_message.clone(), id.clone());
        Callback::from(move |_: MouseEvent| cb.emit(id.clone()))
    };
    let contact = if p.is_contact {
        html! { <button class="btn btn-small" data-testid="remove-contact" disabled={props.busy}
        onclick={relation(Relation::RemoveContact)}>{ "Remove contact" }</button> }
    } else {
        html! { <button class="btn btn-small" data-testid="add-contact" disabled={props.busy}
        onclick={relation(Relation::AddContact)}>{ "Add contact" }</button> }
    };
    let block = if p.is_blocked {
        html! { <button class="btn btn-small" data-testid="unblock-person" disabled={props.busy}
        onclick={relation(Relation::Unblock)}>{ "Unblock" }</button> }
    } else {
        html! { <button class="btn btn-small btn-quiet" data-testid="block-person" disabled={props.busy}
        onclick={relation(Relation::Block)}>{ "Block" }</button> }
    };
    html! {
        <li class="room-item person-item" data-testid={props.testid.clone()} data-user-id={id.clone()}>
            <Avatar user={p.user.clone()} size={36} />
            <div class="room-info">
                if props.presence {
                    <PresenceDot user_id={id.clone()} />
                }
                <span class="name" data-testid="person-name">{ p.user.display_name.clone() }</span>
                <span class="muted">{ format!("@{}", p.user.username) }
                    if p.is_blocked { { " · blocked" } }
                </span>
                if let Some(bio) = p.bio.as_ref().filter(|b| !b.trim().is_empty()) {
                    <span class="bio muted" data-testid="person-bio">{ bio.clone() }</span>
                }
            </div>
            <div class="actions">
                <button class="btn btn-small btn-primary" data-testid="message-person" disabled={props.busy}
                    onclick={onmessage}>{ "Message" }</button>
                { contact }
                { block }
            </div>
        </li>
    }
}
