//! Customer mutations: create, update, delete, restore, merge.

use super::types::{Customer, CustomerKind, Importance, LoyaltyStage};
use crate::graphql::change;
use crate::graphql::contacts::ContactFields;
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::service::customers::{CustomerPatch, Customers, merge, write};
use crate::service::resource::Row;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// Customer fields; on update, leave a field out to keep it and send null to clear it.
#[derive(InputObject, Default)]
pub struct CustomerFields {
    /// 1–200 characters; must not duplicate an existing customer's normalised name.
    pub name: Option<String>,
    /// Company or private person; new customers default to `COMPANY`.
    pub kind: Option<CustomerKind>,
    /// How much the customer matters (客户级别); new customers default to `ORDINARY`.
    pub importance: Option<Importance>,
    /// Where the relationship stands (客户阶段); new customers default to `POTENTIAL`.
    pub loyalty_stage: Option<LoyaltyStage>,
    /// Where the customer came from (客户来源), up to 100 characters.
    pub source: MaybeUndefined<String>,
    /// Industry (行业), up to 100 characters.
    pub industry: MaybeUndefined<String>,
    /// Province (省份), up to 50 characters.
    pub province: MaybeUndefined<String>,
    /// City (城市), up to 50 characters.
    pub city: MaybeUndefined<String>,
    /// Street address (地址), up to 500 characters.
    pub address: MaybeUndefined<String>,
    /// Main phone number, free text up to 40 characters.
    pub phone: MaybeUndefined<String>,
    /// Website, up to 200 characters.
    pub website: MaybeUndefined<String>,
    /// Free-text notes, up to 5000 characters.
    pub notes: MaybeUndefined<String>,
    /// Replaces all tags.
    pub tags: Option<Vec<String>>,
    /// In the base currency; at most 4 decimal places; not negative.
    pub credit_limit: Option<Decimal>,
    /// In the base currency; at most 4 decimal places.
    pub opening_balance: Option<Decimal>,
    /// When the customer was last contacted (最近联系).
    pub last_contacted_at: MaybeUndefined<DateTime<Utc>>,
    /// When to follow up next (下次跟进).
    pub next_follow_up_at: MaybeUndefined<DateTime<Utc>>,
}

impl From<CustomerFields> for CustomerPatch {
    fn from(f: CustomerFields) -> Self {
        CustomerPatch {
            name: f.name,
            kind: f.kind.map(Into::into),
            importance: f.importance.map(Into::into),
            loyalty_stage: f.loyalty_stage.map(Into::into),
            source: change(f.source),
            industry: change(f.industry),
            province: change(f.province),
            city: change(f.city),
            address: change(f.address),
            phone: change(f.phone),
            website: change(f.website),
            notes: change(f.notes),
            tags: f.tags,
            credit_limit: f.credit_limit,
            opening_balance: f.opening_balance,
            last_contacted_at: change(f.last_contacted_at),
            next_follow_up_at: change(f.next_follow_up_at),
        }
    }
}

/// A new customer, with its owner and first contact if wanted.
#[derive(InputObject)]
pub struct CreateCustomerInput {
    /// The customer's fields; `name` is required.
    pub customer: CustomerFields,
    /// The owner; defaults to the signed-in user. Managers may name anyone below them,
    /// admins anyone.
    pub owner_id: Option<ID>,
    /// Put the new customer straight into the public pool.
    #[graphql(default)]
    pub to_pool: bool,
    /// The first contact (it becomes the primary contact).
    pub primary_contact: Option<ContactFields>,
    /// Idempotency key: a retry with the same key returns the first result, creating nothing.
    pub client_mutation_id: Option<String>,
}

/// A change to a customer the signed-in user may edit.
#[derive(InputObject)]
pub struct UpdateCustomerInput {
    /// The customer's global id.
    pub id: ID,
    /// The version the change was made against; a stale one is a `CONFLICT`.
    pub version: i32,
    /// The fields to change.
    pub customer: CustomerFields,
}

