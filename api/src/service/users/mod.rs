//! Users and the org tree: create, update, (de)activate, list.

mod write;

pub use write::{create, set_active, set_password_hash, update, update_profile};

use crate::auth::Actor;
use crate::error::{AppError, AppResult, FieldContext};
use crate::pagination::{Key, Page, PageArgs, Sort, page};
use crate::service::resource::Resource;
use crate::sql::contains;
use crate::state::AppState;
use domain::role::Role;
use domain::text;
use entity::user;
use sea_orm::Condition;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
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
