//! Queries of `conversations`: rooms and direct conversations, the viewer's
//! list, the public room directory, room settings.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::enums::{ConversationKind, Visibility};
use crate::ids::{ConversationId, UserId};
use crate::like::contains_pattern;
use crate::models::{Conversation, NewConversation};
use crate::paging::keyset;
use crate::schema::{conversations, members};

/// Inserts a conversation; `None` when a room of that name exists.
pub async fn insert_conversation(
    conn: &mut AsyncPgConnection,
    new: &NewConversation<'_>,
) -> QueryResult<Option<Conversation>> {
    diesel::insert_into(conversations::table)
        .values(new)
        .on_conflict_do_nothing()
        .returning(Conversation::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Loads conversations by id.
pub async fn conversations_by_ids(
    conn: &mut AsyncPgConnection,
    ids: &[ConversationId],
) -> QueryResult<Vec<Conversation>> {
    conversations::table
        .filter(conversations::id.eq_any(ids))
        .select(Conversation::as_select())
        .load(conn)
        .await
}

/// Locks a conversation row for the rest of the transaction (serializes joins,
/// leaves and role changes of one conversation).
pub async fn lock_conversation(
    conn: &mut AsyncPgConnection,
    id: ConversationId,
) -> QueryResult<Option<Conversation>> {
    conversations::table.find(id).select(Conversation::as_select()).for_update().first(conn).await.optional()
}

/// How stale a conversation's stored `last_activity_at` may be (see
/// [`touch_conversation`]).
pub const ACTIVITY_GRAIN: chrono::TimeDelta = chrono::TimeDelta::seconds(1);

/// Marks new activity (orders the conversation list), to within
/// [`ACTIVITY_GRAIN`]: the row is only rewritten when its stored time is older
/// than that. In a busy conversation most sends then neither write nor lock
/// the conversation row (a row the `WHERE` rejects is not locked), instead of
/// every send queueing on it until its transaction commits.
pub async fn touch_conversation(
    conn: &mut AsyncPgConnection,
    id: ConversationId,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(conversations::table.find(id))
        .filter(conversations::last_activity_at.lt(at - ACTIVITY_GRAIN))
        .set(conversations::last_activity_at.eq(at))
        .execute(conn)
        .await
        .map(drop)
}

/// The user's conversations, most recent activity first, after the keyset
/// `(last_activity_at, id)`.
pub async fn conversations_of(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    after: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> QueryResult<Vec<Conversation>> {
    let mut q = conversations::table
        .inner_join(members::table)
        .filter(members::user_id.eq(user_id))
        .select(Conversation::as_select())
        .order((conversations::last_activity_at.desc(), conversations::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(keyset::<_, Timestamptz>(
            "conversations.last_activity_at, conversations.id",
            "<",
            at,
            id,
        ));
    }
    q.load(conn).await
}

/// Public rooms by name, optionally filtered by a substring, after the keyset
/// `(lower(name), id)`.
pub async fn public_rooms(
    conn: &mut AsyncPgConnection,
    search: Option<&str>,
    after: Option<(String, i64)>,
    limit: i64,
) -> QueryResult<Vec<Conversation>> {
    let mut q = conversations::table
        .filter(conversations::visibility.eq(Visibility::Public))
        .filter(conversations::kind.eq(ConversationKind::Room))
        .select(Conversation::as_select())
        .order((sql::<Text>("lower(conversations.name)"), conversations::id))
        .limit(limit)
        .into_boxed();
    if let Some(s) = search.map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = contains_pattern(&s.to_lowercase());
        q = q.filter(sql::<Bool>("lower(conversations.name) LIKE ").bind::<Text, _>(pattern));
    }
    if let Some((name, id)) = after {
        q = q.filter(keyset::<_, Text>("lower(conversations.name), conversations.id", ">", name, id));
    }
    q.load(conn).await
}

/// The direct conversation of a pair, if it exists.
pub async fn direct_conversation(
    conn: &mut AsyncPgConnection,
    key: &str,
) -> QueryResult<Option<Conversation>> {
    conversations::table
        .filter(conversations::direct_key.eq(key))
        .select(Conversation::as_select())
        .first(conn)
        .await
        .optional()
}

/// Changes a room's name, topic (`Some(None)` clears it) and pin setting;
/// fields left `None` keep their value. A taken name fails with the unique
/// violation of `conversations_room_name_key`.
pub async fn update_room(
    conn: &mut AsyncPgConnection,
    id: ConversationId,
    name: Option<&str>,
    topic: Option<Option<&str>>,
    pins_admin_only: Option<bool>,
) -> QueryResult<Conversation> {
    let current: Conversation =
        conversations::table.find(id).select(Conversation::as_select()).first(conn).await?;
    diesel::update(conversations::table.find(id))
        .set((
            conversations::name.eq(name.or(current.name.as_deref())),
            conversations::topic.eq(topic.unwrap_or(current.topic.as_deref())),
            conversations::pins_admin_only.eq(pins_admin_only.unwrap_or(current.pins_admin_only)),
        ))
        .returning(Conversation::as_returning())
        .get_result(conn)
        .await
}
