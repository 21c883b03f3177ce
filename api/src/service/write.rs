//! The one write path. Every mutation of a stored record runs the same steps:
//!
//! 1. begin a transaction (`crate::db::begin`);
//! 2. lock and load the row through the resource's scope and check the policy (the
//!    resource's own guard, e.g. `customers::access::require`, or [`lock`] when the scope is
//!    the whole policy);
//! 3. apply the patch to a copy of the row;
//! 4. [`update`] (or [`insert`] for a new row): write only the changed columns with the next
//!    `version` where the stored version is still the one the change was made against, and
//!    record the audit event and its outbox event;
//! 5. commit.
//!
//! Steps 4's guarantees live here once, so no mutation can forget the version bump, the
//! audit event or the outbox event.

use crate::auth::Actor;
use crate::error::{AppError, AppResult, violated_unique};
use crate::service::audit;
use crate::service::resource::{Resource, Row};
use crate::service::versioned;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QuerySelect,
};
use serde_json::{Map, Value};
use std::future::Future;
use uuid::Uuid;

type Column<R> = <<R as Resource>::Entity as EntityTrait>::Column;
type Active<R> = <<R as Resource>::Entity as EntityTrait>::ActiveModel;

/// A resource whose rows are written through this module: versioned, audited.
pub trait Stored: Resource
where
    Row<Self>: IntoActiveModel<Active<Self>>,
    Active<Self>: ActiveModelBehavior + Send,
{
    /// How errors name a row: "the customer".
    const NOUN: &'static str;
    const VERSION: Column<Self>;

    /// Sets the row's version and last-change time.
    fn stamp(row: &mut Row<Self>, version: i32, now: DateTime<Utc>);

    /// The audit record of a change, `{ field: { old, new } }` (`before` is `None` for a new
    /// row). Secrets never appear in it.
    fn changes(before: Option<&Row<Self>>, after: &Row<Self>) -> Value;

    /// A unique index refused `row`: the error to report. By default the database error.
    fn refused<'a, C: ConnectionTrait>(
        _db: &'a C,
        _row: &'a Row<Self>,
        err: DbErr,
    ) -> impl Future<Output = AppError> + Send + 'a {
        async move { err.into() }
    }
}

/// Loads row `id` for a change, locked until the transaction ends (`FOR UPDATE` on
/// PostgreSQL; SQLite write transactions are serial), if `actor` may read it.
pub async fn lock<R: Stored>(
    db: &impl ConnectionTrait,
    state: &AppState,
    actor: Option<&Actor>,
    id: Uuid,
) -> AppResult<Row<R>>
where
    Row<R>: IntoActiveModel<Active<R>>,
    Active<R>: ActiveModelBehavior + Send,
{
    R::Entity::find()
        .filter(R::scope(state, actor))
        .filter(R::ID.eq(id))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(R::NOUN.trim_start_matches("the ")))
}

/// Inserts a new row (version 1, as the caller built it) and records `action` for it.
pub async fn insert<R: Stored, C: ConnectionTrait>(
    db: &C,
    actor: Option<&Actor>,
    action: &str,
    row: Row<R>,
) -> AppResult<Row<R>>
where
    Row<R>: IntoActiveModel<Active<R>>,
    Active<R>: ActiveModelBehavior + Send,
{
    let changes = R::changes(None, &row);
    let id = R::id_of(&row);
    let saved = match row.clone().into_active_model().insert(db).await {
        Ok(saved) => saved,
        Err(e) if violated_unique(&e).is_some() => return Err(R::refused(db, &row, e).await),
        Err(e) => return Err(e.into()),
    };
    audit::record(db, actor, action, R::TYPE, id, changes).await?;
    Ok(saved)
}

/// Records `action` on record `id` of `R` when the change is not to `R`'s own row (sessions
/// ended for a user, shares of a customer, a job sent back to its queue): the audit event and
/// its outbox event, in the caller's transaction.
pub async fn note<R: Resource>(
    db: &impl ConnectionTrait,
    actor: Option<&Actor>,
    action: &str,
    id: Uuid,
    changes: Value,
) -> AppResult<()> {
    audit::record(db, actor, action, R::TYPE, id, changes).await
}

