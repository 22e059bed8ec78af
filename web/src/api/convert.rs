//! Conversions from the generated operation types to the domain model. Each operation
//! has its own generated structs of the same shape, hence the small macros.

use super::ops::{
    conversation_events as ev, conversation_history as hist, conversation_info as info,
    conversations as convs, create_room, delete_message, edit_message, invite_to_room, join_room, leave_room,
    login, message_by_id as by_id, open_direct_conversation as open_dm, pin_message, refresh_session,
    register, remove_member, send_message, toggle_reaction, unpin_message, update_room,
};
use crate::state::model::{
    Attachment, AttachmentKind, ConversationEvent, ConversationKind, ConversationMeta, ConversationSummary,
    Delivery, EventPayload, HistoryPage, Message, ReactionGroup, ReplyPreview, Role, UserRef,
};

macro_rules! user_from {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for UserRef {
            fn from(u: $t) -> Self {
                UserRef { id: u.id, username: u.username, display_name: u.display_name, avatar_url: None }
            }
        }
    )*};
}

/// Like `user_from!`, for selections that carry `avatarUrl`.
macro_rules! user_with_avatar_from {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for UserRef {
            fn from(u: $t) -> Self {
                UserRef { id: u.id, username: u.username, display_name: u.display_name, avatar_url: u.avatar_url }
            }
        }
    )*};
}

user_from!(
    register::AuthFieldsUser,
    login::AuthFieldsUser,
    refresh_session::AuthFieldsUser,
    convs::ConversationsConversationsNodesLastMessageSender,
    ev::ConversationEventsConversationEventsPayloadOnMemberJoinedMemberUser,
    ev::ConversationEventsConversationEventsPayloadOnMemberLeftUser,
    ev::ConversationEventsConversationEventsPayloadOnReadReceiptMovedUser,
    ev::ConversationEventsConversationEventsPayloadOnDeliveryMovedUser,
    hist::ConversationHistoryConversationMessagesNodesSeenBy,
    hist::ConversationHistoryConversationMessagesNodesDeliveredTo,
);

impl From<convs::ConversationsConversationsNodesLastMessage> for Message {
    fn from(m: convs::ConversationsConversationsNodesLastMessage) -> Self {
        Message {
            id: Some(m.id),
            client_id: m.client_id,
            conversation_id: m.conversation_id,
            sender: m.sender.into(),
            body: m.body,
            created_at: m.created_at,
            delivery: Delivery::Confirmed,
            settled: true,
            ..Message::default()
        }
    }
}

/// `From` impls for one operation module's `MessageFields` and `ReactionFields` fragments
/// (every module generates its own copy of the fragments' types).
macro_rules! message_fields_from {
    ($($m:ident),* $(,)?) => {$(
        user_from!($m::MessageFieldsReplyToSender, $m::ReactionFieldsUsers);
        user_with_avatar_from!($m::MessageFieldsSender);

        impl From<$m::AttachmentFields> for Attachment {
            fn from(a: $m::AttachmentFields) -> Self {
                Attachment {
                    id: a.id,
                    kind: match a.kind {
                        $m::AttachmentKind::IMAGE => AttachmentKind::Image,
                        $m::AttachmentKind::AUDIO => AttachmentKind::Audio,
                        $m::AttachmentKind::VIDEO => AttachmentKind::Video,
                        _ => AttachmentKind::File,
                    },
                    filename: a.filename,
                    content_type: a.content_type,
                    byte_size: a.byte_size,
                    url: a.url,
                    thumbnail_url: a.thumbnail_url,
                    width: a.width,
                    height: a.height,
                    placeholder: a.placeholder,
                    duration_ms: a.duration_ms,
                    voice: a.voice,
                    waveform: a.waveform.unwrap_or_default(),
                }
            }
        }

        impl From<$m::ReactionFields> for ReactionGroup {
            fn from(r: $m::ReactionFields) -> Self {
                ReactionGroup {
                    emoji: r.emoji,
                    count: r.count,
                    reacted_by_viewer: r.reacted_by_viewer,
                    users: r.users.into_iter().map(UserRef::from).collect(),
                }
            }
        }

        impl From<$m::MessageFields> for Message {
            fn from(m: $m::MessageFields) -> Self {
                let deleted = m.deleted_at.is_some();
                Message {
                    id: Some(m.id),
                    client_id: m.client_id,
                    conversation_id: m.conversation_id,
                    sender: m.sender.into(),
                    body: m.body.filter(|_| !deleted),
                    created_at: m.created_at,
                    delivery: Delivery::Confirmed,
                    settled: true,
                    seen_by: Vec::new(),
                    delivered_to: Vec::new(),
                    edited_at: m.edited_at,
                    deleted_at: m.deleted_at,
                    reply_to: m.reply_to.map(|r| ReplyPreview {
                        id: r.id,
                        sender: r.sender.into(),
                        body: r.body.filter(|_| r.deleted_at.is_none()),
                    }),
                    reactions: m.reactions.into_iter().map(ReactionGroup::from).collect(),
                    pinned: m.pinned && !deleted,
                    mentions: m.mentions.into_iter().map(|n| n.to_lowercase()).collect(),
                    attachments: if deleted {
                        Vec::new()
                    } else {
                        m.attachments.into_iter().map(Attachment::from).collect()
                    },
                }
            }
        }
    )*};
}

