//! Users and the org tree in the API: `me`, `users`, `user`, `subordinates`, and the
//! administrator's mutations.

use super::connection::wants_total;
use super::context::ContextExt;
use super::ids;
use super::loaders::UserLoader;
use crate::error::{AppError, AppResult};
use crate::pagination::{Key, PageArgs, Sort, page};
use crate::service::{org, users};
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::role::Role as DomainRole;
use domain::text::escape_like;
use entity::user;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use uuid::Uuid;

/// What a user may do; each role is a fixed set of capabilities (see the README).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Role {
    Admin,
    Manager,
    Sales,
    Finance,
    Warehouse,
}

impl From<Role> for DomainRole {
    fn from(r: Role) -> Self {
        match r {
            Role::Admin => DomainRole::Admin,
            Role::Manager => DomainRole::Manager,
            Role::Sales => DomainRole::Sales,
            Role::Finance => DomainRole::Finance,
            Role::Warehouse => DomainRole::Warehouse,
        }
    }
}

impl From<DomainRole> for Role {
    fn from(r: DomainRole) -> Self {
        match r {
            DomainRole::Admin => Role::Admin,
            DomainRole::Manager => Role::Manager,
            DomainRole::Sales => Role::Sales,
            DomainRole::Finance => Role::Finance,
            DomainRole::Warehouse => Role::Warehouse,
        }
    }
}

/// A person who signs in: a salesperson, manager, finance or warehouse clerk, or admin.
#[derive(Clone)]
pub struct User(pub user::Model);

#[Object]
impl User {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode("User", self.0.id)
    }
    /// Lower-cased e-mail; unique.
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    async fn role(&self) -> Role {
        DomainRole::parse(&self.0.role)
            .unwrap_or(DomainRole::Sales)
            .into()
    }
    /// The user's manager in the org tree; null at the top.
    async fn manager(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(m) = self.0.manager_id else {
            return Ok(None);
        };
        let loader = ctx.data::<DataLoader<UserLoader>>()?;
        Ok(loader.load_one(m).await?.map(User))
    }
    /// Deactivated users cannot sign in and their tokens stop working at once.
    async fn active(&self) -> bool {
        self.0.active
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Send back with updates; a stale version is a `CONFLICT`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Filters for `users`; all given conditions must hold.
#[derive(InputObject, Default)]
pub struct UserFilter {
    /// Substring of the name or e-mail, case-insensitive.
    pub search: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// Direct reports of this user.
    pub manager_id: Option<ID>,
}

/// A user below the actor in the org tree and how far below.
#[derive(SimpleObject)]
pub struct Subordinate {
    pub user: User,
    /// 1 for a direct report, 2 for their reports, and so on.
    pub depth: i32,
}

crate::connection_type!(UserConnection, UserEdge, User);

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// The signed-in user.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let me = user::Entity::find_by_id(actor.id)
            .one(&state.db)
            .await
            .map_err(AppError::from)?
            .ok_or_else(|| AppError::not_found("user"))?;
        Ok(User(me))
    }

    /// Everyone in the company directory, ordered by name. Any signed-in user may list
    /// colleagues (to share a customer with them, say).
    async fn users(
        &self,
        ctx: &Context<'_>,
        filter: Option<UserFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<UserConnection> {
        let _ = ctx.actor()?;
        let state = ctx.state()?;
        let cond = user_filter(filter.unwrap_or_default())?;
        let sort = Sort::<user::Entity> {
            name: "displayName".into(),
            column: user::Column::DisplayName,
            id: user::Column::Id,
            desc: false,
            nullable: false,
            key: |m| Key::Text(m.display_name.clone()),
        };
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let p = page(
            &state.db,
            user::Entity::find().filter(cond),
            &sort,
            &args,
            wants_total(ctx),
        )
        .await?;
        Ok(UserConnection::from_page(p, User))
    }

    /// One user by global id.
    async fn user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<User>> {
        let _ = ctx.actor()?;
        let uuid = ids::decode("id", "User", &id)?;
        let loader = ctx.data::<DataLoader<UserLoader>>()?;
        Ok(loader.load_one(uuid).await?.map(User))
    }

    /// Everyone below the signed-in user in the org tree, down to `depth` levels (all when
    /// omitted), nearest first.
    async fn subordinates(
        &self,
        ctx: &Context<'_>,
        depth: Option<i32>,
    ) -> async_graphql::Result<Vec<Subordinate>> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        if depth.is_some_and(|d| d < 1) {
            return Err(AppError::validation("depth", "must be at least 1").into());
        }
        let tree = org::subtree(&state.db, actor.id, depth).await?;
        let ids: Vec<Uuid> = tree
            .iter()
            .filter(|(_, d)| *d > 0)
            .map(|(id, _)| *id)
            .collect();
        let loader = ctx.data::<DataLoader<UserLoader>>()?;
        let users = loader.load_many(ids).await?;
        let mut out: Vec<Subordinate> = tree
            .into_iter()
            .filter_map(|(id, depth)| {
                users.get(&id).map(|u| Subordinate {
                    user: User(u.clone()),
                    depth,
                })
            })
            .collect();
        out.sort_by(|a, b| {
            (a.depth, &a.user.0.display_name).cmp(&(b.depth, &b.user.0.display_name))
        });
        Ok(out)
    }
}

