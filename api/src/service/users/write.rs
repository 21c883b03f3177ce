//! Creating users and changing them: profile, role, manager (the org tree moves in the same
//! transaction), activation. Every change goes through [`crate::service::write`].

use super::{NewUser, UserUpdate, Users, require_active_user};
use crate::auth::Actor;
use crate::auth::password::Passwords;
use crate::error::{AppError, AppResult, FieldContext};
use crate::service::org;
use crate::service::write::{self, Stored};
use chrono::{DateTime, Utc};
use domain::text;
use domain::user::{Email, check_manager_change, check_password_strength};
use entity::user;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, EntityTrait};
use serde_json::{Value, json};
use uuid::Uuid;

fn audit_json(m: &user::Model) -> Value {
    json!({
        "email": m.email, "displayName": m.display_name, "phone": m.phone, "role": m.role,
        "managerId": m.manager_id, "active": m.active,
    })
}

impl Stored for Users {
    const NOUN: &'static str = "the user";
    const VERSION: user::Column = user::Column::Version;

    fn stamp(row: &mut user::Model, version: i32, now: DateTime<Utc>) {
        row.version = version;
        row.updated_at = now;
    }

    /// The password hash never enters the history: a change of password shows as `***`.
    fn changes(before: Option<&user::Model>, after: &user::Model) -> Value {
        let mut changes = crate::service::audit::Changes::between(
            before.map(audit_json).as_ref(),
            &audit_json(after),
        );
        if before.is_some_and(|b| b.password_hash != after.password_hash) {
            changes.secret("password");
        }
        changes.into_value()
    }

    async fn refused<C: ConnectionTrait>(_: &C, _: &user::Model, _: DbErr) -> AppError {
        AppError::conflict("a user with this e-mail already exists")
    }
}

/// Creates a user. `actor` is `None` only for the command-line bootstrap of the first admin.
pub async fn create(
    db: &DatabaseConnection,
    passwords: &Passwords,
    actor: Option<&Actor>,
    input: NewUser,
) -> AppResult<user::Model> {
    if let Some(a) = actor {
        a.require_admin()?;
    }
    let email = Email::parse(&input.email).field("email")?;
    let display_name = text::required(&input.display_name, 100).field("displayName")?;
    let phone = text::optional(input.phone.as_deref(), 40).field("phone")?;
    check_password_strength(&input.password, &[email.as_str(), &display_name]).field("password")?;
    let hash = passwords.hash_blocking(input.password).await?;
    let txn = crate::db::begin(db).await?;
    if let Some(m) = input.manager_id {
        org::lock(&txn).await?;
        require_active_user(&txn, m, "managerId").await?;
    }
    let now = Utc::now();
    let row = user::Model {
        id: Uuid::now_v7(),
        email: email.as_str().to_string(),
        display_name,
        phone,
        role: input.role.as_str().to_string(),
        manager_id: input.manager_id,
        active: true,
        password_hash: hash,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let saved = write::insert::<Users, _>(&txn, actor, "create", row).await?;
    org::add_user(&txn, saved.id, saved.manager_id).await?;
    txn.commit().await?;
    Ok(saved)
}

#[tracing::instrument(skip_all, fields(actor = %actor.id))]
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    input: UserUpdate,
) -> AppResult<user::Model> {
    actor.require_admin()?;
    let txn = crate::db::begin(db).await?;
    let current = locked(&txn, input.id).await?;
    let changes_rights = input.role.is_some_and(|r| r.as_str() != current.role)
        || input.manager_id.is_some_and(|m| m != current.manager_id);
    if input.id == actor.id && changes_rights {
        return Err(AppError::forbidden(
            "nobody may change their own role or manager",
        ));
    }
    let moves = input.manager_id.filter(|m| *m != current.manager_id);
    if let Some(new_manager) = moves {
        org::lock(&txn).await?;
        if let Some(m) = new_manager {
            require_active_user(&txn, m, "managerId").await?;
        }
        let chain = match new_manager {
            Some(m) => org::chain_up(&txn, m).await?,
            None => vec![],
        };
        check_manager_change(input.id, new_manager, &chain)
            .map_err(|e| AppError::rule("ORG_TREE_CYCLE", e.to_string()))?;
    }
    let mut next = current.clone();
    profile(
        &mut next,
        input.display_name.as_deref(),
        input.phone.as_ref(),
    )?;
    if let Some(role) = input.role {
        next.role = role.as_str().to_string();
    }
    if let Some(m) = input.manager_id {
        next.manager_id = m;
    }
    let saved =
        write::update::<Users, _>(&txn, Some(actor), "update", &current, next, input.version)
            .await?;
    if let Some(new_manager) = moves {
        org::move_user(&txn, saved.id, new_manager).await?;
    }
    txn.commit().await?;
    Ok(saved)
}

/// The user row, locked until the transaction ends. Only administrators and the user
/// themselves reach here, so the directory's scope (everyone) is no further check.
async fn locked(db: &impl ConnectionTrait, id: Uuid) -> AppResult<user::Model> {
    use sea_orm::QuerySelect;
    user::Entity::find_by_id(id)
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("user"))
}

fn profile(
    next: &mut user::Model,
    display_name: Option<&str>,
    phone: Option<&Option<String>>,
) -> AppResult<()> {
    if let Some(name) = display_name {
        next.display_name = text::required(name, 100).field("displayName")?;
    }
    if let Some(phone) = phone {
        next.phone = text::optional(phone.as_deref(), 40).field("phone")?;
    }
    Ok(())
}

/// Lets any user edit their own name and phone (never role or manager).
pub async fn update_profile(
    db: &DatabaseConnection,
    actor: &Actor,
    version: i32,
    display_name: Option<String>,
    phone: Option<Option<String>>,
) -> AppResult<user::Model> {
    let txn = crate::db::begin(db).await?;
    let current = locked(&txn, actor.id).await?;
    let mut next = current.clone();
    profile(&mut next, display_name.as_deref(), phone.as_ref())?;
    let saved =
        write::update::<Users, _>(&txn, Some(actor), "update", &current, next, version).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Replaces a user's password hash (the caller checked the old password): the version moves
/// on, so a profile change made against the old version cannot write the old hash back.
pub async fn set_password_hash(
    db: &impl ConnectionTrait,
    actor: &Actor,
    hash: String,
) -> AppResult<user::Model> {
    let current = locked(db, actor.id).await?;
    let mut next = current.clone();
    next.password_hash = hash;
    let expected = current.version;
    write::update::<Users, _>(db, Some(actor), "change_password", &current, next, expected).await
}

/// Deactivating a user ends their sessions; their access tokens stop working at once.
#[tracing::instrument(skip_all, fields(actor = %actor.id))]
pub async fn set_active(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    active: bool,
) -> AppResult<user::Model> {
    actor.require_admin()?;
    if id == actor.id && !active {
        return Err(AppError::rule(
            "SELF_DEACTIVATION",
            "you cannot deactivate yourself",
        ));
    }
    let txn = crate::db::begin(db).await?;
    let current = locked(&txn, id).await?;
    let mut next = current.clone();
    next.active = active;
    let action = if active { "activate" } else { "deactivate" };
    let expected = current.version;
    let saved =
        write::update::<Users, _>(&txn, Some(actor), action, &current, next, expected).await?;
    if !active {
        crate::service::session::end_all(&txn, id).await?;
    }
    txn.commit().await?;
    Ok(saved)
}
