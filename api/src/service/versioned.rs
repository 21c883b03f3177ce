//! Optimistic concurrency: a row is written only if its `version` is still the one the
//! change was made against, and every write bumps it. Only the columns that changed are
//! written, so two changes to different fields of one row never undo each other and a
//! statement carries only what it changes.

use crate::error::{AppError, AppResult};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, Iterable, ModelTrait,
    QueryFilter,
};
use uuid::Uuid;

/// The version a write against `expected` stores; an exhausted counter is a conflict.
pub fn next(expected: i32, what: &str) -> AppResult<i32> {
    expected.checked_add(1).ok_or_else(|| AppError::stale(what))
}

/// The columns where `next` differs from `current`, as an active model with only those set.
pub fn changed<E: EntityTrait>(current: &E::Model, next: &E::Model) -> E::ActiveModel {
    let mut am = <E::ActiveModel as ActiveModelTrait>::default();
    for col in E::Column::iter() {
        let v = next.get(col);
        if current.get(col) != v {
            am.set(col, v);
        }
    }
    am
}

/// Writes the columns where `next` (already carrying its next version) differs from
/// `current` to the row `id`, if that row's version is still `expected`. `Ok(false)`: someone
/// else changed it first.
pub async fn write<E: EntityTrait>(
    db: &impl ConnectionTrait,
    current: &E::Model,
    next: &E::Model,
    id: (E::Column, Uuid),
    version: (E::Column, i32),
) -> Result<bool, DbErr>
where
    E::ActiveModel: Send,
{
    let result = E::update_many()
        .set(changed::<E>(current, next))
        .filter(id.0.eq(id.1))
        .filter(version.0.eq(version.1))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use entity::contact;
    use sea_orm::{ActiveValue, DbBackend, QueryTrait};

    fn contact() -> contact::Model {
        let now = Utc::now();
        contact::Model {
            id: Uuid::now_v7(),
            customer_id: Uuid::now_v7(),
            name: "王五".into(),
            title: None,
            mobile: None,
            phone: None,
            email: None,
            wechat: None,
            notes: Some("old".into()),
            is_primary: false,
            created_at: now,
            updated_at: now,
            version: 1,
            deleted_at: None,
        }
    }

    #[test]
    fn only_changed_columns_are_written() {
        let current = contact();
        let mut next = current.clone();
        next.notes = Some("new".into());
        next.version = 2;
        let am = changed::<contact::Entity>(&current, &next);
        assert_eq!(am.notes, ActiveValue::Set(Some("new".into())));
        assert_eq!(am.version, ActiveValue::Set(2));
        assert!(am.name.is_not_set() && am.mobile.is_not_set() && am.id.is_not_set());
        let sql = contact::Entity::update_many()
            .set(am)
            .filter(contact::Column::Id.eq(current.id))
            .build(DbBackend::Postgres)
            .to_string();
        assert!(
            sql.contains("\"notes\"") && sql.contains("\"version\""),
            "{sql}"
        );
        assert!(
            !sql.contains("\"name\"") && !sql.contains("\"mobile\""),
            "{sql}"
        );
    }
}
