//! The org tree, walked in SQL with recursive CTEs (never row by row from Rust).

use crate::error::AppResult;
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};
use uuid::Uuid;

/// Guards against a cycle that slipped in by hand: no real org is this deep.
const MAX_DEPTH: i32 = 64;

#[derive(FromQueryResult)]
struct TreeRow {
    id: Uuid,
    depth: i32,
}

fn placeholder(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_string(),
    }
}

/// `root` (depth 0) and everyone below it, with their depth, down to `max_depth`.
pub async fn subtree(
    db: &impl ConnectionTrait,
    root: Uuid,
    max_depth: Option<i32>,
) -> AppResult<Vec<(Uuid, i32)>> {
    let backend = db.get_database_backend();
    let sql = format!(
        "WITH RECURSIVE tree(id, depth) AS ( \
           SELECT id, 0 FROM users WHERE id = {} \
           UNION ALL \
           SELECT u.id, t.depth + 1 FROM users u JOIN tree t ON u.manager_id = t.id \
           WHERE t.depth < {} \
         ) SELECT id, depth FROM tree",
        placeholder(backend, 1),
        placeholder(backend, 2)
    );
    let limit = max_depth.unwrap_or(MAX_DEPTH).clamp(0, MAX_DEPTH);
    let rows = TreeRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        sql,
        [root.into(), limit.into()],
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.depth)).collect())
}

/// `user` followed by its manager, its manager's manager, … up to the root.
pub async fn chain_up(db: &impl ConnectionTrait, user: Uuid) -> AppResult<Vec<Uuid>> {
    let backend = db.get_database_backend();
    let sql = format!(
        "WITH RECURSIVE up(id, manager_id, depth) AS ( \
           SELECT id, manager_id, 0 FROM users WHERE id = {} \
           UNION ALL \
           SELECT u.id, u.manager_id, up.depth + 1 FROM users u JOIN up ON u.id = up.manager_id \
           WHERE up.depth < {} \
         ) SELECT id, depth FROM up",
        placeholder(backend, 1),
        placeholder(backend, 2)
    );
    let mut rows = TreeRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        sql,
        [user.into(), MAX_DEPTH.into()],
    ))
    .all(db)
    .await?;
    rows.sort_by_key(|r| r.depth);
    Ok(rows.into_iter().map(|r| r.id).collect())
}
