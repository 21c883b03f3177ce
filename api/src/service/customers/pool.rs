//! The public pool (公海): customers nobody followed up for `GUANXI_POOL_DAYS` days lose their
//! owner. A periodic job sweeps (`GUANXI_POOL_SWEEP_SECS`); reads never do, so a read never
//! waits on writes and never takes a write lock.

use super::patch;
use crate::error::AppResult;
use crate::service::audit;
use crate::state::AppState;
use chrono::{Duration, Utc};
use entity::customer;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// Returns neglected customers to the pool, one audit event each; returns how many.
pub async fn sweep(state: &AppState) -> AppResult<u64> {
    if state.settings.get().pool_days <= 0 {
        return Ok(0);
    }
    let now = Utc::now();
    let cutoff = now - Duration::days(state.settings.get().pool_days);
    let stale = Condition::all()
        .add(customer::Column::DeletedAt.is_null())
        .add(customer::Column::OwnerId.is_not_null())
        .add(customer::Column::OwnerAssignedAt.lt(cutoff))
        .add(
            Condition::any()
                .add(customer::Column::LastContactedAt.is_null())
                .add(customer::Column::LastContactedAt.lt(cutoff)),
        );
    // Looking costs no write lock; most sweeps find nothing. The id order keeps replicas that
    // sweep at once from locking rows in different orders.
    let rows = customer::Entity::find()
        .filter(stale.clone())
        .order_by_asc(customer::Column::Id)
        .limit(10_000)
        .all(&state.db)
        .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let txn = crate::db::begin(&state.db).await?;
    // Each row is re-checked as it is updated, so a customer contacted (or swept by another
    // replica) since the select is left alone and gets no audit event.
    let mut swept = 0u64;
    for old in &rows {
        let done = customer::Entity::update_many()
            .col_expr(customer::Column::OwnerId, Expr::value(Option::<Uuid>::None))
            .col_expr(
                customer::Column::OwnerAssignedAt,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .col_expr(customer::Column::PooledAt, Expr::value(now))
            .col_expr(customer::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                customer::Column::Version,
                Expr::col(customer::Column::Version).add(1),
            )
            .filter(customer::Column::Id.eq(old.id))
            .filter(stale.clone())
            .exec(&txn)
            .await?;
        if done.rows_affected == 0 {
            continue;
        }
        let mut new = old.clone();
        new.owner_id = None;
        audit::record(
            &txn,
            None,
            "return_to_pool",
            "Customer",
            old.id,
            patch::diff(Some(old), &new),
        )
        .await?;
        swept += 1;
    }
    txn.commit().await?;
    tracing::info!(count = swept, "customers returned to the public pool");
    Ok(swept)
}
