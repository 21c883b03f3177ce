//! Customer types of the API.

use crate::graphql::contacts::Contact;
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::graphql::loaders::{
    ActorShareLoader, ContactsByCustomerLoader, SharesLoader, UserLoader,
};
use crate::graphql::users::User;
use crate::service::customers::{access, patch};
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::money;
use domain::permission::AccessReason as DomainReason;
use domain::role::Capability;
use entity::{customer, customer_share};
use rust_decimal::Decimal;

/// Company or private person.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::customer::CustomerKind")]
pub enum CustomerKind {
    Company,
    Individual,
}

/// How much the customer matters (客户级别).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::customer::Importance")]
pub enum Importance {
    Vip,
    Important,
    Ordinary,
}

/// Where the relationship stands (客户阶段).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::customer::LoyaltyStage")]
pub enum LoyaltyStage {
    Potential,
    New,
    Regular,
    Old,
    Loyal,
}

/// What a share lets its user do.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::permission::ShareLevel")]
pub enum ShareLevel {
    Read,
    Edit,
}

/// Why the signed-in user can see a customer.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::permission::AccessReason")]
pub enum AccessReason {
    /// They own it.
    Owner,
    /// Its owner is below them in the org tree.
    Hierarchy,
    /// It is shared with them for reading.
    ShareRead,
    /// It is shared with them for editing.
    ShareEdit,
    /// It is in the public pool (read-only until claimed).
    Pool,
    /// Their role reads every customer (admin, finance, warehouse).
    Role,
}

/// An exact amount of money: `amount` is a decimal string such as "1234.50".
#[derive(SimpleObject, Clone)]
pub struct Money {
    pub amount: Decimal,
    /// ISO 4217 code; the base currency (CNY unless configured otherwise).
    pub currency: String,
}

/// What the signed-in user may do with a customer; clients show or hide buttons with it.
#[derive(SimpleObject)]
pub struct CustomerAccess {
    pub can_read: bool,
    pub can_edit: bool,
    pub can_delete: bool,
    pub can_share: bool,
    pub can_transfer: bool,
    pub can_claim: bool,
    pub reasons: Vec<AccessReason>,
}

/// A customer shared with a user.
pub struct CustomerShare(pub customer_share::Model);

