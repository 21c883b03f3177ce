//! User queries: `me`, `users`, `user`, `subordinates`.

use super::{Role, User};
use crate::error::AppError;
use crate::graphql::connection::wants_total;
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::graphql::loaders::Records;
use crate::pagination::PageArgs;
use crate::service::org;
use crate::service::users::{self, Users};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use domain::role::Role as DomainRole;
use uuid::Uuid;
/// Filters for `users`; all given conditions must hold.
#[derive(InputObject, Default)]
pub struct UserFilter {
    /// Substring of the name or e-mail, case-insensitive.
    pub search: Option<String>,
    /// Users with this role.
    pub role: Option<Role>,
    /// Only active users (true) or only deactivated ones (false).
    pub active: Option<bool>,
    /// Direct reports of this user.
    pub manager_id: Option<ID>,
}

/// A user below the actor in the org tree and how far below.
#[derive(SimpleObject)]
pub struct Subordinate {
    /// The person below.
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
        let me = ctx
            .data::<Records<Users>>()?
            .load_one(actor.id)
            .await?
            .ok_or_else(|| AppError::not_found("user"))?;
        Ok(User(me))
    }

    /// Everyone in the company directory, ordered by name. Any signed-in user may list
    /// colleagues (to share a customer with them, say).
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
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
        let f = filter.unwrap_or_default();
        let filter = users::UserFilter {
            search: f.search,
            role: f.role.map(DomainRole::from),
            active: f.active,
            manager_id: ids::decode_opt("filter.managerId", "User", f.manager_id.as_ref())?,
        };
        let args = PageArgs {
            max_size: Some(ctx.state()?.config.max_page_size),
            first,
            after,
            last,
            before,
        };
        let p = users::list(state, &filter, &args, wants_total(ctx)).await?;
        Ok(UserConnection::from_page(p, User))
    }

    /// One user by global id.
    async fn user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<User>> {
        let _ = ctx.actor()?;
        let uuid = ids::decode("id", "User", &id)?;
        let loader = ctx.data::<Records<Users>>()?;
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
        let loader = ctx.data::<Records<Users>>()?;
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
