//! Optimistic concurrency: a row is written only if its `version` is still the one the
//! change was made against, and every write bumps it.

use crate::error::{AppError, AppResult};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

/// The version a write against `expected` stores; an exhausted counter is a conflict.
pub fn next(expected: i32, what: &str) -> AppResult<i32> {
    expected.checked_add(1).ok_or_else(|| AppError::stale(what))
}

/// Writes every column of `row` (already carrying its next version) to the row `id` if that
/// row's version is still `expected`. `Ok(false)`: someone else changed it first.
pub async fn write<A>(
    db: &impl ConnectionTrait,
    row: A,
    id: (<A::Entity as EntityTrait>::Column, Uuid),
    version: (<A::Entity as EntityTrait>::Column, i32),
) -> Result<bool, DbErr>
where
    A: ActiveModelTrait + Send,
{
    let am = row.reset_all();
    let result = <A::Entity as EntityTrait>::update_many()
        .set(am)
        .filter(id.0.eq(id.1))
        .filter(version.0.eq(version.1))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}
