//! Counting sign-in attempts so that password guessing gets slow without letting a stranger
//! lock the owner out:
//! - one address guessing one e-mail is refused after `GUANXI_LOGIN_MAX_FAILURES` within
//!   `GUANXI_LOGIN_WINDOW_SECS`;
//! - one address is refused after `GUANXI_LOGIN_MAX_FAILURES_PER_IP` across all e-mails;
//! - past `GUANXI_LOGIN_MAX_FAILURES` from anywhere, one e-mail slows down instead: each
//!   attempt must wait 1, 2, 4 … up to `GUANXI_LOGIN_MAX_DELAY_SECS` seconds after the last.
//!
//! An attempt is recorded before its password is checked, so parallel guesses count against
//! each other; a refused attempt is removed again (it checked no password), so refusals do
//! not push the owner's next chance further away. A success clears the e-mail's record.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use entity::login_failure;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use std::net::IpAddr;
use uuid::Uuid;

/// Records the attempt and refuses it if a limit is reached; on refusal the record is gone.
pub async fn admit(state: &AppState, email: &str, ip: Option<IpAddr>) -> AppResult<()> {
    let ip = ip.map(|a| a.to_string());
    let id = record(state, email, ip.as_deref()).await?;
    match check(state, id, email, ip.as_deref()).await {
        Ok(()) => Ok(()),
        Err(e) => {
            login_failure::Entity::delete_by_id(id)
                .exec(&state.db)
                .await?;
            Err(e)
        }
    }
}

async fn check(state: &AppState, own: Uuid, email: &str, ip: Option<&str>) -> AppResult<()> {
    let config = &state.config;
    let now = Utc::now();
    let window = Duration::seconds(config.login_window_secs);
    let recent = || {
        login_failure::Entity::find()
            .filter(login_failure::Column::Id.ne(own))
            .filter(login_failure::Column::CreatedAt.gt(now - window))
    };
    let until_window_frees = |oldest: Option<DateTime<Utc>>| {
        let at = oldest.map_or(now, |t| t + window);
        AppError::RateLimited {
            retry_after_secs: seconds_until(now, at),
        }
    };
    if let Some(ip) = ip {
        let from_ip = recent().filter(login_failure::Column::Ip.eq(ip));
        if from_ip.clone().count(&state.db).await? >= config.login_max_failures_per_ip {
            return Err(until_window_frees(oldest(from_ip, state).await?));
        }
        let pair = recent()
            .filter(login_failure::Column::Ip.eq(ip))
            .filter(login_failure::Column::Email.eq(email));
        if pair.clone().count(&state.db).await? >= config.login_max_failures {
            return Err(until_window_frees(oldest(pair, state).await?));
        }
    }
    let for_email = recent().filter(login_failure::Column::Email.eq(email));
    let n = for_email.clone().count(&state.db).await?;
    if n < config.login_max_failures {
        return Ok(());
    }
    let excess = (n - config.login_max_failures).min(30) as u32;
    let gap = Duration::seconds((1i64 << excess).min(config.login_max_delay_secs));
    let last = for_email
        .order_by_desc(login_failure::Column::CreatedAt)
        .one(&state.db)
        .await?
        .map(|f| f.created_at);
    match last {
        Some(t) if now - t < gap => Err(AppError::RateLimited {
            retry_after_secs: seconds_until(now, t + gap),
        }),
        _ => Ok(()),
    }
}

async fn oldest(
    q: sea_orm::Select<login_failure::Entity>,
    state: &AppState,
) -> AppResult<Option<DateTime<Utc>>> {
    Ok(q.order_by_asc(login_failure::Column::CreatedAt)
        .one(&state.db)
        .await?
        .map(|f| f.created_at))
}

/// Whole seconds from `now` until `at`, at least 1.
fn seconds_until(now: DateTime<Utc>, at: DateTime<Utc>) -> u64 {
    let ms = (at - now).num_milliseconds().max(0) as u64;
    ms.div_ceil(1000).max(1)
}

async fn record(state: &AppState, email: &str, ip: Option<&str>) -> AppResult<Uuid> {
    let now = Utc::now();
    let id = Uuid::now_v7();
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
        id: Set(id),
        email: Set(email.to_string()),
        ip: Set(ip.map(str::to_string)),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(id)
}
