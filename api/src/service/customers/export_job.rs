//! Exports in the background: started through GraphQL, built by a job page by page (each page
//! a chunk in the database, its row count the progress; a cancelled export stops at the next
//! page), kept for a day and streamed over HTTP, chunk by chunk, to the user who asked, with
//! the same sign-in.
//! The job rebuilds the actor from the user, so the file holds what that user may see when it
//! is built, and a user deactivated meanwhile gets nothing.

use super::{CustomerFilter, export, query};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::service::resource::{self, Resource};
use crate::state::AppState;
use chrono::{Duration, Utc};
use entity::export as row;
use entity::export_chunk as chunk;
use futures::FutureExt;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, Set};
use std::sync::Arc;
use uuid::Uuid;

pub const JOB: &str = "customers.export";
pub const QUEUED: &str = "QUEUED";
pub const RUNNING: &str = "RUNNING";
pub const DONE: &str = "DONE";
pub const FAILED: &str = "FAILED";
pub const CANCELLED: &str = "CANCELLED";

/// How long a finished file stays downloadable.
const KEEP_HOURS: i64 = 24;

pub fn register(state: &AppState) {
    state.jobs.register(
        JOB,
        Arc::new(|state, payload| {
            async move {
                let id = payload["exportId"]
                    .as_str()
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .ok_or("the payload names no export")?;
                run(&state, id).await.map_err(|e| e.message())
            }
            .boxed()
        }),
    );
}

