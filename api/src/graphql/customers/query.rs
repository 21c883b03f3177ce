//! Customer queries: the list, one customer, duplicate check and export.

use super::filter::{CustomerFilterInput, CustomerOrderBy, order};
use super::types::Customer;
use crate::graphql::connection::wants_total;
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::pagination::PageArgs;
use crate::service::customers::{Customers, duplicates, export, query};
use crate::service::resource;
use async_graphql::{Context, ID, Object, SimpleObject};

crate::connection_type!(CustomerConnection, CustomerEdge, Customer);

/// An existing customer with the same normalised name.
#[derive(SimpleObject)]
pub struct DuplicateCandidate {
    /// Its name, shown even when the signed-in user cannot see the customer.
    pub name: String,
    /// Its owner's name (null in the pool), likewise always shown, except to warehouse
    /// users, who never learn owners.
    pub owner_name: Option<String>,
    /// The customer itself, only when the signed-in user may see it.
    pub customer: Option<Customer>,
}

/// A CSV file of customers.
#[derive(SimpleObject)]
pub struct CustomerExport {
    /// A suggested file name, `customers-YYYYMMDD-HHMMSS.csv` (UTC).
    pub filename: String,
    /// Always `text/csv; charset=utf-8`.
    pub content_type: String,
    /// How many customers the file holds (header row not counted).
    pub row_count: u64,
    /// The CSV text (UTF-8, header row first).
    pub csv: String,
}

#[derive(Default)]
pub struct CustomerQuery;

#[Object]
impl CustomerQuery {
    /// Customers the signed-in user may see, filtered and ordered (default: newest first).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        filter: Option<CustomerFilterInput>,
        order_by: Option<CustomerOrderBy>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CustomerConnection> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let f = filter.unwrap_or_default().into_filter()?;
        let (field, desc) = order(order_by);
        let args = PageArgs {
            max_size: Some(ctx.state()?.config.max_page_size),
            first,
            after,
            last,
            before,
        };
        let p = query::list(state, actor, &f, field, desc, &args, wants_total(ctx)).await?;
        let rows: Vec<_> = p.rows.iter().map(|(_, m)| m).collect();
        let look = ctx.look_ahead();
        let selections = [look.field("edges").field("node"), look.field("nodes")];
        super::prefetch::rows(ctx, &selections, &rows).await?;
        Ok(CustomerConnection::from_page(p, Customer))
    }

    /// One customer by global id; null when it does not exist or is not visible.
    async fn customer(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Customer>> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let uuid = ids::decode("id", "Customer", &id)?;
        let found = resource::find::<Customers>(&state.db, state, Some(actor), uuid).await?;
        if let Some(c) = &found {
            super::prefetch::rows(ctx, &[ctx.look_ahead()], &[c]).await?;
        }
        Ok(found.map(Customer))
    }

    /// Would this name duplicate an existing customer? Uses the same normalisation as the
    /// create check and the import ("星辰科技（北京）有限公司" = "北京星辰科技有限公司").
    async fn customer_duplicates(
        &self,
        ctx: &Context<'_>,
        name: String,
    ) -> async_graphql::Result<Vec<DuplicateCandidate>> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        Ok(duplicates::candidates(state, actor, &name)
            .await?
            .into_iter()
            .map(|c| DuplicateCandidate {
                name: c.name,
                owner_name: c.owner_name,
                customer: c.visible.map(Customer),
            })
            .collect())
    }

    /// A CSV of exactly the customers the signed-in user may see that match the filter, inline.
    /// It reads every one of them, so it weighs as much as a sign-in; above
    /// `GUANXI_EXPORT_MAX_INLINE_ROWS` customers it is refused (`EXPORT_TOO_LARGE`): use
    /// `startCustomerExport`, which builds the file in the background.
    #[graphql(complexity = 1000)]
    async fn export_customers(
        &self,
        ctx: &Context<'_>,
        filter: Option<CustomerFilterInput>,
    ) -> async_graphql::Result<CustomerExport> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let f = filter.unwrap_or_default().into_filter()?;
        let e = export::export(state, actor, &f).await?;
        Ok(CustomerExport {
            filename: format!(
                "customers-{}.csv",
                chrono::Utc::now().format("%Y%m%d-%H%M%S")
            ),
            content_type: "text/csv; charset=utf-8".into(),
            row_count: e.rows,
            csv: e.csv,
        })
    }
}
