//! Queries of receipts: how far each member has read (`read_positions`) and
//! what was delivered to them (`delivered_positions`), and unread counts.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::ids::{ConversationId, MessageId, UserId};
use crate::models::{Message, ReadPosition, User};
use crate::schema::{read_positions, users};

/// Moves a reader's position forward to `message` (never backwards); the new
/// position when it moved.
pub async fn advance_read_position(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    message: &Message,
) -> QueryResult<Option<ReadPosition>> {
    diesel::sql_query(
        "INSERT INTO read_positions AS r (conversation_id, user_id, message_id, tx)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (conversation_id, user_id) DO UPDATE
           SET message_id = EXCLUDED.message_id, tx = EXCLUDED.tx, updated_at = now()
           WHERE (r.tx, r.message_id) < (EXCLUDED.tx, EXCLUDED.message_id)
         RETURNING conversation_id, user_id, message_id, tx, updated_at",
    )
    .bind::<BigInt, _>(message.conversation_id)
    .bind::<BigInt, _>(user_id)
    .bind::<BigInt, _>(message.id)
    .bind::<BigInt, _>(message.tx)
    .get_result::<ReadPositionRow>(conn)
    .await
    .optional()
    .map(|r| r.map(ReadPositionRow::into_model))
}

#[derive(QueryableByName)]
struct ReadPositionRow {
    #[diesel(sql_type = BigInt)]
    conversation_id: ConversationId,
    #[diesel(sql_type = BigInt)]
    user_id: UserId,
    #[diesel(sql_type = BigInt)]
    message_id: MessageId,
    #[diesel(sql_type = BigInt)]
    tx: i64,
    #[diesel(sql_type = Timestamptz)]
    updated_at: DateTime<Utc>,
}

impl ReadPositionRow {
    fn into_model(self) -> ReadPosition {
        ReadPosition {
            conversation_id: self.conversation_id,
            user_id: self.user_id,
            message_id: self.message_id,
            tx: self.tx,
            updated_at: self.updated_at,
        }
    }
}

/// Read positions of every member of the given conversations, with the readers.
pub async fn read_positions_in(
    conn: &mut AsyncPgConnection,
    conversation_ids: &[ConversationId],
) -> QueryResult<Vec<(ReadPosition, User)>> {
    read_positions::table
        .inner_join(users::table.on(users::id.eq(read_positions::user_id)))
        .filter(read_positions::conversation_id.eq_any(conversation_ids))
        .select((ReadPosition::as_select(), User::as_select()))
        .load(conn)
        .await
}

/// Messages from others after the user's read position, per conversation.
pub async fn unread_counts(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    conversation_ids: &[ConversationId],
) -> QueryResult<HashMap<ConversationId, i64>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        conversation_id: ConversationId,
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    // One count per conversation, starting at the read position: the row
    // comparison is a range of the timeline index (conversation_id, tx, id), so
    // only unread messages are visited. (An `r.tx IS NULL OR ...` filter read
    // every message of the room: 470 ms per page at 10M messages.) Never read:
    // from (-1, -1), before every message.
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT c.id AS conversation_id,
                (SELECT count(*) FROM messages m
                 WHERE m.conversation_id = c.id
                   AND (m.tx, m.id) > (coalesce(r.tx, -1), coalesce(r.message_id, -1))
                   AND m.sender_id <> $1
                   AND m.deleted_at IS NULL) AS n
         FROM unnest($2::bigint[]) AS c(id)
         LEFT JOIN read_positions r ON r.conversation_id = c.id AND r.user_id = $1",
    )
    .bind::<BigInt, _>(user_id)
    .bind::<diesel::sql_types::Array<BigInt>, _>(conversation_ids)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.conversation_id, r.n)).collect())
}

/// One advanced delivery position.
#[derive(Debug, Clone, QueryableByName)]
pub struct DeliveryMoved {
    /// Conversation.
    #[diesel(sql_type = BigInt)]
    pub conversation_id: ConversationId,
    /// Recipient.
    #[diesel(sql_type = BigInt)]
    pub user_id: UserId,
    /// Newest message delivered.
    #[diesel(sql_type = BigInt)]
    pub message_id: MessageId,
}

/// Moves delivery positions forward (never back) in one statement; returns
/// the ones that moved. Rows: (conversation, user, message id, message tx).
pub async fn advance_delivered(
    conn: &mut AsyncPgConnection,
    rows: &[(ConversationId, UserId, MessageId, i64)],
) -> QueryResult<Vec<DeliveryMoved>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let conversations: Vec<ConversationId> = rows.iter().map(|r| r.0).collect();
    let users: Vec<UserId> = rows.iter().map(|r| r.1).collect();
    let messages: Vec<MessageId> = rows.iter().map(|r| r.2).collect();
    let txs: Vec<i64> = rows.iter().map(|r| r.3).collect();
    diesel::sql_query(
        "INSERT INTO delivered_positions AS d (conversation_id, user_id, message_id, tx)
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[])
         ON CONFLICT (conversation_id, user_id) DO UPDATE
           SET message_id = EXCLUDED.message_id, tx = EXCLUDED.tx, updated_at = now()
           WHERE (d.tx, d.message_id) < (EXCLUDED.tx, EXCLUDED.message_id)
         RETURNING conversation_id, user_id, message_id",
    )
    .bind::<diesel::sql_types::Array<BigInt>, _>(conversations)
    .bind::<diesel::sql_types::Array<BigInt>, _>(users)
    .bind::<diesel::sql_types::Array<BigInt>, _>(messages)
    .bind::<diesel::sql_types::Array<BigInt>, _>(txs)
    .load(conn)
    .await
}

/// Delivery positions (conversation, user with their row, message id, tx) in the
/// given conversations.
pub async fn delivered_positions_in(
    conn: &mut AsyncPgConnection,
    conversation_ids: &[ConversationId],
) -> QueryResult<Vec<(ConversationId, User, MessageId, i64)>> {
    use crate::schema::delivered_positions as d;
    d::table
        .inner_join(users::table.on(users::id.eq(d::user_id)))
        .filter(d::conversation_id.eq_any(conversation_ids))
        .select((d::conversation_id, User::as_select(), d::message_id, d::tx))
        .load(conn)
        .await
}
