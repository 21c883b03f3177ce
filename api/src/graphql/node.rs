//! The Relay `Node` interface and `node(id:)`: every record with a global id, fetched through
//! the resource registry, so `node` sees exactly what the record's own queries see.

use super::contacts::Contact;
use super::context::ContextExt;
use super::customers::export_job::CustomerExportJob;
use super::customers::import_job::CustomerImportJob;
use super::customers::types::Customer;
use super::ids;
use super::jobs::Job;
use super::loaders::Records;
use super::users::User;
use crate::service::contacts::Contacts;
use crate::service::customers::Customers;
use crate::service::customers::export_job::CustomerExports;
use crate::service::customers::import_job::CustomerImports;
use crate::service::jobs::Jobs;
use crate::service::resource::{self, Resource, Row};
use crate::service::users::Users;
use async_graphql::{Context, ID, Interface, Object};
use uuid::Uuid;

/// Anything with a global id that `node(id:)` can fetch again.
// One short-lived value per `node` call: boxing the variants would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "Opaque global id; `node(id:)` fetches the record again."
))]
pub enum Node {
    User(User),
    Customer(Customer),
    Contact(Contact),
    Job(Job),
    CustomerExportJob(CustomerExportJob),
    CustomerImportJob(CustomerImportJob),
}

/// One record of `R` within the actor's scope: through the request's loader when it has one
/// (so several `node` fields batch), else one lookup.
async fn fetch<R: Resource>(ctx: &Context<'_>, id: Uuid) -> async_graphql::Result<Option<Row<R>>>
where
    Row<R>: Clone + Send + Sync,
{
    if let Some(loader) = ctx.data_opt::<Records<R>>() {
        return loader.load_one(id).await;
    }
    let state = ctx.state()?;
    Ok(resource::find::<R>(&state.db, state, Some(ctx.actor()?), id).await?)
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any record by global id; null when it does not exist or is not visible.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let _ = ctx.actor()?;
        let (kind, uuid) = ids::decode_any("id", &id)?;
        Ok(match kind.as_str() {
            Users::TYPE => fetch::<Users>(ctx, uuid)
                .await?
                .map(|r| Node::User(User(r))),
            Customers::TYPE => fetch::<Customers>(ctx, uuid)
                .await?
                .map(|r| Node::Customer(Customer(r))),
            Contacts::TYPE => fetch::<Contacts>(ctx, uuid)
                .await?
                .map(|r| Node::Contact(Contact(r))),
            Jobs::TYPE => fetch::<Jobs>(ctx, uuid).await?.map(|r| Node::Job(Job(r))),
            CustomerExports::TYPE => fetch::<CustomerExports>(ctx, uuid)
                .await?
                .map(|r| Node::CustomerExportJob(CustomerExportJob(r))),
            CustomerImports::TYPE => fetch::<CustomerImports>(ctx, uuid)
                .await?
                .map(|r| Node::CustomerImportJob(CustomerImportJob(r))),
            _ => None,
        })
    }
}
