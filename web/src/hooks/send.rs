//! Optimistic sending: the message shows at once as pending, becomes the confirmed
//! message when the server answers (or its event arrives), or is marked failed with a
//! retry that reuses the same client id so the server stores it once. Network failures
//! are retried automatically a few times before the message is marked failed.

use yew::prelude::*;

use gloo::timers::future::TimeoutFuture;

use crate::api::{queries, ApiError};
use crate::state::{Attachment, ChatAction, ChatState, Delivery, Message, ReplyPreview, UserRef};

/// Callbacks to send a new message or retry a failed one.
#[derive(Clone, PartialEq)]
pub struct SendHandle {
    /// Sends a new message: body, uploaded attachments (shown at once from their local
    /// previews), and the quoted original if it is a reply.
    pub send: Callback<(String, Vec<Attachment>, Option<ReplyPreview>)>,
    /// Resends a failed message (same client id, body, reply and attachments).
    pub retry: Callback<Message>,
}

/// A random client id (UUID v4 from `crypto.getRandomValues`, `Math.random` fallback).
pub fn new_client_id() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        for b in &mut bytes {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

fn now_rfc3339() -> String {
    js_sys::Date::new_0().to_iso_string().into()
}

/// Delays before automatic resends after a network failure (same client id, so safe).
const AUTO_RETRY_MS: [u32; 4] = [1_000, 2_000, 4_000, 8_000];

/// Whether a failure may go away by itself (network, server restarting).
fn transient(error: &ApiError) -> bool {
    match error {
        ApiError::Network(_) => true,
        ApiError::Http(status) => *status >= 500 || *status == 429,
        _ => false,
    }
}

fn deliver(
    chat: UseReducerDispatcher<ChatState>,
    conversation_id: String,
    body: String,
    client_id: String,
    reply_to_id: Option<String>,
    attachment_ids: Vec<String>,
) {
    wasm_bindgen_futures::spawn_local(async move {
        let mut delays = AUTO_RETRY_MS.iter();
        let outcome = loop {
            let result = queries::send_message(
                conversation_id.clone(),
                body.clone(),
                client_id.clone(),
                reply_to_id.clone(),
                attachment_ids.clone(),
            )
            .await;
            match (result, delays.next()) {
                (Err(e), Some(delay)) if transient(&e) => TimeoutFuture::new(*delay).await,
                (result, _) => break result,
            }
        };
        match outcome {
            Ok(message) => chat.dispatch(ChatAction::SendConfirmed(message)),
            Err(e) => {
                chat.dispatch(ChatAction::SendFailed { conversation_id, client_id, error: e.to_string() })
            }
        }
    });
}

/// Send and retry callbacks for one conversation, as `viewer`.
#[hook]
pub fn use_send_message(
    conversation_id: String,
    viewer: Option<UserRef>,
    chat: UseReducerDispatcher<ChatState>,
) -> SendHandle {
    let send = {
        let chat = chat.clone();
        let conversation_id = conversation_id.clone();
        use_callback(
            (conversation_id, viewer),
            move |(body, attachments, reply_to): (String, Vec<Attachment>, Option<ReplyPreview>),
                  (conversation_id, viewer)| {
                let Some(sender) = viewer.clone() else { return };
                let client_id = new_client_id();
                let reply_to_id = reply_to.as_ref().map(|r| r.id.clone());
                let attachment_ids = attachments.iter().map(|a| a.id.clone()).collect();
                chat.dispatch(ChatAction::SendStarted(Message {
                    id: None,
                    client_id: client_id.clone(),
                    conversation_id: conversation_id.clone(),
                    sender,
                    body: Some(body.clone()),
                    created_at: now_rfc3339(),
                    delivery: Delivery::Pending,
                    settled: false,
                    reply_to,
                    attachments,
                    ..Message::default()
                }));
                deliver(chat.clone(), conversation_id.clone(), body, client_id, reply_to_id, attachment_ids);
            },
        )
    };
    let retry = use_callback(conversation_id, move |m: Message, conversation_id| {
        chat.dispatch(ChatAction::RetryStarted {
            conversation_id: conversation_id.clone(),
            client_id: m.client_id.clone(),
        });
        let body = m.body.unwrap_or_default();
        let reply_to_id = m.reply_to.map(|r| r.id);
        let attachment_ids = m.attachments.into_iter().map(|a| a.id).collect();
        deliver(chat.clone(), conversation_id.clone(), body, m.client_id, reply_to_id, attachment_ids);
    });
    SendHandle { send, retry }
}