fn user_filter(f: UserFilter) -> AppResult<Condition> {
    let mut c = Condition::all();
    if let Some(s) = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let s = domain::text::required(s, 100)
            .map_err(|e| AppError::validation("search", e.to_string()))?;
        let pattern = format!("%{}%", escape_like(&s.to_lowercase()));
        c = c.add(
            Condition::any()
                .add(
                    Expr::expr(Func::lower(Expr::col(user::Column::DisplayName)))
                        .like(LikeExpr::new(pattern.clone()).escape('\\')),
                )
                .add(Expr::col(user::Column::Email).like(LikeExpr::new(pattern).escape('\\'))),
        );
    }
    if let Some(r) = f.role {
        c = c.add(user::Column::Role.eq(DomainRole::from(r).as_str()));
    }
    if let Some(a) = f.active {
        c = c.add(user::Column::Active.eq(a));
    }
    if let Some(m) = ids::decode_opt("filter.managerId", "User", f.manager_id.as_ref())? {
        c = c.add(user::Column::ManagerId.eq(m));
    }
    Ok(c)
}

#[derive(InputObject)]
pub struct CreateUserInput {
    pub email: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub role: Role,
    pub manager_id: Option<ID>,
    /// At least 10 characters mixing letters with digits or symbols.
    pub password: String,
}

#[derive(InputObject)]
pub struct UpdateUserInput {
    pub id: ID,
    /// The version the change was made against.
    pub version: i32,
    pub display_name: Option<String>,
    /// Null clears the phone; leave it out to keep it.
    pub phone: MaybeUndefined<String>,
    pub role: Option<Role>,
    /// Null moves the user to the top of the tree; leave it out to keep the manager.
    pub manager_id: MaybeUndefined<ID>,
}

#[derive(InputObject)]
pub struct UpdateProfileInput {
    pub version: i32,
    pub display_name: Option<String>,
    pub phone: MaybeUndefined<String>,
}

#[derive(InputObject)]
pub struct SetUserActiveInput {
    pub id: ID,
}

/// The user a mutation created or changed.
#[derive(SimpleObject)]
pub struct UserPayload {
    pub user: User,
}

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Creates a user (administrators only).
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> async_graphql::Result<UserPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let manager_id = ids::decode_opt("managerId", "User", input.manager_id.as_ref())
            .map_err(|_| AppError::validation("managerId", "no active user has this id"))?;
        let model = users::create(
            &state.db,
            &state.passwords,
            Some(actor),
            users::NewUser {
                email: input.email,
                display_name: input.display_name,
                phone: input.phone,
                role: input.role.into(),
                manager_id,
                password: input.password,
            },
        )
        .await?;
        Ok(UserPayload { user: User(model) })
    }

    /// Changes a user's name, phone, role or manager (administrators only; nobody changes
    /// their own role or manager). A change that would make a cycle is refused.
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        input: UpdateUserInput,
    ) -> async_graphql::Result<UserPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let id = ids::decode("id", "User", &input.id)?;
        let manager_id = match super::change(input.manager_id) {
            Some(Some(m)) => Some(Some(ids::decode("managerId", "User", &m).map_err(
                |_| AppError::validation("managerId", "no active user has this id"),
            )?)),
            Some(None) => Some(None),
            None => None,
        };
        let model = users::update(
            &state.db,
            actor,
            users::UserUpdate {
                id,
                version: input.version,
                display_name: input.display_name,
                phone: super::change(input.phone),
                role: input.role.map(Into::into),
                manager_id,
            },
        )
        .await?;
        Ok(UserPayload { user: User(model) })
    }

    /// Changes the signed-in user's own name or phone.
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        input: UpdateProfileInput,
    ) -> async_graphql::Result<UserPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let model = users::update_profile(
            &state.db,
            actor,
            input.version,
            input.display_name,
            super::change(input.phone),
        )
        .await?;
        Ok(UserPayload { user: User(model) })
    }

    /// Deactivates a user (administrators only): they can no longer sign in and their
    /// tokens stop working at once.
    async fn deactivate_user(
        &self,
        ctx: &Context<'_>,
        input: SetUserActiveInput,
    ) -> async_graphql::Result<UserPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let id = ids::decode("id", "User", &input.id)?;
        let model = users::set_active(&state.db, actor, id, false).await?;
        Ok(UserPayload { user: User(model) })
    }

    /// Lets a deactivated user sign in again (administrators only).
    async fn reactivate_user(
        &self,
        ctx: &Context<'_>,
        input: SetUserActiveInput,
    ) -> async_graphql::Result<UserPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let id = ids::decode("id", "User", &input.id)?;
        let model = users::set_active(&state.db, actor, id, true).await?;
        Ok(UserPayload { user: User(model) })
    }
}