message_fields_from!(
    hist,
    send_message,
    ev,
    edit_message,
    delete_message,
    toggle_reaction,
    pin_message,
    unpin_message,
    by_id,
);

/// `From` impls for one operation module's `ConversationFields` fragment.
macro_rules! meta_from {
    ($($module:ident),* $(,)?) => {$(
        impl From<&$module::ConversationFields> for ConversationMeta {
            fn from(c: &$module::ConversationFields) -> Self {
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
                    viewer_role: c.viewer_role.as_ref().map(|r| match r {
                        $module::MemberRole::OWNER => Role::Owner,
                        $module::MemberRole::ADMIN => Role::Admin,
                        _ => Role::Member,
                    }),
                    peer: c.peer.as_ref().map(|p| UserRef {
                        id: p.id.clone(),
                        username: p.username.clone(),
                        display_name: p.display_name.clone(),
                        avatar_url: None,
                    }),
                    unread_count: c.unread_count,
                    pins_admin_only: c.pins_admin_only,
                }
            }
        }
    )*};
}

meta_from!(
    convs,
    hist,
    info,
    create_room,
    join_room,
    open_dm,
    invite_to_room,
    remove_member,
    leave_room,
    ev,
    update_room,
);

impl From<convs::ConversationsConversationsNodes> for ConversationSummary {
    fn from(c: convs::ConversationsConversationsNodes) -> Self {
        let meta = ConversationMeta::from(&c.conversation_fields);
        let unread = c.conversation_fields.unread_count;
        ConversationSummary { meta, last_message: c.last_message.map(Message::from), unread }
    }
}

/// Splits a history answer into the conversation header and the page of messages.
pub fn history(c: hist::ConversationHistoryConversation) -> (ConversationMeta, HistoryPage) {
    let meta = ConversationMeta::from(&c.conversation_fields);
    let page = HistoryPage {
        messages: c
            .messages
            .nodes
            .into_iter()
            .map(|node| {
                let seen_by: Vec<UserRef> = node.seen_by.into_iter().map(UserRef::from).collect();
                let delivered_to: Vec<UserRef> = node.delivered_to.into_iter().map(UserRef::from).collect();
                Message { seen_by, delivered_to, ..Message::from(node.message_fields) }
            })
            .collect(),
        has_older: c.messages.page_info.has_previous_page,
        start_cursor: c.messages.page_info.start_cursor,
        pinned: c.pinned_messages.into_iter().map(Message::from).collect(),
    };
    (meta, page)
}

impl From<ev::ConversationEventsConversationEvents> for ConversationEvent {
    fn from(e: ev::ConversationEventsConversationEvents) -> Self {
        use ev::ConversationEventsConversationEventsPayload as P;
        let payload = match e.payload {
            P::MessageCreated(p) => EventPayload::MessageCreated(p.message.into()),
            P::MessageEdited(p) => EventPayload::MessageEdited(p.message.into()),
            P::MessageDeleted(p) => EventPayload::MessageDeleted(p.message.into()),
            P::MessagePinned(p) => EventPayload::MessagePinned(p.message.into()),
            P::MessageUnpinned(p) => EventPayload::MessageUnpinned(p.message.into()),
            P::ReactionsChanged(p) => EventPayload::ReactionsChanged {
                message_id: p.message_id,
                reactions: p.reactions.into_iter().map(ReactionGroup::from).collect(),
            },
            P::ConversationUpdated(p) => {
                EventPayload::ConversationUpdated(ConversationMeta::from(&p.conversation))
            }
            P::MemberJoined(p) => EventPayload::MemberJoined(p.member.user.into()),
            P::MemberLeft(p) => EventPayload::MemberLeft(p.user.into()),
            P::ReadReceiptMoved(p) => {
                EventPayload::ReadReceiptMoved { user: p.user.into(), message_id: p.message_id }
            }
            P::DeliveryMoved(p) => {
                EventPayload::DeliveryMoved { user: p.user.into(), message_id: p.message_id }
            }
            #[allow(unreachable_patterns)]
            _ => EventPayload::Other,
        };
        ConversationEvent { cursor: e.cursor, conversation_id: e.conversation_id, at: e.at, payload }
    }
}
