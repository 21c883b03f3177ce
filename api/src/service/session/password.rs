//! Changing one's own password.

use crate::auth::Actor;
use crate::error::{AppError, AppResult, FieldContext};
use crate::state::AppState;
use domain::user::check_password_strength;
use entity::user;
use sea_orm::EntityTrait;

/// Changes the actor's password after checking the current one; every other session of theirs
/// ends, so a thief who knew the old password is signed out.
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
    check_password_strength(new, &[&user.email, &user.display_name]).field("newPassword")?;
    if new == current {
        return Err(AppError::validation(
            "newPassword",
            "must differ from the current one",
        ));
    }
    let hash = state.passwords.hash_blocking(new.to_string()).await?;
    let txn = crate::db::begin(&state.db).await?;
    crate::service::users::set_password_hash(&txn, actor, hash).await?;
    super::end_all_but(&txn, actor.id, Some(actor.session_id)).await?;
    txn.commit().await?;
    Ok(())
}
