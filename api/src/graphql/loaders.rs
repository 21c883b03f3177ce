//! DataLoaders, created per request with the request's actor, so a batch never mixes actors
//! and every load goes through the actor's scope: a page of customers with their contacts,
//! owners and shares costs a fixed number of queries.

use super::context::RequestAuth;
use crate::auth::Actor;
use crate::error::AppError;
use crate::permission;
use crate::service::{contacts, customers};
use crate::state::AppState;
use async_graphql::dataloader::{DataLoader, Loader};
use domain::permission::ShareLevel;
use entity::{contact, customer, customer_share, user};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;
use uuid::Uuid;

type LoadResult<V> = Result<HashMap<Uuid, V>, async_graphql::Error>;

fn gql(e: sea_orm::DbErr) -> async_graphql::Error {
    AppError::from(e).to_graphql()
}

/// Users by id. The company directory is visible to every signed-in user.
pub struct UserLoader {
    pub state: AppState,
}

impl Loader<Uuid> for UserLoader {
    type Value = user::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<user::Model> {
        let rows = user::Entity::find()
            .filter(user::Column::Id.is_in(keys.iter().copied()))
            .all(&self.state.db)
            .await
            .map_err(gql)?;
        Ok(rows.into_iter().map(|u| (u.id, u)).collect())
    }
}

/// Customers by id, within the actor's scope.
pub struct CustomerLoader {
    pub state: AppState,
    pub actor: Actor,
}

impl Loader<Uuid> for CustomerLoader {
    type Value = customer::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<customer::Model> {
        let rows = customers::query::scoped(&self.state, &self.actor)
            .filter(customer::Column::Id.is_in(keys.iter().copied()))
            .all(&self.state.db)
            .await
            .map_err(gql)?;
        Ok(rows.into_iter().map(|c| (c.id, c)).collect())
    }
}

/// Live contacts by customer id, within the actor's scope.
pub struct ContactsByCustomerLoader {
    pub state: AppState,
    pub actor: Actor,
}

impl Loader<Uuid> for ContactsByCustomerLoader {
    type Value = Vec<contact::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Vec<contact::Model>> {
        let rows = contacts::scoped(&self.state, &self.actor)
            .filter(contact::Column::CustomerId.is_in(keys.iter().copied()))
            .order_by_asc(contact::Column::Id)
            .all(&self.state.db)
            .await
            .map_err(gql)?;
        let mut out: HashMap<Uuid, Vec<contact::Model>> = HashMap::new();
        for c in rows {
            out.entry(c.customer_id).or_default().push(c);
        }
        Ok(out)
    }
}

/// Shares by customer id, for customers within the actor's scope.
pub struct SharesLoader {
    pub state: AppState,
    pub actor: Actor,
}

impl Loader<Uuid> for SharesLoader {
    type Value = Vec<customer_share::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Vec<customer_share::Model>> {
        let visible = Query::select()
            .column(customer::Column::Id)
            .from(customer::Entity)
            .cond_where(permission::customers(
                &self.actor,
                &self.state.role_settings,
            ))
            .to_owned();
        let rows = customer_share::Entity::find()
            .filter(customer_share::Column::CustomerId.is_in(keys.iter().copied()))
            .filter(customer_share::Column::CustomerId.in_subquery(visible))
            .order_by_asc(customer_share::Column::Id)
            .all(&self.state.db)
            .await
            .map_err(gql)?;
        let mut out: HashMap<Uuid, Vec<customer_share::Model>> = HashMap::new();
        for s in rows {
            out.entry(s.customer_id).or_default().push(s);
        }
        Ok(out)
    }
}

/// The actor's own share level of each customer (for `customer.access`).
pub struct ActorShareLoader {
    pub state: AppState,
    pub actor: Actor,
}

impl Loader<Uuid> for ActorShareLoader {
    type Value = ShareLevel;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<ShareLevel> {
        let rows = customer_share::Entity::find()
            .filter(customer_share::Column::UserId.eq(self.actor.id))
            .filter(customer_share::Column::CustomerId.is_in(keys.iter().copied()))
            .all(&self.state.db)
            .await
            .map_err(gql)?;
        Ok(rows
            .into_iter()
            .filter_map(|s| ShareLevel::parse(&s.level).map(|l| (s.customer_id, l)))
            .collect())
    }
}

/// Registers this request's loaders on a GraphQL request. Scoped loaders exist only for a
/// signed-in actor; without one, every field that needs them fails first on `ctx.actor()`.
pub fn attach(
    request: async_graphql::Request,
    state: &AppState,
    auth: &RequestAuth,
) -> async_graphql::Request {
    let request = request.data(DataLoader::new(
        UserLoader {
            state: state.clone(),
        },
        tokio::spawn,
    ));
    let RequestAuth::Authenticated(actor) = auth else {
        return request;
    };
    let s = || state.clone();
    let a = || actor.clone();
    request
        .data(DataLoader::new(
            CustomerLoader {
                state: s(),
                actor: a(),
            },
            tokio::spawn,
        ))
        .data(DataLoader::new(
            ContactsByCustomerLoader {
                state: s(),
                actor: a(),
            },
            tokio::spawn,
        ))
        .data(DataLoader::new(
            SharesLoader {
                state: s(),
                actor: a(),
            },
            tokio::spawn,
        ))
        .data(DataLoader::new(
            ActorShareLoader {
                state: s(),
                actor: a(),
            },
            tokio::spawn,
        ))
}
