//! Customers ask their loaders for everything their selected fields need, all at once and
//! before they resolve, and the fields answer from the loaders' caches. Left to the fields,
//! the keys of one field arrive over several polls of the response (a list yields part-way
//! through its rows), so a page cost two or three statements per loader, and each level
//! waited for the loader's batching window; here each loader runs one statement, at once,
//! the loaders side by side.

use crate::graphql::loaders::{Accesses, Children, Records};
use crate::service::contacts::Contacts;
use crate::service::customers::Customers;
use crate::service::customers::sharing::CustomerShares;
use crate::service::resource::Row;
use crate::service::users::Users;
use async_graphql::dataloader::Loader;
use async_graphql::{Context, Lookahead};
use futures::future::try_join4;

/// Loads what `selections` (the selection sets of these customers: `edges { node }` and
/// `nodes` of a page, or one customer field) ask of them.
pub async fn rows(
    ctx: &Context<'_>,
    selections: &[Lookahead<'_>],
    rows: &[&Row<Customers>],
) -> async_graphql::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let asks = |f: &str| selections.iter().any(|s| s.field(f).exists());
    let ids: Vec<_> = rows.iter().map(|r| r.id).collect();
    let owners = async {
        let mut owners: Vec<_> = rows.iter().filter_map(|r| r.owner_id).collect();
        if asks("owner") && !owners.is_empty() {
            owners.sort_unstable();
            owners.dedup();
            let loader = ctx.data::<Records<Users>>()?;
            loader.feed_many(loader.loader().load(&owners).await?).await;
        }
        Ok::<_, async_graphql::Error>(())
    };
    let contacts = async {
        if asks("contacts") || asks("primaryContact") {
            let loader = ctx.data::<Children<Contacts>>()?;
            loader.feed_many(loader.loader().load(&ids).await?).await;
        }
        Ok(())
    };
    let shares = async {
        if asks("shares") {
            let loader = ctx.data::<Children<CustomerShares>>()?;
            loader.feed_many(loader.loader().load(&ids).await?).await;
        }
        Ok(())
    };
    let access = async {
        if asks("access")
            && let Some(loader) = ctx.data_opt::<Accesses>()
        {
            let keys: Vec<_> = rows.iter().map(|r| (r.id, r.owner_id)).collect();
            loader.feed_many(loader.loader().load(&keys).await?).await;
        }
        Ok(())
    };
    try_join4(owners, contacts, shares, access).await?;
    Ok(())
}
