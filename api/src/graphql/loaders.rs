//! DataLoaders, created per request with the request's actor, so a batch never mixes actors
//! and every load goes through the actor's scope as the resource registry declares it: a page
//! of customers with their contacts, owners and shares costs a fixed number of queries.

use super::context::RequestAuth;
use crate::auth::Actor;
use crate::service::customers::{Customers, access};
use crate::service::resource::{self, Child, Resource, Row};
use crate::state::AppState;
use async_graphql::dataloader::{DataLoader, Loader};
use domain::permission::Access;
use std::collections::HashMap;
use std::marker::PhantomData;
use uuid::Uuid;

type LoadResult<V> = Result<HashMap<Uuid, V>, async_graphql::Error>;

/// Records of resource `R` by id, within the actor's scope.
pub struct ById<R> {
    state: AppState,
    actor: Option<Actor>,
    _r: PhantomData<fn() -> R>,
}

impl<R: Resource> Loader<Uuid> for ById<R>
where
    Row<R>: Clone + Send + Sync,
{
    type Value = Row<R>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Row<R>> {
        resource::load::<R>(&self.state.db, &self.state, self.actor.as_ref(), keys)
            .await
            .map_err(|e| e.to_graphql())
    }
}

/// The readable children of resource `C` by parent id, oldest first.
pub struct ChildrenOf<C> {
    state: AppState,
    actor: Option<Actor>,
    _c: PhantomData<fn() -> C>,
}

impl<C: Child> Loader<Uuid> for ChildrenOf<C>
where
    Row<C>: Clone + Send + Sync,
{
    type Value = Vec<Row<C>>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Vec<Row<C>>> {
        resource::children::<C>(&self.state, self.actor.as_ref(), keys)
            .await
            .map_err(|e| e.to_graphql())
    }
}

/// What the actor may do with each customer, keyed by (customer, owner): a page of
/// customers costs two statements (the actor's shares, and which owners are below them).
pub struct AccessLoader {
    state: AppState,
    actor: Actor,
}

pub type CustomerKey = (Uuid, Option<Uuid>);

impl Loader<CustomerKey> for AccessLoader {
    type Value = Access;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[CustomerKey],
    ) -> Result<HashMap<CustomerKey, Access>, async_graphql::Error> {
        access::evaluate_many(&self.state, &self.actor, keys)
            .await
            .map_err(|e| e.to_graphql())
    }
}

/// Loads `R` by id for this request.
pub type Records<R> = DataLoader<ById<R>>;
/// Loads the children `C` of parents for this request.
pub type Children<C> = DataLoader<ChildrenOf<C>>;

fn by_id<R: Resource>(state: &AppState, actor: Option<&Actor>) -> Records<R>
where
    Row<R>: Clone + Send + Sync,
{
    DataLoader::new(
        ById {
            state: state.clone(),
            actor: actor.cloned(),
            _r: PhantomData,
        },
        tokio::spawn,
    )
}

fn children_of<C: Child>(state: &AppState, actor: Option<&Actor>) -> Children<C>
where
    Row<C>: Clone + Send + Sync,
{
    DataLoader::new(
        ChildrenOf {
            state: state.clone(),
            actor: actor.cloned(),
            _c: PhantomData,
        },
        tokio::spawn,
    )
}

/// Registers this request's loaders on a GraphQL request. Without an actor each resource's
/// scope decides what it shows (the directory of users, nothing else).
pub fn attach(
    request: async_graphql::Request,
    state: &AppState,
    auth: &RequestAuth,
) -> async_graphql::Request {
    use crate::service::contacts::Contacts;
    use crate::service::customers::sharing::CustomerShares;
    use crate::service::users::Users;
    let actor = match auth {
        RequestAuth::Authenticated(a) => Some(a),
        _ => None,
    };
    let request = request
        .data(by_id::<Users>(state, actor))
        .data(by_id::<Customers>(state, actor))
        .data(by_id::<Contacts>(state, actor))
        .data(children_of::<Contacts>(state, actor))
        .data(children_of::<CustomerShares>(state, actor));
    match actor {
        Some(a) => request.data(DataLoader::new(
            AccessLoader {
                state: state.clone(),
                actor: a.clone(),
            },
            tokio::spawn,
        )),
        None => request,
    }
}
