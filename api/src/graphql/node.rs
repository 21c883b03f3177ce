//! The Relay `Node` interface and `node(id:)`.

use super::context::ContextExt;
use super::ids;
use super::loaders::UserLoader;
use super::users::User;
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ID, Interface, Object};

/// Anything with a global id that `node(id:)` can fetch again.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    User(User),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any record by global id, if the signed-in user may see it.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let _ = ctx.actor()?;
        let (kind, uuid) = ids::decode_any("id", &id)?;
        Ok(match kind.as_str() {
            "User" => ctx
                .data::<DataLoader<UserLoader>>()?
                .load_one(uuid)
                .await?
                .map(|u| Node::User(User(u))),
            _ => None,
        })
    }
}
