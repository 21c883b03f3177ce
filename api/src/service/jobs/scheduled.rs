//! The tasks the server runs on a schedule.

use super::Registry;
use crate::state::AppState;
use chrono::Utc;
use entity::{auth_session, idempotency_key, job, login_failure, refresh_token};
use futures::FutureExt;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::sync::Arc;
use std::time::Duration;

pub const POOL_SWEEP: &str = "customers.pool_sweep";
pub const CLEANUP: &str = "maintenance.cleanup";

/// Finished jobs, used-up idempotency keys and old sign-in records are kept this long.
const KEEP_DAYS: i64 = 7;

pub fn register(registry: &Registry, state: &AppState) {
    // Always scheduled: the sweep does nothing while `poolDays` is 0, and an administrator
    // may set it at any time.
    registry.every(
        POOL_SWEEP,
        Duration::from_secs(state.config.pool_sweep_secs.max(1)),
        Arc::new(|state, _| {
            async move {
                crate::service::customers::pool::sweep(&state)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.message())
            }
            .boxed()
        }),
    );
    registry.every(
        CLEANUP,
        Duration::from_secs(3600),
        Arc::new(|state, _| async move { cleanup(&state).await.map_err(|e| e.message()) }.boxed()),
    );
}

/// Deletes what no longer serves: expired refresh tokens, ended sessions' leftovers, expired
/// idempotency keys, expired export files, old sign-in failures and finished jobs.
async fn cleanup(state: &AppState) -> crate::error::AppResult<()> {
    let now = Utc::now();
    let db = &state.db;
    refresh_token::Entity::delete_many()
        .filter(refresh_token::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(now - chrono::Duration::hours(24)))
        .exec(db)
        .await?;
    let old = now - chrono::Duration::days(KEEP_DAYS);
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::CreatedAt.lt(old))
        .exec(db)
        .await?;
    auth_session::Entity::delete_many()
        .filter(auth_session::Column::EndedAt.lt(old))
        .exec(db)
        .await?;
    crate::service::customers::export_job::delete_expired(state).await?;
    // Finished imports keep their report a week; their files went when they finished.
    entity::import::Entity::delete_many()
        .filter(entity::import::Column::FinishedAt.lt(old))
        .exec(db)
        .await?;
    job::Entity::delete_many()
        .filter(job::Column::State.eq(super::DONE))
        .filter(job::Column::FinishedAt.lt(old))
        .exec(db)
        .await?;
    Ok(())
}
