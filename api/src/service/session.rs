//! Sessions: log in, refresh (rotating, with reuse detection), log out, change password.

use super::{audit, users};
use crate::auth::{Actor, refresh};
use crate::error::{AppError, AppResult, FieldContext};
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use domain::user::{Email, check_password_strength};
use entity::{login_failure, refresh_token, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use serde_json::json;
use uuid::Uuid;

pub struct Session {
    pub user: user::Model,
    pub access_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_token_expires_at: DateTime<Utc>,
}

fn bad_credentials() -> AppError {
    AppError::unauthenticated("INVALID_CREDENTIALS", "wrong e-mail or password")
}

fn bad_refresh() -> AppError {
    AppError::unauthenticated("INVALID_REFRESH_TOKEN", "the refresh token is not valid")
}

/// A wrong e-mail, a wrong password and an inactive account give the same error, and all
/// verify one password hash, so neither the answer nor its timing tells them apart.
pub async fn login(state: &AppState, email: &str, password: &str) -> AppResult<Session> {
    let key: String = email.trim().to_lowercase().chars().take(254).collect();
    // The attempt is recorded before the password is checked, so parallel guesses count
    // against each other; a successful sign-in clears the record.
    record_attempt(state, &key).await?;
    throttle(state, &key).await?;
    let found = match Email::parse(email) {
        Ok(e) => {
            user::Entity::find()
                .filter(user::Column::Email.eq(e.as_str()))
                .one(&state.db)
                .await?
        }
        Err(_) => None,
    };
    let hash = found.as_ref().map(|u| u.password_hash.clone());
    let ok = state
        .passwords
        .verify_blocking(password.to_string(), hash)
        .await;
    let user = match found {
        Some(u) if ok && u.active => u,
        _ => return Err(bad_credentials()),
    };
    let txn = crate::db::begin(&state.db).await?;
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::Email.eq(key.as_str()))
        .exec(&txn)
        .await?;
    let session = start_family(state, &txn, user, Uuid::now_v7()).await?;
    txn.commit().await?;
    Ok(session)
}

/// Refuses sign-in for an e-mail with more than `GUANXI_LOGIN_MAX_FAILURES` attempts not
/// followed by a success within `GUANXI_LOGIN_WINDOW_SECS` (this one included), before any
/// password is checked.
async fn throttle(state: &AppState, key: &str) -> AppResult<()> {
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

async fn record_attempt(state: &AppState, key: &str) -> AppResult<()> {
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

async fn start_family(
    state: &AppState,
    db: &impl ConnectionTrait,
    user: user::Model,
    family_id: Uuid,
) -> AppResult<Session> {
    let token = refresh::generate();
    let now = Utc::now();
    let expires = now + Duration::seconds(state.config.refresh_token_ttl_secs);
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user.id),
        family_id: Set(family_id),
        token_hash: Set(refresh::hash(&token)),
        expires_at: Set(expires),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    let (access, access_expires) = state.jwt.issue(user.id)?;
    Ok(Session {
        user,
        access_token: access,
        access_token_expires_at: access_expires,
        refresh_token: token,
        refresh_token_expires_at: expires,
    })
}

/// Rotates a refresh token. Presenting one that was already used means it leaked: the whole
/// family (every token descended from that login) is revoked.
pub async fn refresh(state: &AppState, token: &str) -> AppResult<Session> {
    let txn = crate::db::begin(&state.db).await?;
    let stored = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(refresh::hash(token)))
        .one(&txn)
        .await?
        .ok_or_else(bad_refresh)?;
    let now = Utc::now();
    if stored.used_at.is_some() || stored.revoked_at.is_some() {
        revoke_family(&txn, stored.family_id).await?;
        txn.commit().await?;
        return Err(AppError::unauthenticated(
            "REFRESH_TOKEN_REUSED",
            "this refresh token was already used; sign in again",
        ));
    }
    if stored.expires_at <= now {
        return Err(AppError::unauthenticated(
            "REFRESH_TOKEN_EXPIRED",
            "the refresh token has expired; sign in again",
        ));
    }
    // Conditional on `used_at IS NULL`, so two concurrent refreshes cannot both win.
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(stored.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        // Someone else used this token between our read and our write: the same theft signal
        // as presenting a used token.
        revoke_family(&txn, stored.family_id).await?;
        txn.commit().await?;
        return Err(AppError::unauthenticated(
            "REFRESH_TOKEN_REUSED",
            "this refresh token was already used; sign in again",
        ));
    }
    let user = user::Entity::find_by_id(stored.user_id)
        .one(&txn)
        .await?
        .filter(|u| u.active)
        .ok_or_else(bad_refresh)?;
    let session = start_family(state, &txn, user, stored.family_id).await?;
    txn.commit().await?;
    Ok(session)
}

async fn revoke_family(db: &impl ConnectionTrait, family_id: Uuid) -> AppResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends the session the refresh token belongs to. Unknown tokens are ignored, so logging out
/// twice is harmless.
pub async fn logout(state: &AppState, actor: &Actor, token: &str) -> AppResult<()> {
    let stored = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(refresh::hash(token)))
        .filter(refresh_token::Column::UserId.eq(actor.id))
        .one(&state.db)
        .await?;
    if let Some(t) = stored {
        revoke_family(&state.db, t.family_id).await?;
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(actor = %actor.id))]
pub async fn change_password(
    state: &AppState,
    actor: &Actor,
    current: &str,
    new: &str,
) -> AppResult<()> {
    let user = user::Entity::find_by_id(actor.id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    let ok = state
        .passwords
        .verify_blocking(current.to_string(), Some(user.password_hash.clone()))
        .await;
    if !ok {
        return Err(AppError::validation(
            "currentPassword",
            "is not your current password",
        ));
    }
    check_password_strength(new).field("newPassword")?;
    if new == current {
        return Err(AppError::validation(
            "newPassword",
            "must differ from the current one",
        ));
    }
    let hash = state.passwords.hash_blocking(new.to_string()).await?;
    let txn = crate::db::begin(&state.db).await?;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(actor.id))
        .exec(&txn)
        .await?;
    users::revoke_all_refresh_tokens(&txn, actor.id).await?;
    audit::record(
        &txn,
        Some(actor),
        "change_password",
        "User",
        actor.id,
        json!({ "password": { "old": "***", "new": "***" } }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
