//! A page of customers asks its loaders for everything its rows' selected fields need, all at
//! once, before the rows resolve. Left to the rows, the keys of one field arrive over several
//! polls of the response (a list yields part-way through), so one page could cost two or
//! three statements per loader; asked for here, it costs one, and the rows answer from the
//! loaders' caches.

use crate::graphql::loaders::{Accesses, Children, Records};
use crate::service::contacts::Contacts;
use crate::service::customers::Customers;
use crate::service::customers::sharing::CustomerShares;
use crate::service::resource::Row;
use crate::service::users::Users;
use async_graphql::Context;
use async_graphql::Lookahead;
use futures::future::try_join4;

fn wants(node: &Lookahead<'_>, field: &str) -> bool {
    node.field(field).exists()
}

/// Loads what the selection under `edges { node }` (or `nodes`) asks of these customers.
pub async fn page(ctx: &Context<'_>, rows: &[&Row<Customers>]) -> async_graphql::Result<()> {
    let look = ctx.look_ahead();
    let (edge_node, node) = (look.field("edges").field("node"), look.field("nodes"));
    let asks = |f: &str| wants(&edge_node, f) || wants(&node, f);
    let ids: Vec<_> = rows.iter().map(|r| r.id).collect();
    let owners = async {
        if asks("owner") {
            let mut owners: Vec<_> = rows.iter().filter_map(|r| r.owner_id).collect();
            owners.sort_unstable();
            owners.dedup();
            ctx.data::<Records<Users>>()?.load_many(owners).await?;
        }
        Ok::<_, async_graphql::Error>(())
    };
    let contacts = async {
        if asks("contacts") || asks("primaryContact") {
            ctx.data::<Children<Contacts>>()?
                .load_many(ids.iter().copied())
                .await?;
        }
        Ok(())
    };
    let shares = async {
        if asks("shares") {
            ctx.data::<Children<CustomerShares>>()?
                .load_many(ids.iter().copied())
                .await?;
        }
        Ok(())
    };
    let access = async {
        if asks("access")
            && let Some(loader) = ctx.data_opt::<Accesses>()
        {
            loader
                .load_many(rows.iter().map(|r| (r.id, r.owner_id)))
                .await?;
        }
        Ok(())
    };
    try_join4(owners, contacts, shares, access).await?;
    Ok(())
}