#[Object]
impl CustomerShare {
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let loader = ctx.data::<DataLoader<UserLoader>>()?;
        Ok(loader.load_one(self.0.user_id).await?.map(User))
    }
    async fn level(&self) -> ShareLevel {
        domain::permission::ShareLevel::parse(&self.0.level)
            .unwrap_or(domain::permission::ShareLevel::Read)
            .into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A company or person the business sells to (客户).
#[derive(Clone)]
pub struct Customer(pub customer::Model);

/// Warehouse users see names, contacts and addresses only; other fields are null for them.
pub fn limited(ctx: &Context<'_>) -> bool {
    match (ctx.actor(), ctx.state()) {
        (Ok(a), Ok(s)) => a
            .role
            .can(Capability::ReadCustomerLogisticsOnly, &s.role_settings),
        _ => true,
    }
}

fn money_of(ctx: &Context<'_>, stored: i64) -> Option<Money> {
    if limited(ctx) {
        return None;
    }
    let currency = ctx
        .state()
        .map(|s| s.config.base_currency.clone())
        .unwrap_or_else(|_| "CNY".into());
    Some(Money {
        amount: money::from_stored(stored),
        currency,
    })
}

fn unless_limited<T>(ctx: &Context<'_>, v: T) -> Option<T> {
    if limited(ctx) { None } else { Some(v) }
}

#[Object]
impl Customer {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode("Customer", self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> CustomerKind {
        domain::customer::CustomerKind::parse(&self.0.kind)
            .unwrap_or(domain::customer::CustomerKind::Company)
            .into()
    }
    async fn importance(&self, ctx: &Context<'_>) -> Option<Importance> {
        let v = domain::customer::Importance::parse(&self.0.importance)?;
        unless_limited(ctx, v.into())
    }
    async fn loyalty_stage(&self, ctx: &Context<'_>) -> Option<LoyaltyStage> {
        let v = domain::customer::LoyaltyStage::parse(&self.0.loyalty_stage)?;
        unless_limited(ctx, v.into())
    }
    async fn source(&self, ctx: &Context<'_>) -> Option<String> {
        unless_limited(ctx, self.0.source.clone()).flatten()
    }
    async fn industry(&self, ctx: &Context<'_>) -> Option<String> {
        unless_limited(ctx, self.0.industry.clone()).flatten()
    }
    async fn province(&self) -> Option<&str> {
        self.0.province.as_deref()
    }
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    async fn website(&self, ctx: &Context<'_>) -> Option<String> {
        unless_limited(ctx, self.0.website.clone()).flatten()
    }
    async fn tags(&self, ctx: &Context<'_>) -> Vec<String> {
        unless_limited(ctx, patch::decode_tags(&self.0.tags)).unwrap_or_default()
    }
    async fn notes(&self, ctx: &Context<'_>) -> Option<String> {
        unless_limited(ctx, self.0.notes.clone()).flatten()
    }
    /// The salesperson who owns the customer; null while it is in the public pool.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(o) = self.0.owner_id.filter(|_| !limited(ctx)) else {
            return Ok(None);
        };
        let loader = ctx.data::<DataLoader<UserLoader>>()?;
        Ok(loader.load_one(o).await?.map(User))
    }
    /// True when nobody owns the customer (公海).
    async fn in_pool(&self) -> bool {
        self.0.owner_id.is_none()
    }
    async fn last_contacted_at(&self, ctx: &Context<'_>) -> Option<DateTime<Utc>> {
        unless_limited(ctx, self.0.last_contacted_at).flatten()
    }
    async fn next_follow_up_at(&self, ctx: &Context<'_>) -> Option<DateTime<Utc>> {
        unless_limited(ctx, self.0.next_follow_up_at).flatten()
    }
    async fn credit_limit(&self, ctx: &Context<'_>) -> Option<Money> {
        money_of(ctx, self.0.credit_limit)
    }
    /// Balance brought forward from before Guanxi, in the base currency.
    async fn opening_balance(&self, ctx: &Context<'_>) -> Option<Money> {
        money_of(ctx, self.0.opening_balance)
    }
    /// Live contacts, the primary one first.
    async fn contacts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Contact>> {
        let loader = ctx.data::<DataLoader<ContactsByCustomerLoader>>()?;
        let mut list = loader.load_one(self.0.id).await?.unwrap_or_default();
        list.sort_by_key(|c| (!c.is_primary, c.id));
        Ok(list.into_iter().map(Contact).collect())
    }
    async fn primary_contact(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contact>> {
        let loader = ctx.data::<DataLoader<ContactsByCustomerLoader>>()?;
        let list = loader.load_one(self.0.id).await?.unwrap_or_default();
        Ok(list.into_iter().find(|c| c.is_primary).map(Contact))
    }
    /// Users the customer is shared with.
    async fn shares(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CustomerShare>> {
        if limited(ctx) {
            return Ok(vec![]);
        }
        let loader = ctx.data::<DataLoader<SharesLoader>>()?;
        let list = loader.load_one(self.0.id).await?.unwrap_or_default();
        Ok(list.into_iter().map(CustomerShare).collect())
    }
    /// What the signed-in user may do here and why they see it.
    async fn access(&self, ctx: &Context<'_>) -> async_graphql::Result<CustomerAccess> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let share = ctx
            .data::<DataLoader<ActorShareLoader>>()?
            .load_one(self.0.id)
            .await?;
        let a = access::evaluate(state, actor, &self.0, share);
        Ok(CustomerAccess {
            can_read: a.can_read,
            can_edit: a.can_edit,
            can_delete: a.can_delete,
            can_share: a.can_share,
            can_transfer: a.can_transfer,
            can_claim: a.can_claim,
            reasons: a
                .reasons
                .into_iter()
                .map(|r: DomainReason| r.into())
                .collect(),
        })
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Set when the customer is deleted (only administrators see deleted customers, to
    /// restore them).
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.deleted_at
    }
    /// Send back with updates; a stale version is a `CONFLICT`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}
