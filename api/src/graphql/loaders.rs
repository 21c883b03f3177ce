//! DataLoaders, created per request with the request's actor, so a batch never mixes actors
//! and every load goes through the actor's scope as the resource registry declares it: a page
//! of customers with their contacts, owners and shares costs a fixed number of queries.

use super::context::RequestAuth;
use crate::auth::Actor;
use crate::service::customers::{Customers, access};
use crate::service::resource::{self, Child, Resource, Row};
use crate::state::AppState;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
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

    /// Every parent asked for gets an entry, an empty one when it has no children, so a
    /// prefetched page answers its childless rows from the cache too.
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Vec<Row<C>>> {
        let mut found = resource::children::<C>(&self.state, self.actor.as_ref(), keys)
            .await
            .map_err(|e| e.to_graphql())?;
        for k in keys {
            found.entry(*k).or_default();
        }
        Ok(found)
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

/// Loads `R` by id for this request; what it loaded once it answers again from its cache.
pub type Records<R> = DataLoader<ById<R>, HashMapCache>;
/// How long a loader waits for more keys before it fetches. Every field of one level of a page
/// asks for its key within microseconds of the first, so a fifth of a millisecond keeps a
/// page's batch whole (the same 9 statements for 5 and 45 rows, debug build) where the
/// default millisecond was pure latency on each level (2 ms of a 4 ms detail query). No wait
/// at all splits the batch: the fetch can run before the other fields have asked.
const BATCH_WINDOW: std::time::Duration = std::time::Duration::from_micros(200);

/// Loads the children `C` of parents for this request.
pub type Children<C> = DataLoader<ChildrenOf<C>, HashMapCache>;

/// What the actor may do with each customer, for this request.
pub type Accesses = DataLoader<AccessLoader, HashMapCache>;

fn by_id<R: Resource>(state: &AppState, actor: Option<&Actor>) -> Records<R>
where
    Row<R>: Clone + Send + Sync,
{
    DataLoader::with_cache(
        ById {
            state: state.clone(),
            actor: actor.cloned(),
            _r: PhantomData,
        },
        tokio::spawn,
        HashMapCache::default(),
    )
    .delay(BATCH_WINDOW)
}

fn children_of<C: Child>(state: &AppState, actor: Option<&Actor>) -> Children<C>
where
    Row<C>: Clone + Send + Sync,
{
    DataLoader::with_cache(
        ChildrenOf {
            state: state.clone(),
            actor: actor.cloned(),
            _c: PhantomData,
        },
        tokio::spawn,
        HashMapCache::default(),
    )
    .delay(BATCH_WINDOW)
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
        Some(a) => request.data(
            DataLoader::with_cache(
                AccessLoader {
                    state: state.clone(),
                    actor: a.clone(),
                },
                tokio::spawn,
                HashMapCache::default(),
            )
            .delay(BATCH_WINDOW),
        ),
        None => request,
    }
}
