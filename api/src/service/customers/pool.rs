//! The public pool (公海): customers nobody followed up for `GUANXI_POOL_DAYS` days lose their
//! owner. A periodic job sweeps (`GUANXI_POOL_SWEEP_SECS`); reads never do, so a read never
//! waits on writes and never takes a write lock.

use super::query::Customers;
use crate::error::AppResult;
use crate::service::write;
use crate::state::AppState;
use chrono::{Duration, Utc};
use entity::customer;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::Map;

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
        .filter(stale)
        .order_by_asc(customer::Column::Id)
        .limit(10_000)
        .all(&state.db)
        .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let txn = crate::db::begin(&state.db).await?;
    // A customer changed since the select (contacted, or swept by another replica) has a new
    // version: it is left alone and gets no audit event.
    let mut swept = 0u64;
    for old in &rows {
        let mut next = old.clone();
        next.owner_id = None;
        next.owner_assigned_at = None;
        next.pooled_at = Some(now);
        let expected = old.version;
        let done = write::try_update::<Customers, _>(
            &txn,
            None,
            "return_to_pool",
            old,
            next,
            expected,
            Map::new(),
        )
        .await?;
        swept += u64::from(done.is_some());
    }
    txn.commit().await?;
    tracing::info!(count = swept, "customers returned to the public pool");
    Ok(swept)
}
