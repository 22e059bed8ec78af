//! Relay pagination arguments: validated, capped at 100.

use crate::error::bad_request;

/// Largest `first`/`last`.
pub const MAX_PAGE: i32 = 100;
/// Page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE: i32 = 20;

/// Validated pagination arguments.
#[derive(Debug, Clone)]
pub struct PageArgs {
    /// Rows wanted.
    pub limit: i64,
    /// Paging backwards (`last`/`before`).
    pub backward: bool,
    /// The cursor to continue from.
    pub cursor: Option<String>,
}

/// Validates Relay arguments (either forward or backward, not both).
pub fn page_args(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> async_graphql::Result<PageArgs> {
    let backward = last.is_some() || before.is_some();
    if backward && (first.is_some() || after.is_some()) {
        return Err(bad_request("use either first/after or last/before, not both"));
    }
    let n = if backward { last } else { first }.unwrap_or(DEFAULT_PAGE);
    if !(0..=MAX_PAGE).contains(&n) {
        return Err(bad_request(format!("first/last must be between 0 and {MAX_PAGE}")));
    }
    Ok(PageArgs { limit: i64::from(n), backward, cursor: if backward { before } else { after } })
}

/// Forward-only arguments.
pub fn forward(first: Option<i32>, after: Option<String>) -> async_graphql::Result<PageArgs> {
    page_args(first, after, None, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_enforced() {
        assert_eq!(forward(None, None).unwrap().limit, 20);
        assert!(forward(Some(101), None).is_err());
        assert!(forward(Some(-1), None).is_err());
        assert!(page_args(Some(1), None, Some(1), None).is_err());
        let p = page_args(None, None, Some(5), Some("c".into())).unwrap();
        assert!(p.backward && p.limit == 5 && p.cursor.as_deref() == Some("c"));
    }
}
