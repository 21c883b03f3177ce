//! Background jobs in the database: enqueued in the caller's transaction, claimed by workers
//! under a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer, so its claim
//! is one atomic update), retried with exponential backoff, dead after their attempts and
//! visible to administrators, who may queue a dead job again. Delivery is at least once:
//! handlers are idempotent.

mod registry;
mod scheduled;
mod worker;

pub use registry::{Handler, Registry};
pub use scheduled::{CLEANUP, POOL_SWEEP};
pub use worker::{run_workers, schedule_all, work_once};

/// The server's own kinds of job.
pub fn register_builtin(state: &AppState) {
    scheduled::register(&state.jobs, state);
    crate::service::customers::export_job::register(state);
    crate::service::customers::import_job::register(state);
}

use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::pagination::{Key, Page, PageArgs, Sort, page};
use crate::service::resource::{self, Resource};
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use domain::role::Role;
use entity::job;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    Set,
};
use uuid::Uuid;

pub const QUEUED: &str = "QUEUED";
pub const RUNNING: &str = "RUNNING";
pub const DONE: &str = "DONE";
pub const DEAD: &str = "DEAD";

/// Queues a job to run at `run_after` (now when `None`).
pub async fn enqueue(
    db: &impl ConnectionTrait,
    state: &AppState,
    kind: &str,
    payload: serde_json::Value,
    run_after: Option<DateTime<Utc>>,
) -> AppResult<job::Model> {
    let now = Utc::now();
    let model = job::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(kind.to_string()),
        payload: Set(payload.to_string()),
        state: Set(QUEUED.into()),
        run_after: Set(run_after.unwrap_or(now)),
        attempts: Set(0),
        max_attempts: Set(state.config.job_max_attempts as i32),
        last_error: Set(None),
        lease_until: Set(None),
        locked_by: Set(None),
        unique_key: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        finished_at: Set(None),
    };
    Ok(model.insert(db).await?)
}

/// Queues the next run of a scheduled task unless one is already pending (here or on any
/// replica: a partial unique index holds one pending run per key).
pub async fn schedule(
    db: &impl ConnectionTrait,
    state: &AppState,
    key: &str,
    run_after: DateTime<Utc>,
) -> AppResult<()> {
    let now = Utc::now();
    let stmt = crate::sql::statement(
        db.get_database_backend(),
        "INSERT INTO jobs (id, kind, payload, state, run_after, attempts, max_attempts, \
         unique_key, created_at, updated_at) VALUES ({}, {}, {}, 'QUEUED', {}, 0, {}, {}, {}, {}) \
         ON CONFLICT DO NOTHING",
        vec![
            Uuid::now_v7().into(),
            key.into(),
            "{}".into(),
            run_after.into(),
            (state.config.job_max_attempts as i32).into(),
            key.into(),
            now.into(),
            now.into(),
        ],
    );
    db.execute_raw(stmt).await?;
    Ok(())
}

/// Claims the next due job for `worker`: a queued job whose time has come, or a running one
/// whose lease ran out (its worker died), oldest first.
pub async fn claim(
    db: &impl ConnectionTrait,
    worker: &str,
    lease: Duration,
) -> AppResult<Option<job::Model>> {
    let now = Utc::now();
    let backend = db.get_database_backend();
    let skip_locked = match backend {
        DbBackend::Postgres => " FOR UPDATE SKIP LOCKED",
        _ => "",
    };
    let stmt = crate::sql::statement(
        backend,
        &format!(
            "UPDATE jobs SET state = 'RUNNING', attempts = attempts + 1, lease_until = {{}}, \
             locked_by = {{}}, updated_at = {{}} \
             WHERE id = (SELECT id FROM jobs WHERE (state = 'QUEUED' AND run_after <= {{}}) \
             OR (state = 'RUNNING' AND lease_until < {{}}) ORDER BY run_after, id LIMIT 1{skip_locked}) \
             RETURNING *"
        ),
        vec![
            (now + lease).into(),
            worker.into(),
            now.into(),
            now.into(),
            now.into(),
        ],
    );
    Ok(job::Entity::find().from_raw_sql(stmt).one(db).await?)
}

/// Extends the lease of a job this worker still holds; false when it lost it.
pub async fn renew(
    db: &impl ConnectionTrait,
    id: Uuid,
    worker: &str,
    lease: Duration,
) -> AppResult<bool> {
    let r = job::Entity::update_many()
        .col_expr(
            job::Column::LeaseUntil,
            sea_orm::sea_query::Expr::value(Utc::now() + lease),
        )
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::LockedBy.eq(worker))
        .filter(job::Column::State.eq(RUNNING))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Records how a run ended, if this worker still holds the job. A failure is retried after
