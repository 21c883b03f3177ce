//! Bulk sharing and ownership mutations.

use super::filter::CustomerFilterInput;
use super::types::{Customer, ShareLevel};
use crate::error::{AppError, AppResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::service::customers::bulk::{self, BulkOutcome, Target};
use crate::service::customers::sharing;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use uuid::Uuid;

/// Which customers: either `ids` or `filter` (the same filter as `customers`), never both.
#[derive(InputObject)]
pub struct CustomerSelection {
    /// These customers, by global id (1 to 10,000).
    pub ids: Option<Vec<ID>>,
    /// Every customer `customers` would list for this filter (at most 10,000; not `deleted`).
    pub filter: Option<CustomerFilterInput>,
}

impl CustomerSelection {
    fn target(self) -> AppResult<Target> {
        match (self.ids, self.filter) {
            (Some(ids), None) => Ok(Target::Ids(
                ids.iter()
                    .map(|i| ids::decode("customers.ids", "Customer", i))
                    .collect::<AppResult<Vec<_>>>()?,
            )),
            (None, Some(f)) => Ok(Target::Filter(Box::new(f.into_filter()?))),
            _ => Err(AppError::validation(
                "customers",
                "give either ids or filter",
            )),
        }
    }
}

fn user_ids(field: &str, list: &[ID]) -> AppResult<Vec<Uuid>> {
    list.iter()
        .map(|i| {
            ids::decode(field, "User", i)
                .map_err(|_| AppError::validation(field, "no active user has this id"))
        })
        .collect()
}

/// Customers to share, with whom and how far.
#[derive(InputObject)]
pub struct ShareCustomersInput {
    /// The customers to share; those the signed-in user may not share are skipped.
    pub customers: CustomerSelection,
    /// Active users to share with, by global id, not yourself; a customer's owner is passed
    /// over.
    pub user_ids: Vec<ID>,
    /// READ or EDIT; sharing again with another level changes it.
    pub level: ShareLevel,
    /// Report what would change without changing anything.
    #[graphql(default)]
    pub dry_run: bool,
}

/// Customers to stop sharing, and with whom.
#[derive(InputObject)]
pub struct UnshareCustomersInput {
    /// The customers; those the signed-in user may not share are skipped.
    pub customers: CustomerSelection,
    /// Users whose shares are removed, by global id.
    pub user_ids: Vec<ID>,
    /// Report what would change without changing anything.
    #[graphql(default)]
    pub dry_run: bool,
}

/// Customers to give to a new owner.
#[derive(InputObject)]
pub struct AssignCustomersInput {
    /// The customers; those the signed-in user may not transfer are skipped.
    pub customers: CustomerSelection,
    /// The new owner, an active admin, manager or salesperson: the signed-in user or someone
    /// below them (admins may name anyone).
    pub owner_id: ID,
    /// Report what would change without changing anything.
    #[graphql(default)]
    pub dry_run: bool,
}

/// All customers of one user, to go to another.
#[derive(InputObject)]
pub struct TransferCustomersInput {
    /// Every customer this user owns…
    pub from_user_id: ID,
    /// …goes to this user.
    pub to_user_id: ID,
    /// Report what would change without changing anything.
    #[graphql(default)]
    pub dry_run: bool,
}

/// Customers to claim from or release to the public pool (公海).
#[derive(InputObject)]
pub struct PoolCustomersInput {
    /// The customers; those the signed-in user may not claim (or release) are skipped.
    pub customers: CustomerSelection,
    /// Report what would change without changing anything.
    #[graphql(default)]
    pub dry_run: bool,
}

/// A customer a bulk operation left alone, and why: `NOT_FOUND` (not visible), `FORBIDDEN`
/// (not entitled) or `UNCHANGED` (already so).
#[derive(SimpleObject)]
pub struct SkippedCustomer {
    /// The customer's global id. Named so that a client cache keyed on `id` does not take
    /// this entry for the customer itself.
    pub customer_id: ID,
    /// `NOT_FOUND`, `FORBIDDEN` or `UNCHANGED`.
    pub reason: String,
}

/// The outcome of a bulk operation (or, with `dryRun`, what it would be).
#[derive(SimpleObject)]
pub struct BulkCustomersPayload {
    /// True for a dry run: nothing was written.
    pub dry_run: bool,
    /// How many customers changed (or would change).
    pub changed_count: u64,
    /// How many customers were left alone.
    pub skipped_count: u64,
    /// The changed customers, as they are (or would be) afterwards.
    pub customers: Vec<Customer>,
    /// The customers left alone, each with the reason.
    pub skipped: Vec<SkippedCustomer>,
}

impl From<BulkOutcome> for BulkCustomersPayload {
    fn from(o: BulkOutcome) -> Self {
        BulkCustomersPayload {
            dry_run: o.dry_run,
            changed_count: o.changed.len() as u64,
            skipped_count: o.skipped.len() as u64,
            customers: o.changed.into_iter().map(Customer).collect(),
            skipped: o
                .skipped
                .into_iter()
                .map(|s| SkippedCustomer {
                    customer_id: ids::encode("Customer", s.id),
                    reason: s.reason.to_string(),
                })
                .collect(),
        }
    }
}

#[derive(Default)]
pub struct BulkMutation;

#[Object]
impl BulkMutation {
    /// Shares customers with users (READ or EDIT). Owners, those above them and admins may.
    async fn share_customers(
        &self,
        ctx: &Context<'_>,
        input: ShareCustomersInput,
    ) -> async_graphql::Result<BulkCustomersPayload> {
        let (actor, state) = (ctx.actor()?, ctx.state()?);
        let users = user_ids("userIds", &input.user_ids)?;
        let target = input.customers.target()?;
        Ok(sharing::share(
            state,
            actor,
            target,
            users,
            Some(input.level.into()),
            input.dry_run,
        )
        .await?
        .into())
    }

    /// Removes shares of customers with users.
    async fn unshare_customers(
        &self,
        ctx: &Context<'_>,
        input: UnshareCustomersInput,
    ) -> async_graphql::Result<BulkCustomersPayload> {
        let (actor, state) = (ctx.actor()?, ctx.state()?);
        let users = user_ids("userIds", &input.user_ids)?;
        let target = input.customers.target()?;
        Ok(
            sharing::share(state, actor, target, users, None, input.dry_run)
                .await?
                .into(),
        )
    }

    /// Gives customers to an owner (yourself or someone below you; admins: anyone).
    async fn assign_customers(
        &self,
        ctx: &Context<'_>,
        input: AssignCustomersInput,
    ) -> async_graphql::Result<BulkCustomersPayload> {
        let (actor, state) = (ctx.actor()?, ctx.state()?);
        let owner = user_ids("ownerId", std::slice::from_ref(&input.owner_id))?[0];
        let target = input.customers.target()?;
        Ok(bulk::assign(state, actor, target, owner, input.dry_run)
            .await?
            .into())
    }

    /// Moves all customers of one user to another (e.g. when someone leaves). Admins and
    /// those above the user may.
    async fn transfer_customers(
        &self,
        ctx: &Context<'_>,
        input: TransferCustomersInput,
    ) -> async_graphql::Result<BulkCustomersPayload> {
        let (actor, state) = (ctx.actor()?, ctx.state()?);
        let from = user_ids("fromUserId", std::slice::from_ref(&input.from_user_id))?[0];
        let to = user_ids("toUserId", std::slice::from_ref(&input.to_user_id))?[0];
        Ok(bulk::transfer(state, actor, from, to, input.dry_run)
            .await?
            .into())
    }

    /// Takes customers from the public pool, up to the configured number one may own.
    async fn claim_customers(
        &self,
        ctx: &Context<'_>,
        input: PoolCustomersInput,
    ) -> async_graphql::Result<BulkCustomersPayload> {
        let (actor, state) = (ctx.actor()?, ctx.state()?);
        let target = input.customers.target()?;
        Ok(bulk::claim(state, actor, target, input.dry_run)
            .await?
            .into())
    }

    /// Returns customers to the public pool.
    async fn release_customers(
        &self,
        ctx: &Context<'_>,
        input: PoolCustomersInput,
    ) -> async_graphql::Result<BulkCustomersPayload> {
        let (actor, state) = (ctx.actor()?, ctx.state()?);
        let target = input.customers.target()?;
        Ok(bulk::release(state, actor, target, input.dry_run)
            .await?
            .into())
    }
}