/// [`note`] for many records at once, in a few statements.
pub async fn note_all<R: Resource>(
    db: &impl ConnectionTrait,
    actor: Option<&Actor>,
    action: &str,
    notes: impl IntoIterator<Item = (Uuid, Value)>,
) -> AppResult<()> {
    let events: Vec<_> = notes
        .into_iter()
        .map(|(id, changes)| audit::event(actor, action, R::TYPE, id, changes))
        .collect();
    audit::insert_all(db, &events).await
}

/// Inserts new rows in bulk (a few statements per 500 rows) and records `action` for each: an
/// import's batch. A row a unique index refuses fails the whole batch.
pub async fn insert_all<R: Stored, C: ConnectionTrait>(
    db: &C,
    actor: Option<&Actor>,
    action: &str,
    rows: &[Row<R>],
) -> AppResult<()>
where
    Row<R>: IntoActiveModel<Active<R>>,
    Active<R>: ActiveModelBehavior + Send,
{
    let noun = R::NOUN.trim_start_matches("the ");
    for chunk in rows.chunks(CHUNK) {
        let models = chunk
            .iter()
            .cloned()
            .map(IntoActiveModel::into_active_model);
        R::Entity::insert_many(models).exec(db).await.map_err(|e| {
            if violated_unique(&e).is_some() {
                AppError::conflict(format!(
                    "a {noun} in this batch was created by someone else meanwhile; import again to skip it"
                ))
            } else {
                e.into()
            }
        })?;
    }
    let events: Vec<_> = rows
        .iter()
        .map(|r| audit::event(actor, action, R::TYPE, R::id_of(r), R::changes(None, r)))
        .collect();
    audit::insert_all(db, &events).await
}

/// Rows per insert statement: far below either database's parameter limit.
const CHUNK: usize = 500;

/// Writes `next` over `current` if the stored version is still `expected`: only the changed
/// columns, with the next version and the current time, and records `action`. A version that
/// moved on is the stale conflict.
pub async fn update<R: Stored, C: ConnectionTrait>(
    db: &C,
    actor: Option<&Actor>,
    action: &str,
    current: &Row<R>,
    next: Row<R>,
    expected: i32,
) -> AppResult<Row<R>>
where
    Row<R>: IntoActiveModel<Active<R>>,
    Active<R>: ActiveModelBehavior + Send,
{
    update_noting::<R, C>(db, actor, action, current, next, expected, Map::new()).await
}

/// [`update`], with `notes` added to the audit record (what the change did beyond its
/// columns, such as which customers a merge absorbed).
pub async fn update_noting<R: Stored, C: ConnectionTrait>(
    db: &C,
    actor: Option<&Actor>,
    action: &str,
    current: &Row<R>,
    next: Row<R>,
    expected: i32,
    notes: Map<String, Value>,
) -> AppResult<Row<R>>
where
    Row<R>: IntoActiveModel<Active<R>>,
    Active<R>: ActiveModelBehavior + Send,
{
    match try_update::<R, C>(db, actor, action, current, next, expected, notes).await? {
        Some(saved) => Ok(saved),
        None => Err(AppError::stale(R::NOUN)),
    }
}

/// [`update_noting`] that answers `None`, writing nothing, when the version moved on: for
/// background changes that simply leave a row someone else just changed.
pub async fn try_update<R: Stored, C: ConnectionTrait>(
    db: &C,
    actor: Option<&Actor>,
    action: &str,
    current: &Row<R>,
    mut next: Row<R>,
    expected: i32,
    notes: Map<String, Value>,
) -> AppResult<Option<Row<R>>>
where
    Row<R>: IntoActiveModel<Active<R>>,
    Active<R>: ActiveModelBehavior + Send,
{
    R::stamp(&mut next, versioned::next(expected, R::NOUN)?, Utc::now());
    let id = R::id_of(current);
    match versioned::write::<R::Entity>(db, current, &next, (R::ID, id), (R::VERSION, expected))
        .await
    {
        Ok(true) => {}
        Ok(false) => return Ok(None),
        Err(e) if violated_unique(&e).is_some() => return Err(R::refused(db, &next, e).await),
        Err(e) => return Err(e.into()),
    }
    let mut changes = R::changes(Some(current), &next);
    if let Some(obj) = changes.as_object_mut() {
        obj.extend(notes);
    }
    audit::record(db, actor, action, R::TYPE, id, changes).await?;
    Ok(Some(next))
}