/// `base × 2^(attempts − 1)` (at most an hour) until its attempts are spent, then it is dead.
pub async fn finish(
    db: &impl ConnectionTrait,
    state: &AppState,
    job: &job::Model,
    worker: &str,
    outcome: Result<(), String>,
) -> AppResult<()> {
    use sea_orm::sea_query::Expr;
    let now = Utc::now();
    let mut update = job::Entity::update_many()
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            job::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(job::Column::Id.eq(job.id))
        .filter(job::Column::LockedBy.eq(worker))
        .filter(job::Column::State.eq(RUNNING));
    update = match outcome {
        Ok(()) => update
            .col_expr(job::Column::State, Expr::value(DONE))
            .col_expr(job::Column::FinishedAt, Expr::value(Some(now))),
        Err(e) if job.attempts >= job.max_attempts => update
            .col_expr(job::Column::State, Expr::value(DEAD))
            .col_expr(job::Column::LastError, Expr::value(Some(truncate(&e))))
            .col_expr(job::Column::FinishedAt, Expr::value(Some(now))),
        Err(e) => update
            .col_expr(job::Column::State, Expr::value(QUEUED))
            .col_expr(job::Column::LastError, Expr::value(Some(truncate(&e))))
            .col_expr(
                job::Column::RunAfter,
                Expr::value(now + backoff(state, job.attempts)),
            ),
    };
    update.exec(db).await?;
    Ok(())
}

fn truncate(e: &str) -> String {
    e.chars().take(2000).collect()
}

fn backoff(state: &AppState, attempts: i32) -> Duration {
    let base = state.config.job_retry_base_ms.max(1) as i64;
    let exp = attempts.clamp(1, 30) - 1;
    let ms = base.saturating_mul(1i64 << exp).min(3_600_000);
    Duration::milliseconds(ms)
}

fn require_admin(actor: &Actor) -> AppResult<()> {
    actor
        .require_admin()
        .map_err(|_| AppError::forbidden("only administrators may see or retry jobs"))
}

/// Jobs, newest first, optionally in one state; administrators only.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    in_state: Option<&str>,
    args: &PageArgs,
    with_total: bool,
) -> AppResult<Page<job::Model>> {
    require_admin(actor)?;
    let mut select = job::Entity::find();
    if let Some(s) = in_state {
        select = select.filter(job::Column::State.eq(s));
    }
    let sort = Sort {
        name: "createdAt:desc".into(),
        column: job::Column::CreatedAt,
        id: job::Column::Id,
        desc: true,
        nullable: false,
        key: |m: &job::Model| Key::Time(m.created_at),
    };
    page(&state.db, select, &sort, args, with_total).await
}

/// Jobs in the resource registry: administrators see every job, others none.
pub struct Jobs;

impl Resource for Jobs {
    const TYPE: &'static str = "Job";
    type Entity = job::Entity;
    const ID: job::Column = job::Column::Id;

    fn id_of(row: &job::Model) -> Uuid {
        row.id
    }

    fn scope(_: &AppState, actor: Option<&Actor>) -> Condition {
        match actor {
            Some(a) if a.role == Role::Admin => Condition::all(),
            _ => resource::nothing(),
        }
    }
}

/// Queues a dead job again with fresh attempts; administrators only.
pub async fn retry(state: &AppState, actor: &Actor, id: Uuid) -> AppResult<job::Model> {
    require_admin(actor)?;
    let txn = crate::db::begin(&state.db).await?;
    let current = job::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("job"))?;
    if current.state != DEAD {
        return Err(AppError::rule(
            "JOB_NOT_DEAD",
            "only a dead job can be retried; this one is still queued, running or done",
        ));
    }
    let now = Utc::now();
    let mut next: job::ActiveModel = current.into();
    next.state = Set(QUEUED.into());
    next.attempts = Set(0);
    next.run_after = Set(now);
    next.finished_at = Set(None);
    next.updated_at = Set(now);
    let saved = next.update(&txn).await?;
    let changes = serde_json::json!({ "state": { "old": DEAD, "new": QUEUED } });
    crate::service::write::note::<Jobs>(&txn, Some(actor), "retry", saved.id, changes).await?;
    txn.commit().await?;
    Ok(saved)
}
