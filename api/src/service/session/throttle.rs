//! Counting failed sign-ins so that password guessing gets slow.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use chrono::{Duration, Utc};
use entity::login_failure;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use uuid::Uuid;

/// Refuses sign-in for an e-mail with more than `GUANXI_LOGIN_MAX_FAILURES` attempts not
/// followed by a success within `GUANXI_LOGIN_WINDOW_SECS` (this one included), before any
/// password is checked.
pub async fn throttle(state: &AppState, key: &str) -> AppResult<()> {
    let since = Utc::now() - Duration::seconds(state.config.login_window_secs);
    let failures = login_failure::Entity::find()
        .filter(login_failure::Column::Email.eq(key))
        .filter(login_failure::Column::CreatedAt.gt(since))
        .count(&state.db)
        .await?;
    if failures > state.config.login_max_failures {
        return Err(AppError::RateLimited);
    }
    Ok(())
}

pub async fn record_attempt(state: &AppState, key: &str) -> AppResult<()> {
    let now = Utc::now();
    let txn = crate::db::begin(&state.db).await?;
    // Old attempts no longer count; clearing them here keeps the table small.
    login_failure::Entity::delete_many()
        .filter(
            login_failure::Column::CreatedAt
                .lt(now - Duration::seconds(state.config.login_window_secs)),
        )
        .exec(&txn)
        .await?;
    login_failure::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(key.to_string()),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(())
}
