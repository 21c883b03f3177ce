//! Retry-safe creates: a client's idempotency key (`clientMutationId`) remembers the record
//! the first request created, in the database so every replica sees it. A retry must send
//! the same input; keys are forgotten after a day.

use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use chrono::{Duration, Utc};
use entity::idempotency_key;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

/// How long a key is remembered.
pub const KEEP_HOURS: i64 = 24;

/// A client's key and a fingerprint of the input it came with.
#[derive(Clone, Debug)]
pub struct Key {
    pub key: String,
    pub fingerprint: String,
}

impl Key {
    /// `None` when the client sent no key.
    pub fn new(key: Option<&str>, fingerprint: String) -> AppResult<Option<Key>> {
        match key.map(str::trim) {
            None | Some("") => Ok(None),
            Some(k) if k.chars().count() > 200 || k.chars().any(char::is_control) => {
                Err(AppError::validation(
                    "clientMutationId",
                    "must be at most 200 printable characters",
                ))
            }
            Some(k) => Ok(Some(Key {
                key: k.to_string(),
                fingerprint,
            })),
        }
    }
}

/// The record an earlier request with this key created, if any. A key reused for another
/// operation or another input is a conflict rather than a silent mix-up.
pub async fn replay(
    db: &impl ConnectionTrait,
    actor: &Actor,
    key: Option<&Key>,
    operation: &str,
) -> AppResult<Option<Uuid>> {
    let Some(key) = key else { return Ok(None) };
    let found = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::ActorId.eq(actor.id))
        .filter(idempotency_key::Column::Key.eq(key.key.as_str()))
        .one(db)
        .await?;
    let Some(found) = found else { return Ok(None) };
    if found.created_at < Utc::now() - Duration::hours(KEEP_HOURS) {
        return Ok(None);
    }
    if found.operation != operation {
        return Err(AppError::conflict(
            "this clientMutationId was already used for another operation",
        ));
    }
    if !found.fingerprint.is_empty() && found.fingerprint != key.fingerprint {
        return Err(AppError::conflict(
            "this clientMutationId was already used with a different input; use a new key",
        ));
    }
    Ok(Some(found.result_id))
}

/// Stores the key in the creating transaction; a concurrent duplicate hits the unique index
/// and rolls back. The actor's expired keys go first, which keeps the table to a day of keys
/// per user without a sweeping job.
pub async fn remember(
    db: &impl ConnectionTrait,
    actor: &Actor,
    key: Option<&Key>,
    operation: &str,
    result_id: Uuid,
) -> AppResult<()> {
    let Some(key) = key else { return Ok(()) };
    let now = Utc::now();
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::ActorId.eq(actor.id))
        .filter(idempotency_key::Column::CreatedAt.lt(now - Duration::hours(KEEP_HOURS)))
        .exec(db)
        .await?;
    idempotency_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        actor_id: Set(actor.id),
        key: Set(key.key.clone()),
        operation: Set(operation.to_string()),
        result_id: Set(result_id),
        fingerprint: Set(key.fingerprint.clone()),
        created_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| match crate::error::violated_unique(&e) {
        Some(_) => AppError::conflict("a request with this clientMutationId is in progress; retry"),
        None => e.into(),
    })?;
    Ok(())
}
