//! Users and the org tree: create, update, (de)activate, list.

use super::{audit, org, versioned};
use crate::auth::Actor;
use crate::auth::password::Passwords;
use crate::error::{AppError, AppResult, FieldContext, violated_unique};
use crate::pagination::{Key, Page, PageArgs, Sort, page};
use crate::service::resource::Resource;
use crate::sql::contains;
use crate::state::AppState;
use chrono::Utc;
use domain::role::Role;
use domain::text;
use domain::user::{Email, check_manager_change, check_password_strength};
use entity::user;
use sea_orm::Condition;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use uuid::Uuid;

/// Users in the resource registry. The company directory is visible to every signed-in
/// user (and to the sign-in mutations, which answer with the user who signed in).
pub struct Users;

impl Resource for Users {
    const TYPE: &'static str = "User";
    type Entity = user::Entity;
    const ID: user::Column = user::Column::Id;

    fn id_of(row: &user::Model) -> Uuid {
        row.id
    }

    fn scope(_: &AppState, _: Option<&Actor>) -> Condition {
        Condition::all()
    }

    /// A user's history holds their old roles and managers: administrators read every one,
    /// others only their own.
    async fn history_visible(_: &AppState, actor: &Actor, id: Uuid) -> AppResult<bool> {
        Ok(actor.role == Role::Admin || actor.id == id)
    }
}

pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub role: Role,
    pub manager_id: Option<Uuid>,
    pub password: String,
}

pub struct UserUpdate {
    pub id: Uuid,
    pub version: i32,
    pub display_name: Option<String>,
    pub phone: Option<Option<String>>,
    pub role: Option<Role>,
    /// `Some(None)` moves the user to the top of the tree.
    pub manager_id: Option<Option<Uuid>>,
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
    let model = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email.as_str().to_string()),
        display_name: Set(display_name),
        phone: Set(phone),
        role: Set(input.role.as_str().to_string()),
        manager_id: Set(input.manager_id),
        active: Set(true),
        password_hash: Set(hash),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&txn)
    .await
    .map_err(|e| match violated_unique(&e) {
        Some(_) => AppError::Conflict {
            message: "a user with this e-mail already exists".into(),
            details: None,
        },
        None => e.into(),
    })?;
    org::add_user(&txn, model.id, model.manager_id).await?;
    let mut changes = audit::Changes::new();
    changes
        .created("email", &model.email)
        .created("displayName", &model.display_name)
        .created("role", &model.role)
        .created("managerId", &model.manager_id);
    audit::record(
        &txn,
        actor,
        "create",
        "User",
        model.id,
        changes.into_value(),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

#[tracing::instrument(skip_all, fields(actor = %actor.id))]
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    input: UserUpdate,
) -> AppResult<user::Model> {
    actor.require_admin()?;
    let txn = crate::db::begin(db).await?;
    let current = user::Entity::find_by_id(input.id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
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
    if let Some(name) = &input.display_name {
        next.display_name = text::required(name, 100).field("displayName")?;
    }
    if let Some(phone) = &input.phone {
        next.phone = text::optional(phone.as_deref(), 40).field("phone")?;
    }
    if let Some(role) = input.role {
        next.role = role.as_str().to_string();
    }
    if let Some(m) = input.manager_id {
        next.manager_id = m;
    }
    let mut changes = audit::Changes::new();
    changes
        .field("displayName", &current.display_name, &next.display_name)
        .field("phone", &current.phone, &next.phone)
        .field("role", &current.role, &next.role)
        .field("managerId", &current.manager_id, &next.manager_id);
    let saved = save_versioned(&txn, &current, next, input.version).await?;
    if let Some(new_manager) = moves {
        org::move_user(&txn, saved.id, new_manager).await?;
    }
    audit::record(
        &txn,
        Some(actor),
        "update",
        "User",
        saved.id,
        changes.into_value(),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
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
    let current = user::Entity::find_by_id(actor.id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    let mut next = current.clone();
    if let Some(name) = &display_name {
        next.display_name = text::required(name, 100).field("displayName")?;
    }
    if let Some(phone) = &phone {
        next.phone = text::optional(phone.as_deref(), 40).field("phone")?;
    }
    let mut changes = audit::Changes::new();
    changes
        .field("displayName", &current.display_name, &next.display_name)
        .field("phone", &current.phone, &next.phone);
    let saved = save_versioned(&txn, &current, next, version).await?;
    audit::record(
        &txn,
        Some(actor),
        "update",
        "User",
        saved.id,
        changes.into_value(),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
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
    let current = user::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    let mut next = current.clone();
    next.active = active;
    let version = current.version;
    let saved = save_versioned(&txn, &current, next, version).await?;
    if !active {
        super::session::end_all(&txn, id).await?;
    }
    let mut changes = audit::Changes::new();
    changes.field("active", &current.active, &active);
    let action = if active { "activate" } else { "deactivate" };
    audit::record(&txn, Some(actor), action, "User", id, changes.into_value()).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Writes `next` only if the stored version is still `expected`, bumping it.
async fn save_versioned(
    db: &impl ConnectionTrait,
    current: &user::Model,
    mut next: user::Model,
    expected: i32,
) -> AppResult<user::Model> {
    next.version = versioned::next(expected, "the user")?;
    next.updated_at = Utc::now();
    let id = (user::Column::Id, next.id);
    let version = (user::Column::Version, expected);
    if !versioned::write::<user::Entity>(db, current, &next, id, version).await? {
        return Err(AppError::stale("the user"));
    }
    Ok(next)
}

pub async fn require_active_user(
    db: &impl ConnectionTrait,
    id: Uuid,
    field: &str,
) -> AppResult<user::Model> {
    user::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|u| u.active)
        .ok_or_else(|| AppError::validation(field, "no active user has this id"))
}

/// Conditions for the user directory; all given ones must hold.
#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    /// Substring of the name or e-mail, case-insensitive.
    pub search: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// Direct reports of this user.
    pub manager_id: Option<Uuid>,
}

/// The company directory, ordered by name. Every signed-in user may list colleagues.
pub async fn list(
    state: &AppState,
    filter: &UserFilter,
    args: &PageArgs,
    with_total: bool,
) -> AppResult<Page<user::Model>> {
    let mut c = Condition::all();
    if let Some(s) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let s = text::required(s, 100).field("search")?.to_lowercase();
        c = c.add(
            Condition::any()
                .add(
                    Expr::expr(Func::lower(Expr::col(user::Column::DisplayName)))
                        .like(contains(&s)),
                )
                .add(Expr::col(user::Column::Email).like(contains(&s))),
        );
    }
    if let Some(r) = filter.role {
        c = c.add(user::Column::Role.eq(r.as_str()));
    }
    if let Some(a) = filter.active {
        c = c.add(user::Column::Active.eq(a));
    }
    if let Some(m) = filter.manager_id {
        c = c.add(user::Column::ManagerId.eq(m));
    }
    let sort = Sort::<user::Entity> {
        name: "displayName".into(),
        column: user::Column::DisplayName,
        id: user::Column::Id,
        desc: false,
        nullable: false,
        key: |m| Key::Text(m.display_name.clone()),
    };
    page(
        &state.db,
        user::Entity::find().filter(c),
        &sort,
        args,
        with_total,
    )
    .await
}
