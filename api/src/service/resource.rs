//! The resource registry: every record type the API serves declares here, once, its name
//! (GraphQL type, global-id prefix, audit entity type and field-policy key), its row scope,
//! and the steps other use cases take on it (its history's visibility, its part of a customer
//! merge). Lookups by id, batch loads, `node`, audit visibility and merges go through it, so a
//! new entity is one `impl Resource` plus one line in [`REGISTRY`].
//!
//! The field policy lives in `domain::fields` under the same type name.

use crate::auth::Actor;
use crate::error::AppResult;
use crate::state::AppState;
use futures::future::BoxFuture;
use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder,
};
use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use uuid::Uuid;

/// A stored row of a resource.
pub type Row<R> = <<R as Resource>::Entity as EntityTrait>::Model;
type Column<R> = <<R as Resource>::Entity as EntityTrait>::Column;

pub trait Resource: Sized + Send + Sync + 'static {
    /// GraphQL type name and global-id prefix.
    const TYPE: &'static str;
    type Entity: EntityTrait + Default;
    /// The primary key column (every table keys on a UUID `id`).
    const ID: Column<Self>;

    fn id_of(row: &Row<Self>) -> Uuid;

    /// The rows `actor` may read, as one SQL condition. `None`: nobody is signed in (only the
    /// sign-in mutations answer then).
    fn scope(state: &AppState, actor: Option<&Actor>) -> Condition;

    /// Whether `actor` may read the change history of record `id`: by default exactly when
    /// they may read the record.
    fn history_visible(
        state: &AppState,
        actor: &Actor,
        id: Uuid,
    ) -> impl Future<Output = AppResult<bool>> + Send {
        async move {
            Ok(find::<Self>(&state.db, state, Some(actor), id)
                .await?
                .is_some())
        }
    }

    /// This resource's part of merging customers `dups` into `survivor`, inside the merge's
    /// transaction: rows belonging to a duplicate move to the survivor. Nothing by default.
    fn merge_customers<'a>(
        _txn: &'a DatabaseTransaction,
        _actor: &'a Actor,
        _survivor: &'a entity::customer::Model,
        _dups: &'a [Uuid],
    ) -> impl Future<Output = AppResult<()>> + Send + 'a {
        async { Ok(()) }
    }
}

/// A resource whose rows belong to a parent record and are visible exactly when it is.
pub trait Child: Resource {
    type Parent: Resource;
    /// The column holding the parent's id.
    const PARENT: Column<Self>;
    fn parent_of(row: &Row<Self>) -> Uuid;
}

/// `column IN (SELECT id FROM parent WHERE <parent scope>)`: the scope a child inherits. A
/// child entity's scope is this (and its own conditions such as not being deleted).
pub fn child_of<P: Resource>(
    column: impl IntoColumnRef,
    state: &AppState,
    actor: Option<&Actor>,
) -> SimpleExpr {
    Expr::col(column).in_subquery(
        Query::select()
            .column(P::ID)
            .from(P::Entity::default())
            .cond_where(P::scope(state, actor))
            .to_owned(),
    )
}

/// A condition no row meets, for actors a resource shows nothing to.
pub fn nothing() -> Condition {
    Condition::all().add(Expr::val(1).eq(0))
}

/// Rows with these ids that the actor may read, in one statement.
pub async fn load<R: Resource>(
    db: &impl ConnectionTrait,
    state: &AppState,
    actor: Option<&Actor>,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Row<R>>> {
    let rows = R::Entity::find()
        .filter(R::scope(state, actor))
        .filter(crate::sql::among(R::ID, ids, db.get_database_backend()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (R::id_of(&r), r)).collect())
}

/// One row if the actor may read it.
pub async fn find<R: Resource>(
    db: &impl ConnectionTrait,
    state: &AppState,
    actor: Option<&Actor>,
    id: Uuid,
) -> AppResult<Option<Row<R>>> {
    Ok(R::Entity::find()
        .filter(R::scope(state, actor))
        .filter(R::ID.eq(id))
        .one(db)
        .await?)
}

/// The readable children of each of these parents, oldest id first, in one statement.
pub async fn children<C: Child>(
    state: &AppState,
    actor: Option<&Actor>,
    parents: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<Row<C>>>> {
    let rows = C::Entity::find()
        .filter(C::scope(state, actor))
        .filter(crate::sql::among(
            C::PARENT,
            parents,
            state.db.get_database_backend(),
        ))
        .order_by_asc(C::ID)
        .all(&state.db)
        .await?;
    let mut out: HashMap<Uuid, Vec<Row<C>>> = HashMap::new();
    for r in rows {
        out.entry(C::parent_of(&r)).or_default().push(r);
    }
    Ok(out)
}

/// What the registry needs of a resource without knowing its type.
pub trait Registered: Sync {
    fn type_name(&self) -> &'static str;
    fn history_visible<'a>(
        &self,
        state: &'a AppState,
        actor: &'a Actor,
        id: Uuid,
    ) -> BoxFuture<'a, AppResult<bool>>;
    fn merge_customers<'a>(
        &self,
        txn: &'a DatabaseTransaction,
        actor: &'a Actor,
        survivor: &'a entity::customer::Model,
        dups: &'a [Uuid],
    ) -> BoxFuture<'a, AppResult<()>>;
}

pub struct Entry<R>(PhantomData<fn() -> R>);

impl<R> Default for Entry<R> {
    fn default() -> Entry<R> {
        Entry::new()
    }
}

impl<R> Entry<R> {
    pub const fn new() -> Entry<R> {
        Entry(PhantomData)
    }
}

impl<R: Resource> Registered for Entry<R> {
    fn type_name(&self) -> &'static str {
        R::TYPE
    }
    fn history_visible<'a>(
        &self,
        state: &'a AppState,
        actor: &'a Actor,
        id: Uuid,
    ) -> BoxFuture<'a, AppResult<bool>> {
        Box::pin(R::history_visible(state, actor, id))
    }
    fn merge_customers<'a>(
        &self,
        txn: &'a DatabaseTransaction,
        actor: &'a Actor,
        survivor: &'a entity::customer::Model,
        dups: &'a [Uuid],
    ) -> BoxFuture<'a, AppResult<()>> {
        Box::pin(R::merge_customers(txn, actor, survivor, dups))
    }
}

use super::contacts::Contacts;
use super::customers::Customers;
use super::customers::export_job::CustomerExports;
use super::customers::import_job::CustomerImports;
use super::customers::sharing::CustomerShares;
use super::jobs::Jobs;
use super::users::Users;

/// Every resource, in the order merges visit them.
pub static REGISTRY: &[&dyn Registered] = &[
    &Entry::<Users>::new(),
    &Entry::<Customers>::new(),
    &Entry::<Contacts>::new(),
    &Entry::<CustomerShares>::new(),
    &Entry::<Jobs>::new(),
    &Entry::<CustomerExports>::new(),
    &Entry::<CustomerImports>::new(),
];

/// The registered resource called `type_name`.
pub fn named(type_name: &str) -> Option<&'static dyn Registered> {
    REGISTRY
        .iter()
        .copied()
        .find(|r| r.type_name() == type_name)
}

/// Every resource's part of a customer merge, in registry order.
pub async fn merge_customers(
    txn: &DatabaseTransaction,
    actor: &Actor,
    survivor: &entity::customer::Model,
    dups: &[Uuid],
) -> AppResult<()> {
    for r in REGISTRY {
        r.merge_customers(txn, actor, survivor, dups).await?;
    }
    Ok(())
}
