//! SQL fragments every search shares, and raw statements for both databases.

use domain::text::escape_like;
use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef, LikeExpr, PgFunc, SimpleExpr};
use sea_orm::{DbBackend, Statement, Value};
use uuid::Uuid;

/// A raw statement for `backend`: each `{}` in `template` becomes the next placeholder (`$n`
/// on PostgreSQL, `?` on SQLite), bound to `values` in order.
pub fn statement(backend: DbBackend, template: &str, values: Vec<Value>) -> Statement {
    let mut out = String::with_capacity(template.len() + 16);
    let mut parts = template.split("{}").enumerate().peekable();
    while let Some((i, part)) = parts.next() {
        out.push_str(part);
        if parts.peek().is_some() {
            match backend {
                DbBackend::Postgres => out.push_str(&format!("${}", i + 1)),
                _ => out.push('?'),
            }
        }
    }
    Statement::from_sql_and_values(backend, out, values)
}

/// `LIKE '%text%'` matching `text` literally: `%`, `_` and `\` in it are escaped.
pub fn contains(text: &str) -> LikeExpr {
    LikeExpr::new(format!("%{}%", escape_like(text))).escape('\\')
}

/// `column IN (ids)`. On PostgreSQL `column = ANY($1)`: one array parameter whatever the
/// count, so a loader's statement has one text for every page and its prepared statement and
/// plan are reused, where `IN ($1, …, $n)` was a new statement to parse and plan for each `n`.
pub fn among(column: impl IntoColumnRef, ids: &[Uuid], backend: DbBackend) -> SimpleExpr {
    match backend {
        DbBackend::Postgres => Expr::col(column).eq(PgFunc::any(Expr::val(ids.to_vec()))),
        _ => Expr::col(column).is_in(ids.iter().copied()),
    }
}

/// `a OR b OR …` as a balanced tree. Folding conditions with `Condition::any` nests one level
/// per item, and the SQL builder walks that nesting recursively: a long list would exhaust
/// the stack. Balanced, the depth is the logarithm of the length.
pub fn any_of(mut exprs: Vec<Expr>) -> Expr {
    if exprs.len() > 1 {
        let right = exprs.split_off(exprs.len() / 2);
        return any_of(exprs).or(any_of(right));
    }
    exprs.pop().unwrap_or_else(|| Expr::value(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_number_their_placeholders_per_backend() {
        let pg = statement(
            DbBackend::Postgres,
            "a = {} AND b = {}",
            vec![1.into(), 2.into()],
        );
        assert_eq!(pg.sql, "a = $1 AND b = $2");
        let lite = statement(
            DbBackend::Sqlite,
            "a = {} AND b = {}",
            vec![1.into(), 2.into()],
        );
        assert_eq!(lite.sql, "a = ? AND b = ?");
    }
    use sea_orm::sea_query::{Alias, PostgresQueryBuilder, Query};

    #[test]
    fn any_of_binds_every_value_in_a_shallow_tree() {
        let exprs = (0..100_000)
            .map(|i| ExprTrait::eq(Expr::col(Alias::new("t")), format!("v{i}")))
            .collect();
        let (sql, values) = Query::select()
            .column(Alias::new("t"))
            .from(Alias::new("x"))
            .and_where(any_of(exprs))
            .build(PostgresQueryBuilder);
        assert_eq!(values.0.len(), 100_000);
        assert!(sql.contains("\"t\" = $1 ") && sql.contains("\"t\" = $100000"));
        assert_eq!(sql.matches(" OR ").count(), 99_999);
    }
}
