//! Keyset pagination: callers pass the last seen key and a limit, and get rows
//! in a stable order. Every paginated query continues with `keyset()`.

use diesel::dsl::sql;
use diesel::expression::{AsExpression, SqlLiteral, UncheckedBind};
use diesel::sql_types::{BigInt, Bool};

/// Which way a timeline page goes.
#[derive(Debug, Clone, Copy)]
pub enum Direction {
    /// Oldest first, after the key.
    Forward,
    /// Newest first, before the key (callers reverse for display).
    Backward,
}

/// A keyset condition `(<columns>) <op> (key, id)`: the one shape every
/// paginated query here uses to continue after (or before) a cursor.
pub(crate) type Keyset<K, KT> = SqlLiteral<
    Bool,
    UncheckedBind<
        SqlLiteral<Bool, UncheckedBind<SqlLiteral<Bool>, <K as AsExpression<KT>>::Expression>>,
        <i64 as AsExpression<BigInt>>::Expression,
    >,
>;

/// The condition `(<columns>) <op> (key, id)`; `columns` and `op` are literals
/// of the calling query, never user input.
pub(crate) fn keyset<K, KT>(columns: &str, op: &str, key: K, id: i64) -> Keyset<K, KT>
where
    KT: diesel::sql_types::SqlType + diesel::expression::TypedExpressionType,
    K: AsExpression<KT>,
{
    sql::<Bool>(&format!("({columns}) {op} (")).bind::<KT, K>(key).sql(", ").bind::<BigInt, i64>(id).sql(")")
}
