//! Message search: word-prefix full-text matches (`simple` configuration, so no
//! language is favoured) or substring matches (trigram index, for scripts that
//! do not separate words with spaces), only in the searcher's conversations,
//! newest first.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::ids::{ConversationId, UserId};
use crate::like::contains_pattern;
use crate::models::{Message, User};
use crate::schema::{members, messages, users};

/// What to look for and where.
#[derive(Debug, Clone)]
pub struct MessageSearch {
    /// The searcher: only conversations they are a member of are searched.
    pub viewer: UserId,
    /// The query as typed (trimmed, non-empty).
    pub text: String,
    /// Only this conversation.
    pub conversation_id: Option<ConversationId>,
    /// Only this sender.
    pub sender_id: Option<UserId>,
    /// Sent at or after.
    pub since: Option<DateTime<Utc>>,
    /// Sent before.
    pub until: Option<DateTime<Utc>>,
    /// Continue after this `(tx, id)` (going back in time).
    pub before: Option<(i64, i64)>,
    /// Page size.
    pub limit: i64,
}

/// The words of a query as the `simple` text-search parser would see them:
/// runs of letters and digits, lower-cased, at most ten.
pub fn query_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .take(10)
        .collect()
}

/// A `to_tsquery` text requiring every word as a prefix: `'a':* & 'b':*`.
/// Words hold only letters and digits, so no quoting is needed.
pub fn prefix_tsquery(words: &[String]) -> String {
    words.iter().map(|w| format!("'{w}':*")).collect::<Vec<_>>().join(" & ")
}

/// One page of matches with their senders, newest first.
pub async fn search_messages(
    conn: &mut AsyncPgConnection,
    search: &MessageSearch,
) -> QueryResult<Vec<(Message, User)>> {
    let words = query_words(&search.text);
    let tsquery = prefix_tsquery(&words);
    // The viewer's conversations as a literal list, not a subquery: with the
    // actual ids the planner knows how few of the table's rows are in scope, so
    // a word common elsewhere but rare in the viewer's rooms does not send it
    // walking the whole table newest first (2.5 s at 1M rows, 3 of 1,000 rooms;
    // 47 ms this way).
    let mut scope: Vec<ConversationId> = members::table
        .filter(members::user_id.eq(search.viewer))
        .select(members::conversation_id)
        .load(conn)
        .await?;
    if let Some(c) = search.conversation_id {
        scope.retain(|id| *id == c);
    }
    if scope.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = messages::table
        .inner_join(users::table.on(users::id.eq(messages::sender_id)))
        .filter(messages::deleted_at.is_null())
        .filter(messages::conversation_id.eq_any(scope))
        .select((Message::as_select(), User::as_select()))
        .order((messages::tx.desc(), messages::id.desc()))
        .limit(search.limit)
        .into_boxed();
    let like = contains_pattern(&search.text);
    // The expression must be the indexed one (messages_search_words) verbatim.
    // A query without letters or digits (say "%") has no words: substring only.
    q = if tsquery.is_empty() {
        q.filter(sql::<Bool>("messages.body ILIKE ").bind::<Text, _>(like))
    } else {
        q.filter(
            sql::<Bool>("(to_tsvector('simple', coalesce(messages.body, '')) @@ to_tsquery('simple', ")
                .bind::<Text, _>(tsquery)
                .sql(") OR messages.body ILIKE ")
                .bind::<Text, _>(like)
                .sql(")"),
        )
    };
    if let Some(s) = search.sender_id {
        q = q.filter(messages::sender_id.eq(s));
    }
    if let Some(since) = search.since {
        q = q.filter(messages::created_at.ge(since));
    }
    if let Some(until) = search.until {
        q = q.filter(messages::created_at.lt(until));
    }
    if let Some((tx, id)) = search.before {
        q = q.filter(
            sql::<Bool>("(messages.tx, messages.id) < (")
                .bind::<BigInt, _>(tx)
                .sql(", ")
                .bind::<BigInt, _>(id)
                .sql(")"),
        );
    }
    q.load(conn).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_on_anything_but_letters_and_digits() {
        assert_eq!(query_words("Hello, wörld! 42x"), vec!["hello", "wörld", "42x"]);
        assert_eq!(query_words("東京タワー 行く"), vec!["東京タワー", "行く"]);
        assert_eq!(query_words("'; DROP TABLE--"), vec!["drop", "table"]);
        assert!(query_words("!!! ...").is_empty());
    }

    #[test]
    fn tsquery_requires_every_word_as_prefix() {
        assert_eq!(prefix_tsquery(&query_words("ab cd")), "'ab':* & 'cd':*");
        assert_eq!(prefix_tsquery(&[]), "");
    }
}
