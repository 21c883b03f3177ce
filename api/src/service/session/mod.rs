//! Sessions: one per sign-in, carried by its access tokens (`sid`) and its refresh-token
//! family. Log in, refresh (rotating, with reuse detection), log out, sign out everywhere.

mod password;
mod throttle;

pub use password::change_password;

use super::users::Users;
use super::write;
use crate::auth::{Actor, refresh};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use domain::user::Email;
use entity::{auth_session, login_failure, refresh_token, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;
use std::net::IpAddr;
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
/// Attempts are limited per e-mail and per client address (see `throttle`).
pub async fn login(
    state: &AppState,
    email: &str,
    password: &str,
    ip: Option<IpAddr>,
) -> AppResult<Session> {
    let key: String = email.trim().to_lowercase().chars().take(254).collect();
    throttle::admit(state, &key, ip).await?;
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
    let session = start(state, &txn, user).await?;
    txn.commit().await?;
    Ok(session)
}

/// Opens a session for `user`: its first refresh token and access token.
pub async fn start(
    state: &AppState,
    db: &impl ConnectionTrait,
    user: user::Model,
) -> AppResult<Session> {
    let id = Uuid::now_v7();
    auth_session::ActiveModel {
        id: Set(id),
        user_id: Set(user.id),
        created_at: Set(Utc::now()),
        ended_at: Set(None),
    }
    .insert(db)
    .await?;
    issue(state, db, user, id).await
}

async fn issue(
    state: &AppState,
    db: &impl ConnectionTrait,
    user: user::Model,
    session_id: Uuid,
) -> AppResult<Session> {
    let token = refresh::generate();
    let now = Utc::now();
    let expires = now + Duration::seconds(state.config.refresh_token_ttl_secs);
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user.id),
        family_id: Set(session_id),
        token_hash: Set(refresh::hash(&token)),
        expires_at: Set(expires),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    let (access, access_expires) = state.jwt.issue(user.id, session_id)?;
    Ok(Session {
        user,
        access_token: access,
        access_token_expires_at: access_expires,
        refresh_token: token,
        refresh_token_expires_at: expires,
    })
}

fn reused() -> AppError {
    AppError::unauthenticated(
        "REFRESH_TOKEN_REUSED",
        "this refresh token was already used; sign in again",
    )
}

fn ended() -> AppError {
    AppError::unauthenticated("SESSION_ENDED", "this session has ended; sign in again")
}

/// Rotates a refresh token. Presenting one that was already used means it leaked: its whole
/// session (every token descended from that sign-in, access tokens included) ends.
pub async fn refresh(state: &AppState, token: &str) -> AppResult<Session> {
    let txn = crate::db::begin(&state.db).await?;
    let stored = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(refresh::hash(token)))
        .one(&txn)
        .await?
        .ok_or_else(bad_refresh)?;
    let live = auth_session::Entity::find_by_id(stored.family_id)
        .one(&txn)
        .await?
        .is_some_and(|s| s.ended_at.is_none());
    if !live {
        return Err(ended());
    }
    let now = Utc::now();
    if stored.used_at.is_some() || stored.revoked_at.is_some() {
        end(&txn, stored.family_id).await?;
        txn.commit().await?;
        return Err(reused());
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
        end(&txn, stored.family_id).await?;
        txn.commit().await?;
        return Err(reused());
    }
    let user = user::Entity::find_by_id(stored.user_id)
        .one(&txn)
        .await?
        .filter(|u| u.active)
        .ok_or_else(bad_refresh)?;
    let session = issue(state, &txn, user, stored.family_id).await?;
    txn.commit().await?;
    Ok(session)
}

/// Ends one session: its refresh tokens are revoked and its access tokens refused.
async fn end(db: &impl ConnectionTrait, session_id: Uuid) -> AppResult<()> {
    let now = Utc::now();
    auth_session::Entity::update_many()
        .col_expr(auth_session::Column::EndedAt, Expr::value(now))
        .filter(auth_session::Column::Id.eq(session_id))
        .filter(auth_session::Column::EndedAt.is_null())
        .exec(db)
        .await?;
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::FamilyId.eq(session_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of `user_id`; returns how many were live.
pub async fn end_all(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<u64> {
    end_all_but(db, user_id, None).await
}

/// Ends every session of `user_id` except `keep`; returns how many were live.
pub async fn end_all_but(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> AppResult<u64> {
    let now = Utc::now();
    let mut sessions = auth_session::Entity::update_many()
        .col_expr(auth_session::Column::EndedAt, Expr::value(now))
        .filter(auth_session::Column::UserId.eq(user_id))
        .filter(auth_session::Column::EndedAt.is_null());
    let mut tokens = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null());
    if let Some(k) = keep {
        sessions = sessions.filter(auth_session::Column::Id.ne(k));
        tokens = tokens.filter(refresh_token::Column::FamilyId.ne(k));
    }
    let ended = sessions.exec(db).await?;
    tokens.exec(db).await?;
    Ok(ended.rows_affected)
}

/// Ends the session the request was signed in with, and the one `refresh_token` belongs to
/// if it is the actor's (usually the same). Unknown tokens are ignored, so logging out twice
/// is harmless.
pub async fn logout(state: &AppState, actor: &Actor, refresh_token: Option<&str>) -> AppResult<()> {
    let txn = crate::db::begin(&state.db).await?;
    end(&txn, actor.session_id).await?;
    if let Some(token) = refresh_token {
        let stored = refresh_token::Entity::find()
            .filter(refresh_token::Column::TokenHash.eq(refresh::hash(token)))
            .filter(refresh_token::Column::UserId.eq(actor.id))
            .one(&txn)
            .await?;
        if let Some(t) = stored {
            end(&txn, t.family_id).await?;
        }
    }
    txn.commit().await?;
    Ok(())
}

/// Ends every session of the actor, on every device, this one included.
pub async fn sign_out_everywhere(state: &AppState, actor: &Actor) -> AppResult<u64> {
    let txn = crate::db::begin(&state.db).await?;
    let n = end_all(&txn, actor.id).await?;
    let changes = json!({ "sessions": n });
    write::note::<Users>(&txn, Some(actor), "sign_out_everywhere", actor.id, changes).await?;
    txn.commit().await?;
    Ok(n)
}

/// An administrator ends every session of a user (a lost phone, a departing employee).
pub async fn end_sessions_of(state: &AppState, actor: &Actor, user_id: Uuid) -> AppResult<u64> {
    actor.require_admin()?;
    let txn = crate::db::begin(&state.db).await?;
    user::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    let n = end_all(&txn, user_id).await?;
    let changes = json!({ "sessions": n });
    write::note::<Users>(&txn, Some(actor), "end_sessions", user_id, changes).await?;
    txn.commit().await?;
    Ok(n)
}
