//! The org tree, kept as a closure table (`org_closure`: every ancestor, descendant and their
//! distance) in the same transaction as every change of a manager. "Everyone below me" is then
//! one indexed lookup with the actor as a bind parameter, for scopes and reports alike.

use crate::error::AppResult;
use entity::org_closure;
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashSet;
use uuid::Uuid;

/// `SELECT descendant_id FROM org_closure WHERE ancestor_id = $root`: `root` and everyone
/// below it, as a subquery for `IN`.
pub fn below(root: Uuid) -> SelectStatement {
    Query::select()
        .column(org_closure::Column::DescendantId)
        .from(org_closure::Entity)
        .and_where(Expr::col(org_closure::Column::AncestorId).eq(root))
        .to_owned()
}

/// `root` (depth 0) and everyone below it, with their depth, down to `max_depth`.
pub async fn subtree(
    db: &impl ConnectionTrait,
    root: Uuid,
    max_depth: Option<i32>,
) -> AppResult<Vec<(Uuid, i32)>> {
    let mut q = org_closure::Entity::find().filter(org_closure::Column::AncestorId.eq(root));
    if let Some(d) = max_depth {
        q = q.filter(org_closure::Column::Depth.lte(std::cmp::Ord::max(d, 0)));
    }
    let rows: Vec<(Uuid, i32)> = q
        .select_only()
        .column(org_closure::Column::DescendantId)
        .column(org_closure::Column::Depth)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows)
}

/// Whether `user` is `root` or anywhere below it.
pub async fn is_below(db: &impl ConnectionTrait, root: Uuid, user: Uuid) -> AppResult<bool> {
    Ok(org_closure::Entity::find_by_id((root, user))
        .one(db)
        .await?
        .is_some())
}

/// Those of `users` strictly below `root`, in one statement.
pub async fn strictly_below(
    db: &impl ConnectionTrait,
    root: Uuid,
    users: impl IntoIterator<Item = Uuid>,
) -> AppResult<HashSet<Uuid>> {
    let users: HashSet<Uuid> = users.into_iter().collect();
    if users.is_empty() {
        return Ok(users);
    }
    let rows: Vec<Uuid> = org_closure::Entity::find()
        .filter(org_closure::Column::AncestorId.eq(root))
        .filter(org_closure::Column::DescendantId.is_in(users))
        .filter(org_closure::Column::Depth.gt(0))
        .select_only()
        .column(org_closure::Column::DescendantId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The people `root` may hand customers to: `root` and everyone below.
pub async fn team(db: &impl ConnectionTrait, root: Uuid) -> AppResult<HashSet<Uuid>> {
    Ok(subtree(db, root, None)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect())
}

/// `user` followed by its manager, its manager's manager, … up to the root.
pub async fn chain_up(db: &impl ConnectionTrait, user: Uuid) -> AppResult<Vec<Uuid>> {
    let ids: Vec<Uuid> = org_closure::Entity::find()
        .filter(org_closure::Column::DescendantId.eq(user))
        .order_by_asc(org_closure::Column::Depth)
        .select_only()
        .column(org_closure::Column::AncestorId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids)
}

async fn run(
    db: &impl ConnectionTrait,
    template: &str,
    values: Vec<sea_orm::Value>,
) -> AppResult<()> {
    let stmt = crate::sql::statement(db.get_database_backend(), template, values);
    db.execute_raw(stmt).await?;
    Ok(())
}

/// Serialises changes to the tree on PostgreSQL (reads go on), so two concurrent manager
/// changes cannot together make a cycle or leave stale rows. SQLite has one writer anyway.
pub async fn lock(db: &impl ConnectionTrait) -> AppResult<()> {
    if db.get_database_backend() == DbBackend::Postgres {
        run(db, "LOCK TABLE org_closure IN EXCLUSIVE MODE", vec![]).await?;
    }
    Ok(())
}

/// A new user's rows: itself at depth 0, and every ancestor of its manager one level further.
pub async fn add_user(
    db: &impl ConnectionTrait,
    user: Uuid,
    manager: Option<Uuid>,
) -> AppResult<()> {
    run(
        db,
        "INSERT INTO org_closure (ancestor_id, descendant_id, depth) VALUES ({}, {}, 0)",
        vec![user.into(), user.into()],
    )
    .await?;
    if let Some(m) = manager {
        run(
            db,
            "INSERT INTO org_closure (ancestor_id, descendant_id, depth) \
                 SELECT ancestor_id, {}, depth + 1 FROM org_closure WHERE descendant_id = {}",
            vec![user.into(), m.into()],
        )
        .await?;
    }
    Ok(())
}

/// Moves `user` and everyone below it under `manager` (or to the top). The caller has checked
/// that `manager` is not inside the moved subtree.
pub async fn move_user(
    db: &impl ConnectionTrait,
    user: Uuid,
    manager: Option<Uuid>,
) -> AppResult<()> {
    // The links from above the subtree into it go; those inside it stay.
    run(
        db,
        "DELETE FROM org_closure \
             WHERE descendant_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = {}) \
             AND ancestor_id NOT IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = {})",
        vec![user.into(), user.into()],
    )
    .await?;
    if let Some(m) = manager {
        run(
            db,
            "INSERT INTO org_closure (ancestor_id, descendant_id, depth) \
                 SELECT above.ancestor_id, sub.descendant_id, above.depth + sub.depth + 1 \
                 FROM org_closure above, org_closure sub \
                 WHERE above.descendant_id = {} AND sub.ancestor_id = {}",
            vec![m.into(), user.into()],
        )
        .await?;
    }
    Ok(())
}
