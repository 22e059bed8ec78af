//! The live extras on the stream's socket: `presence`, `typing` and
//! `notifications`, each under its own operation id, and what their `next`
//! messages become ([`LiveSignal`]s).

use gloo::net::websocket::WebSocketError;
use graphql_client::{GraphQLQuery, Response};

use super::{send, typing_target, LiveSignal, Sink, StreamCallbacks};
use crate::api::live::from_stream;
use crate::api::ops::{notification_stream, presence, typing, Presence, Typing};
use crate::api::protocol::ClientMsg;
use crate::state::model::UserRef;

/// Prefix of the presence operation ids (it is renewed when the set of related users grows).
const PRESENCE_PREFIX: &str = "presence-";
/// Id of the notification operation.
pub(super) const NOTIFICATIONS_ID: &str = "notifications";

/// State of the extra operations that outlives one connection.
#[derive(Default)]
pub(super) struct Extras {
    /// Cursor of the last notification delivered.
    pub(super) notification_cursor: Option<String>,
    /// Operation id and conversation of the current typing subscription.
    pub(super) typing: Option<(String, String)>,
    /// Counter for fresh typing operation ids (late events of an old one are ignored).
    typing_serial: u32,
    /// Id of the current presence operation.
    presence: Option<String>,
    /// Counter for fresh presence operation ids.
    presence_serial: u32,
}

/// (Re)subscribes presence for all contacts and co-members, ending the old operation.
pub(super) async fn sync_presence(
    tx: &mut Sink,
    extras: &mut Extras,
    connected_before: bool,
) -> Result<(), WebSocketError> {
    if let Some(id) = extras.presence.take() {
        if connected_before {
            send(tx, &ClientMsg::Complete { id }).await?;
        }
    }
    extras.presence_serial = extras.presence_serial.wrapping_add(1);
    let id = format!("{PRESENCE_PREFIX}{}", extras.presence_serial);
    send(tx, &subscribe_msg::<Presence>(&id, presence::Variables)).await?;
    extras.presence = Some(id);
    Ok(())
}

pub(super) fn subscribe_msg<Q: GraphQLQuery>(id: &str, variables: Q::Variables) -> ClientMsg {
    let payload = serde_json::to_value(Q::build_query(variables)).unwrap_or_default();
    ClientMsg::Subscribe { id: id.to_owned(), payload }
}

/// Subscribes the typing operation for the wanted conversation (ending the old one).
pub(super) async fn sync_typing(
    tx: &mut Sink,
    extras: &mut Extras,
    connected_before: bool,
) -> Result<(), WebSocketError> {
    let wanted = typing_target();
    if extras.typing.as_ref().map(|(_, c)| c) == wanted.as_ref() && connected_before {
        return Ok(());
    }
    if let Some((id, _)) = extras.typing.take() {
        if connected_before {
            send(tx, &ClientMsg::Complete { id }).await?;
        }
    }
    if let Some(conversation_id) = wanted {
        extras.typing_serial = extras.typing_serial.wrapping_add(1);
        let id = format!("typing-{}", extras.typing_serial);
        let msg =
            subscribe_msg::<Typing>(&id, typing::Variables { conversation_id: conversation_id.clone() });
        send(tx, &msg).await?;
        extras.typing = Some((id, conversation_id));
    }
    Ok(())
}

/// Parses a `next` payload; `Err` with the error text if the server reported errors.
fn parse_next<T: serde::de::DeserializeOwned>(payload: serde_json::Value) -> Result<Option<T>, String> {
    let answer: Response<T> = serde_json::from_value(payload).map_err(|e| format!("bad event: {e}"))?;
    if let Some(errors) = answer.errors.filter(|e| !e.is_empty()) {
        let messages: Vec<String> = errors.into_iter().map(|e| e.message).collect();
        return Err(messages.join(" "));
    }
    Ok(answer.data)
}

/// Handles a `next` of one of the extra operations.
pub(super) fn on_extra_next(id: &str, payload: serde_json::Value, cb: &StreamCallbacks, extras: &mut Extras) {
    let result = if id.starts_with(PRESENCE_PREFIX) {
        parse_next::<presence::ResponseData>(payload).map(|data| {
            if let Some(data) = data {
                let p = data.presence;
                cb.on_live.emit(LiveSignal::Presence { user_id: p.user.id, online: p.online });
            }
        })
    } else if id == NOTIFICATIONS_ID {
        parse_next::<notification_stream::ResponseData>(payload).map(|data| {
            if let Some(data) = data {
                let event = data.notifications;
                extras.notification_cursor = Some(event.cursor);
                cb.on_live.emit(LiveSignal::Notification(from_stream(event.notification)));
            }
        })
    } else if extras.typing.as_ref().is_some_and(|(op, _)| op == id) {
        parse_next::<typing::ResponseData>(payload).map(|data| {
            if let Some(data) = data {
                let t = data.typing;
                let user = UserRef {
                    id: t.user.id,
                    username: t.user.username,
                    display_name: t.user.display_name,
                    avatar_url: None,
                };
                cb.on_live.emit(LiveSignal::Typing {
                    conversation_id: t.conversation_id,
                    user,
                    typing: t.typing,
                });
            }
        })
    } else {
        Ok(())
    };
    if let Err(e) = result {
        gloo::console::warn!(format!("{id}: {e}"));
        if extras.typing.as_ref().is_some_and(|(op, _)| op == id) {
            // E.g. not a member yet: subscribed again on the next wake (a join).
            extras.typing = None;
        }
    }
}