/// Checks the filter now (so a bad one is refused at once) and queues the export.
pub async fn start(
    state: &AppState,
    actor: &Actor,
    filter: &CustomerFilter,
) -> AppResult<row::Model> {
    query::filtered(state, actor, filter)?;
    let filter = serde_json::to_string(filter).map_err(AppError::internal)?;
    let txn = crate::db::begin(&state.db).await?;
    let saved = row::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(actor.id),
        state: Set(QUEUED.into()),
        filter: Set(filter),
        rows: Set(0),
        error: Set(None),
        created_at: Set(Utc::now()),
        finished_at: Set(None),
        expires_at: Set(None),
    }
    .insert(&txn)
    .await?;
    crate::service::jobs::enqueue(
        &txn,
        state,
        JOB,
        serde_json::json!({ "exportId": saved.id }),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Exports in the resource registry: each user sees their own, until it expires.
pub struct CustomerExports;

impl Resource for CustomerExports {
    const TYPE: &'static str = "CustomerExportJob";
    type Entity = row::Entity;
    const ID: row::Column = row::Column::Id;

    fn id_of(r: &row::Model) -> Uuid {
        r.id
    }

    fn scope(_: &AppState, actor: Option<&Actor>) -> Condition {
        let Some(actor) = actor else {
            return resource::nothing();
        };
        Condition::all().add(row::Column::UserId.eq(actor.id)).add(
            Condition::any()
                .add(row::Column::ExpiresAt.is_null())
                .add(row::Column::ExpiresAt.gt(Utc::now())),
        )
    }
}

/// The actor's own export, or `NOT_FOUND`.
pub async fn find(state: &AppState, actor: &Actor, id: Uuid) -> AppResult<row::Model> {
    resource::find::<CustomerExports>(&state.db, state, Some(actor), id)
        .await?
        .ok_or_else(|| AppError::not_found("export"))
}

/// Cancels the actor's export if it has not finished.
pub async fn cancel(state: &AppState, actor: &Actor, id: Uuid) -> AppResult<row::Model> {
    let current = find(state, actor, id).await?;
    if current.state != QUEUED && current.state != RUNNING {
        return Err(AppError::rule(
            "EXPORT_FINISHED",
            "this export has already finished",
        ));
    }
    row::Entity::update_many()
        .col_expr(row::Column::State, Expr::value(CANCELLED))
        .col_expr(row::Column::FinishedAt, Expr::value(Some(Utc::now())))
        .filter(row::Column::Id.eq(id))
        .filter(row::Column::State.is_in([QUEUED, RUNNING]))
        .exec(&state.db)
        .await?;
    find(state, actor, id).await
}

/// Adds the next chunk of a running export and its progress; false when it is no longer
/// running (cancelled), and then nothing is added.
pub async fn append(
    state: &AppState,
    id: Uuid,
    seq: i32,
    content: Vec<u8>,
    rows: u64,
) -> AppResult<bool> {
    let txn = crate::db::begin(&state.db).await?;
    let r = row::Entity::update_many()
        .col_expr(
            row::Column::Rows,
            Expr::value(i64::try_from(rows).unwrap_or(i64::MAX)),
        )
        .filter(row::Column::Id.eq(id))
        .filter(row::Column::State.eq(RUNNING))
        .exec(&txn)
        .await?;
    if r.rows_affected != 1 {
        return Ok(false);
    }
    chunk::ActiveModel {
        export_id: Set(id),
        seq: Set(seq),
        content: Set(content),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// The file's chunk `seq`, if there is one.
pub async fn chunk(state: &AppState, id: Uuid, seq: i32) -> AppResult<Option<Vec<u8>>> {
    Ok(chunk::Entity::find_by_id((id, seq))
        .one(&state.db)
        .await?
        .map(|c| c.content))
}

async fn run(state: &AppState, id: Uuid) -> AppResult<()> {
    let Some(current) = row::Entity::find_by_id(id).one(&state.db).await? else {
        return Ok(());
    };
    // Done, failed or cancelled already (a retried job): nothing to do.
    if current.state != QUEUED && current.state != RUNNING {
        return Ok(());
    }
    // A retried run starts the file over.
    chunk::Entity::delete_many()
        .filter(chunk::Column::ExportId.eq(id))
        .exec(&state.db)
        .await?;
    row::Entity::update_many()
        .col_expr(row::Column::State, Expr::value(RUNNING))
        .col_expr(row::Column::Rows, Expr::value(0i64))
        .filter(row::Column::Id.eq(id))
        .filter(row::Column::State.is_in([QUEUED, RUNNING]))
        .exec(&state.db)
        .await?;
    let outcome = async {
        let actor = Actor::without_session(&state.db, current.user_id).await?;
        let filter: CustomerFilter =
            serde_json::from_str(&current.filter).map_err(AppError::internal)?;
        export::build(state, &actor, &filter, Some(id)).await
    }
    .await;
    let now = Utc::now();
    let finished = row::Entity::update_many()
        .col_expr(row::Column::FinishedAt, Expr::value(Some(now)))
        .filter(row::Column::Id.eq(id))
        .filter(row::Column::State.eq(RUNNING));
    match outcome {
        Ok(e) => {
            finished
                .col_expr(row::Column::State, Expr::value(DONE))
                .col_expr(
                    row::Column::Rows,
                    Expr::value(i64::try_from(e.rows).unwrap_or(i64::MAX)),
                )
                .col_expr(
                    row::Column::ExpiresAt,
                    Expr::value(Some(now + Duration::hours(KEEP_HOURS))),
                )
                .exec(&state.db)
                .await?;
        }
        Err(AppError::BusinessRule {
            rule: "EXPORT_CANCELLED",
            ..
        }) => {}
        // A refusal (the user was deactivated, may no longer export): the export failed,
        // and retrying would not help.
        Err(e @ (AppError::Unauthenticated { .. } | AppError::Forbidden(_))) => {
            finished
                .col_expr(row::Column::State, Expr::value(FAILED))
                .col_expr(row::Column::Error, Expr::value(Some(e.message())))
                .exec(&state.db)
                .await?;
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

/// Expired files go; called by the hourly clean-up.
pub async fn delete_expired(state: &AppState) -> AppResult<()> {
    let now = Utc::now();
    row::Entity::delete_many()
        .filter(row::Column::ExpiresAt.lt(now))
        .exec(&state.db)
        .await?;
    // Unfinished exports left from long ago (a job that died) go too.
    row::Entity::delete_many()
        .filter(row::Column::CreatedAt.lt(now - Duration::days(7)))
        .exec(&state.db)
        .await?;
    Ok(())
}
