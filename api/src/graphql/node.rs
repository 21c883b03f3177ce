//! The Relay `Node` interface and `node(id:)`.

use super::contacts::Contact;
use super::context::ContextExt;
use super::customers::types::Customer;
use super::ids;
use super::jobs::Job;
use super::loaders::{CustomerLoader, UserLoader};
use super::users::User;
use crate::error::AppError;
use crate::service::contacts;
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ID, Interface, Object};
use entity::contact;
use sea_orm::{ColumnTrait, QueryFilter};

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
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any record by global id; null when it does not exist or is not visible.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let (kind, uuid) = ids::decode_any("id", &id)?;
        Ok(match kind.as_str() {
            "User" => ctx
                .data::<DataLoader<UserLoader>>()?
                .load_one(uuid)
                .await?
                .map(|u| Node::User(User(u))),
            "Customer" => ctx
                .data::<DataLoader<CustomerLoader>>()?
                .load_one(uuid)
                .await?
                .map(|c| Node::Customer(Customer(c))),
            "Contact" => contacts::scoped(state, actor)
                .filter(contact::Column::Id.eq(uuid))
                .one(&state.db)
                .await
                .map_err(AppError::from)?
                .map(|c| Node::Contact(Contact(c))),
            "Job" => crate::service::jobs::find(state, actor, uuid)
                .await?
                .map(|j| Node::Job(Job(j))),
            _ => None,
        })
    }
}
