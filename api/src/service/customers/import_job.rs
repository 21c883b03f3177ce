//! Imports in the background, for files too large to wait for: the upload is stored, a job
//! parses and writes it batch by batch (the rows written so far are its progress; a cancelled
//! import stops at the next batch), and the report is kept for the user who started it. The
//! job rebuilds the actor from the user, so it writes with the rights they have when it runs.

use super::import::{self, OnDuplicate, SavedReport};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::service::resource::{self, Resource};
use crate::state::AppState;
use chrono::Utc;
use domain::role::Capability;
use entity::import as row;
use futures::FutureExt;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, Set};
use std::sync::Arc;
use uuid::Uuid;

pub const JOB: &str = "customers.import";
pub const TYPE: &str = "CustomerImportJob";
pub const QUEUED: &str = "QUEUED";
pub const RUNNING: &str = "RUNNING";
pub const DONE: &str = "DONE";
pub const FAILED: &str = "FAILED";
pub const CANCELLED: &str = "CANCELLED";

pub fn register(state: &AppState) {
    state.jobs.register(
        JOB,
        Arc::new(|state, payload| {
            async move {
                let id = payload["importId"]
                    .as_str()
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .ok_or("the payload names no import")?;
                run(&state, id).await.map_err(|e| e.message())
            }
            .boxed()
        }),
    );
}

/// Imports in the resource registry: each user sees their own.
pub struct CustomerImports;

impl Resource for CustomerImports {
    const TYPE: &'static str = TYPE;
    type Entity = row::Entity;
    const ID: row::Column = row::Column::Id;

    fn id_of(r: &row::Model) -> Uuid {
        r.id
    }

    fn scope(_: &AppState, actor: Option<&Actor>) -> Condition {
        match actor {
            Some(a) => Condition::all().add(row::Column::UserId.eq(a.id)),
            None => resource::nothing(),
        }
    }
}

fn mode_name(m: OnDuplicate) -> &'static str {
    match m {
        OnDuplicate::Skip => "SKIP",
        OnDuplicate::Merge => "MERGE",
        OnDuplicate::Fail => "FAIL",
    }
}

fn mode_of(s: &str) -> OnDuplicate {
    match s {
        "MERGE" => OnDuplicate::Merge,
        "FAIL" => OnDuplicate::Fail,
        _ => OnDuplicate::Skip,
    }
}

