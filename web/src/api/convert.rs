//! Conversions from the generated operation types to the domain model. Each operation
//! has its own generated structs of the same shape, hence the small macros.

use super::ops::{
    conversation_events as ev, conversation_history as hist, conversation_info as info,
    conversations as convs, create_room, join_room, login, refresh_session, register, send_message,
};
use crate::state::model::{
    ConversationEvent, ConversationKind, ConversationMeta, ConversationSummary, Delivery, EventPayload,
    HistoryPage, Message, UserRef,
};

macro_rules! user_from {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for UserRef {
            fn from(u: $t) -> Self {
                UserRef { id: u.id, username: u.username, display_name: u.display_name }
            }
        }
    )*};
}

user_from!(
    register::RegisterRegisterUser,
    login::LoginLoginUser,
    refresh_session::RefreshSessionRefreshSessionUser,
    convs::ConversationsConversationsNodesLastMessageSender,
    hist::ConversationHistoryConversationMessagesNodesSender,
    send_message::SendMessageSendMessageMessageSender,
    ev::ConversationEventsConversationEventsPayloadOnMessageCreatedMessageSender,
    ev::ConversationEventsConversationEventsPayloadOnMemberJoinedMemberUser,
    ev::ConversationEventsConversationEventsPayloadOnMemberLeftUser,
);

macro_rules! message_from {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for Message {
            fn from(m: $t) -> Self {
                Message {
                    id: Some(m.id),
                    client_id: m.client_id,
                    conversation_id: m.conversation_id,
                    sender: m.sender.into(),
                    body: m.body,
                    created_at: m.created_at,
                    delivery: Delivery::Confirmed,
                    settled: true,
                }
            }
        }
    )*};
}

message_from!(
    convs::ConversationsConversationsNodesLastMessage,
    hist::ConversationHistoryConversationMessagesNodes,
    send_message::SendMessageSendMessageMessage,
    ev::ConversationEventsConversationEventsPayloadOnMessageCreatedMessage,
);

macro_rules! meta_from {
    ($($t:ty => $module:ident),* $(,)?) => {$(
        impl From<&$t> for ConversationMeta {
            fn from(c: &$t) -> Self {
                ConversationMeta {
                    id: c.id.clone(),
                    kind: match c.kind {
                        $module::ConversationKind::DIRECT => ConversationKind::Direct,
                        _ => ConversationKind::Room,
                    },
                    name: c.name.clone(),
                    topic: c.topic.clone(),
                    member_count: c.member_count,
                    last_activity_at: c.last_activity_at.clone(),
                    is_member: c.viewer_role.is_some(),
                }
            }
        }
    )*};
}

meta_from!(
    convs::ConversationsConversationsNodes => convs,
    hist::ConversationHistoryConversation => hist,
    info::ConversationInfoConversation => info,
    create_room::CreateRoomCreateRoomConversation => create_room,
    join_room::JoinRoomJoinRoomConversation => join_room,
);

impl From<convs::ConversationsConversationsNodes> for ConversationSummary {
    fn from(c: convs::ConversationsConversationsNodes) -> Self {
        let meta = ConversationMeta::from(&c);
        ConversationSummary { meta, last_message: c.last_message.map(Message::from) }
    }
}

/// Splits a history answer into the conversation header and the page of messages.
pub fn history(c: hist::ConversationHistoryConversation) -> (ConversationMeta, HistoryPage) {
    let meta = ConversationMeta::from(&c);
    let page = HistoryPage {
        messages: c.messages.nodes.into_iter().map(Message::from).collect(),
        has_older: c.messages.page_info.has_previous_page,
        start_cursor: c.messages.page_info.start_cursor,
    };
    (meta, page)
}

impl From<ev::ConversationEventsConversationEvents> for ConversationEvent {
    fn from(e: ev::ConversationEventsConversationEvents) -> Self {
        use ev::ConversationEventsConversationEventsPayload as P;
        let payload = match e.payload {
            P::MessageCreated(p) => EventPayload::MessageCreated(p.message.into()),
            P::MemberJoined(p) => EventPayload::MemberJoined(p.member.user.into()),
            P::MemberLeft(p) => EventPayload::MemberLeft(p.user.into()),
            #[allow(unreachable_patterns)]
            _ => EventPayload::Other,
        };
        ConversationEvent { cursor: e.cursor, conversation_id: e.conversation_id, at: e.at, payload }
    }
}