/// The customer to delete.
#[derive(InputObject)]
pub struct DeleteCustomerInput {
    /// The customer's global id.
    pub id: ID,
    /// The version the delete was made against; a stale one is a `CONFLICT`. Leave it out to
    /// delete whatever the current version is.
    pub version: Option<i32>,
}

/// The deleted customer to bring back.
#[derive(InputObject)]
pub struct RestoreCustomerInput {
    /// The deleted customer's global id; a customer merged into another cannot come back.
    pub id: ID,
}

/// Duplicates to fold into the customer that stays.
#[derive(InputObject)]
pub struct MergeCustomersInput {
    /// The customer that stays.
    pub survivor_id: ID,
    /// Customers merged into the survivor and then deleted.
    pub duplicate_ids: Vec<ID>,
}

/// The customer a mutation created or changed.
#[derive(SimpleObject)]
pub struct CustomerPayload {
    /// The customer after the change.
    pub customer: Customer,
    /// The idempotency key sent with `createCustomer`; null for other mutations.
    pub client_mutation_id: Option<String>,
}

fn payload(c: Row<Customers>) -> CustomerPayload {
    CustomerPayload {
        customer: Customer(c),
        client_mutation_id: None,
    }
}

#[derive(Default)]
pub struct CustomerMutation;

#[Object]
impl CustomerMutation {
    /// Creates a customer. A name that normalises to an existing customer's is a `CONFLICT`
    /// naming that customer and its owner.
    async fn create_customer(
        &self,
        ctx: &Context<'_>,
        input: CreateCustomerInput,
    ) -> async_graphql::Result<CustomerPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let owner = if input.to_pool {
            Some(None)
        } else {
            ids::decode_opt("ownerId", "User", input.owner_id.as_ref())
                .map_err(|_| {
                    crate::error::AppError::validation("ownerId", "no active user has this id")
                })?
                .map(Some)
        };
        let key = input.client_mutation_id.clone();
        let idempotency = crate::graphql::idempotency::key(ctx, key.as_deref())?;
        let c = write::create(
            state,
            actor,
            write::NewCustomer {
                patch: input.customer.into(),
                owner,
                primary_contact: input.primary_contact.map(Into::into),
                idempotency,
            },
        )
        .await?;
        Ok(CustomerPayload {
            customer: Customer(c),
            client_mutation_id: key,
        })
    }

    /// Changes a customer the signed-in user may edit.
    async fn update_customer(
        &self,
        ctx: &Context<'_>,
        input: UpdateCustomerInput,
    ) -> async_graphql::Result<CustomerPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let id = ids::decode("id", "Customer", &input.id)?;
        Ok(payload(
            write::update(state, actor, id, input.version, input.customer.into()).await?,
        ))
    }

    /// Deletes a customer (soft: an administrator can restore it).
    async fn delete_customer(
        &self,
        ctx: &Context<'_>,
        input: DeleteCustomerInput,
    ) -> async_graphql::Result<CustomerPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let id = ids::decode("id", "Customer", &input.id)?;
        Ok(payload(
            write::delete(state, actor, id, input.version).await?,
        ))
    }

    /// Brings back a deleted customer (administrators only).
    async fn restore_customer(
        &self,
        ctx: &Context<'_>,
        input: RestoreCustomerInput,
    ) -> async_graphql::Result<CustomerPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let id = ids::decode("id", "Customer", &input.id)?;
        Ok(payload(write::restore(state, actor, id).await?))
    }

    /// Merges duplicates into a survivor: contacts and shares move over, empty fields are
    /// filled from the duplicates, and the duplicates are deleted. Needs edit rights on the
    /// survivor and delete rights on each duplicate.
    async fn merge_customers(
        &self,
        ctx: &Context<'_>,
        input: MergeCustomersInput,
    ) -> async_graphql::Result<CustomerPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let survivor = ids::decode("survivorId", "Customer", &input.survivor_id)?;
        let dups = input
            .duplicate_ids
            .iter()
            .map(|i| ids::decode("duplicateIds", "Customer", i))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(payload(merge::merge(state, actor, survivor, dups).await?))
    }
}