/// Stores the file and queues its import.
pub async fn start(
    state: &AppState,
    actor: &Actor,
    bytes: Vec<u8>,
    filename: Option<String>,
    dry_run: bool,
    on_duplicate: OnDuplicate,
) -> AppResult<row::Model> {
    if !actor
        .role
        .can(Capability::ImportCustomers, &state.role_settings())
    {
        return Err(AppError::forbidden("your role may not import customers"));
    }
    if bytes.is_empty() {
        return Err(AppError::validation("file", "the file is empty"));
    }
    let txn = crate::db::begin(&state.db).await?;
    let saved = row::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(actor.id),
        state: Set(QUEUED.into()),
        filename: Set(filename),
        file: Set(Some(bytes)),
        dry_run: Set(dry_run),
        on_duplicate: Set(mode_name(on_duplicate).into()),
        total_rows: Set(None),
        processed_rows: Set(0),
        report: Set(None),
        error: Set(None),
        created_at: Set(Utc::now()),
        finished_at: Set(None),
    }
    .insert(&txn)
    .await?;
    crate::service::jobs::enqueue(
        &txn,
        state,
        JOB,
        serde_json::json!({ "importId": saved.id.to_string() }),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// The actor's own import, or `NOT_FOUND`.
pub async fn find(state: &AppState, actor: &Actor, id: Uuid) -> AppResult<row::Model> {
    resource::find::<CustomerImports>(&state.db, state, Some(actor), id)
        .await?
        .ok_or_else(|| AppError::not_found("import"))
}

/// Cancels the actor's import if it has not finished. Batches already written stay written.
pub async fn cancel(state: &AppState, actor: &Actor, id: Uuid) -> AppResult<row::Model> {
    let current = find(state, actor, id).await?;
    if current.state != QUEUED && current.state != RUNNING {
        return Err(AppError::rule(
            "IMPORT_FINISHED",
            "this import has already finished",
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

/// Records the rows written so far; false when the import is no longer running (cancelled).
pub async fn progress(state: &AppState, id: Uuid, processed: u64) -> AppResult<bool> {
    let r = row::Entity::update_many()
        .col_expr(
            row::Column::ProcessedRows,
            Expr::value(i64::try_from(processed).unwrap_or(i64::MAX)),
        )
        .filter(row::Column::Id.eq(id))
        .filter(row::Column::State.eq(RUNNING))
        .exec(&state.db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Records how many rows the file holds, once it has been read.
pub async fn started(state: &AppState, id: Uuid, rows: u64) -> AppResult<()> {
    row::Entity::update_many()
        .col_expr(
            row::Column::TotalRows,
            Expr::value(Some(i64::try_from(rows).unwrap_or(i64::MAX))),
        )
        .filter(row::Column::Id.eq(id))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// The stored report of a finished import.
pub fn report(r: &row::Model) -> Option<SavedReport> {
    r.report
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
}

async fn run(state: &AppState, id: Uuid) -> AppResult<()> {
    let Some(current) = row::Entity::find_by_id(id).one(&state.db).await? else {
        return Ok(());
    };
    // Finished or cancelled already (a retried job): nothing to do. A run cut short is
    // simply run again: rows it wrote are duplicates now and are skipped or merged.
    if current.state != QUEUED && current.state != RUNNING {
        return Ok(());
    }
    let started = row::Entity::update_many()
        .col_expr(row::Column::State, Expr::value(RUNNING))
        .filter(row::Column::Id.eq(id))
        .filter(row::Column::State.is_in([QUEUED, RUNNING]))
        .exec(&state.db)
        .await?;
    if started.rows_affected != 1 {
        return Ok(());
    }
    let outcome = async {
        let actor = Actor::without_session(&state.db, current.user_id).await?;
        import::import(
            state,
            &actor,
            current.file.clone().unwrap_or_default(),
            current.filename.clone(),
            current.dry_run,
            mode_of(&current.on_duplicate),
            Some(id),
        )
        .await
    }
    .await;
    let finished = row::Entity::update_many()
        .col_expr(row::Column::FinishedAt, Expr::value(Some(Utc::now())))
        .col_expr(row::Column::File, Expr::value(Option::<Vec<u8>>::None))
        .filter(row::Column::Id.eq(id));
    match outcome {
        Ok(report) => {
            let saved = SavedReport::from(report);
            let written = i64::try_from(saved.created + saved.merged).unwrap_or(i64::MAX);
            let total = i64::try_from(saved.total_rows).unwrap_or(i64::MAX);
            let json = serde_json::to_string(&saved).map_err(AppError::internal)?;
            // Still running: done. Cancelled meanwhile: it stays cancelled, with its report.
            finished
                .clone()
                .col_expr(row::Column::State, Expr::value(DONE))
                .col_expr(row::Column::ProcessedRows, Expr::value(written))
                .col_expr(row::Column::TotalRows, Expr::value(Some(total)))
                .col_expr(row::Column::Report, Expr::value(Some(json.clone())))
                .filter(row::Column::State.eq(RUNNING))
                .exec(&state.db)
                .await?;
            finished
                .col_expr(row::Column::ProcessedRows, Expr::value(written))
                .col_expr(row::Column::TotalRows, Expr::value(Some(total)))
                .col_expr(row::Column::Report, Expr::value(Some(json)))
                .filter(row::Column::State.eq(CANCELLED))
                .exec(&state.db)
                .await?;
        }
        // A refusal or a bad file: the import failed, and retrying would not help.
        Err(
            e @ (AppError::Unauthenticated { .. }
            | AppError::Forbidden(_)
            | AppError::Validation { .. }),
        ) => {
            finished
                .col_expr(row::Column::State, Expr::value(FAILED))
                .col_expr(row::Column::Error, Expr::value(Some(e.message())))
                .filter(row::Column::State.eq(RUNNING))
                .exec(&state.db)
                .await?;
        }
        Err(e) => return Err(e),
    }
    Ok(())
}
