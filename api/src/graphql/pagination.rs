//! Relay pagination for every connection: arguments validated and capped at
//! 100, the cursor decoded into the list's key, and one "fetch one more,
//! truncate, build the connection" step.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{ObjectType, OutputType};

use super::cursor::{Cursor, KeyOf};
use crate::error::bad_request;

/// Largest `first`/`last`.
pub const MAX_PAGE: i32 = 100;
/// Page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE: i32 = 20;

/// Validated pagination arguments of a list keyed by `K`.
#[derive(Debug, Clone)]
pub struct Page<K> {
    /// Rows wanted.
    pub limit: i64,
    /// Paging backwards (`last`/`before`).
    pub backward: bool,
    /// The cursor to continue from, decoded by [`Page::key`].
    cursor: Option<String>,
    /// Picks the list's key out of a cursor.
    key_of: KeyOf<K>,
}

impl<K> Page<K> {
    /// Validates Relay arguments (either forward or backward, not both).
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        key: KeyOf<K>,
    ) -> async_graphql::Result<Self> {
        let backward = last.is_some() || before.is_some();
        if backward && (first.is_some() || after.is_some()) {
            return Err(bad_request("use either first/after or last/before, not both"));
        }
        let n = if backward { last } else { first }.unwrap_or(DEFAULT_PAGE);
        if !(0..=MAX_PAGE).contains(&n) {
            return Err(bad_request(format!("first/last must be between 0 and {MAX_PAGE}")));
        }
        let cursor = if backward { before } else { after };
        Ok(Page { limit: i64::from(n), backward, cursor, key_of: key })
    }

    /// Forward-only arguments.
    pub fn forward(first: Option<i32>, after: Option<String>, key: KeyOf<K>) -> async_graphql::Result<Self> {
        Self::new(first, after, None, None, key)
    }

    /// The key to continue from. Decoded only when asked for, so that a
    /// resolver's own checks (membership, query length) come first.
    pub fn key(&self) -> async_graphql::Result<Option<K>> {
        Ok(self.cursor.as_deref().map(|c| Cursor::decode_as(c, self.key_of)).transpose()?)
    }

    /// Rows to ask the database for: one more than the page, which tells
    /// whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// Builds the connection from what [`Page::fetch`] returned (in the
    /// direction of paging): truncated to the page, in the list's order, with
    /// page info and one edge per row.
    pub fn connection<R, N, E>(
        &self,
        mut rows: Vec<R>,
        edge: impl FnMut(R) -> Edge<String, N, E>,
    ) -> Connection<String, N, EmptyFields, E>
    where
        N: OutputType,
        E: ObjectType,
    {
        let more = rows.len() as i64 > self.limit;
        rows.truncate(usize::try_from(self.limit).unwrap_or(0));
        let from_cursor = self.cursor.is_some();
        let mut conn = if self.backward {
            rows.reverse();
            Connection::new(more, from_cursor)
        } else {
            Connection::new(from_cursor, more)
        };
        conn.edges.extend(rows.into_iter().map(edge));
        conn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_enforced() {
        assert_eq!(Page::forward(None, None, Cursor::message).unwrap().limit, 20);
        assert!(Page::forward(Some(101), None, Cursor::message).is_err());
        assert!(Page::forward(Some(-1), None, Cursor::message).is_err());
        assert!(Page::new(Some(1), None, Some(1), None, Cursor::message).is_err());
        let c = Cursor::Message(1, 2).encode();
        let p = Page::new(None, None, Some(5), Some(c), Cursor::message).unwrap();
        assert!(p.backward && p.limit == 5 && p.key().unwrap() == Some((1, 2)));
        assert!(Page::forward(None, Some("c".into()), Cursor::message).unwrap().key().is_err());
    }

    #[test]
    fn connection_truncates_and_reports_more() {
        let page = Page::forward(Some(2), None, Cursor::message).unwrap();
        let conn = page.connection(vec![1, 2, 3], |n: i32| Edge::new(n.to_string(), n));
        assert_eq!(conn.edges.len(), 2);
        assert!(conn.has_next_page && !conn.has_previous_page);
        let back =
            Page::new(None, None, Some(2), Some(Cursor::Message(9, 9).encode()), Cursor::message).unwrap();
        let conn = back.connection(vec![3, 2, 1], |n: i32| Edge::new(n.to_string(), n));
        assert_eq!(conn.edges.iter().map(|e| e.node).collect::<Vec<_>>(), vec![2, 3]);
        assert!(conn.has_previous_page && conn.has_next_page);
    }
}
