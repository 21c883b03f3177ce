//! Retry-safe creates: a client's idempotency key (`clientMutationId`) remembers the record
//! the first request created, in the database so every replica sees it.

use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use chrono::Utc;
use entity::idempotency_key;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

pub fn check_key(key: Option<&str>) -> AppResult<Option<String>> {
    match key.map(str::trim) {
        None | Some("") => Ok(None),
        Some(k) if k.chars().count() > 200 || k.chars().any(char::is_control) => {
            Err(AppError::validation(
                "clientMutationId",
                "must be at most 200 printable characters",
            ))
        }
        Some(k) => Ok(Some(k.to_string())),
    }
}

/// The record an earlier request with this key created, if any. A key reused for a
/// different operation is a conflict rather than a silent mix-up.
pub async fn replay(
    db: &impl ConnectionTrait,
    actor: &Actor,
    key: Option<&str>,
    operation: &str,
) -> AppResult<Option<Uuid>> {
    let Some(key) = key else { return Ok(None) };
    let found = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::ActorId.eq(actor.id))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(db)
        .await?;
    match found {
        Some(k) if k.operation == operation => Ok(Some(k.result_id)),
        Some(_) => Err(AppError::conflict(
            "this clientMutationId was already used for another operation",
        )),
        None => Ok(None),
    }
}

/// Stores the key in the creating transaction; a concurrent duplicate hits the unique index
/// and rolls back.
pub async fn remember(
    db: &impl ConnectionTrait,
    actor: &Actor,
    key: Option<&str>,
    operation: &str,
    result_id: Uuid,
) -> AppResult<()> {
    let Some(key) = key else { return Ok(()) };
    idempotency_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        actor_id: Set(actor.id),
        key: Set(key.to_string()),
        operation: Set(operation.to_string()),
        result_id: Set(result_id),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .map_err(|e| match crate::error::violated_unique(&e) {
        Some(_) => AppError::conflict("a request with this clientMutationId is in progress; retry"),
        None => e.into(),
    })?;
    Ok(())
}
