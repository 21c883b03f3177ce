//! Customer types of the API.

use crate::graphql::contacts::Contact;
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::graphql::loaders::{Accesses, Children, Records};
use crate::graphql::users::User;
use crate::service::contacts::Contacts;
use crate::service::customers::sharing::CustomerShares;
use crate::service::customers::{Customers, patch};
use crate::service::resource::Row;
use crate::service::users::Users;
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::money;
use domain::permission::AccessReason as DomainReason;
use rust_decimal::Decimal;

/// Company or private person.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, serde::Serialize, serde::Deserialize)]
#[graphql(remote = "domain::customer::CustomerKind")]
pub enum CustomerKind {
    /// A company or other organisation (企业).
    Company,
    /// A private person (个人).
    Individual,
}

/// How much the customer matters (客户级别).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, serde::Serialize, serde::Deserialize)]
#[graphql(remote = "domain::customer::Importance")]
pub enum Importance {
    /// A key account (VIP/贵宾).
    Vip,
    /// An important customer (重要).
    Important,
    /// An ordinary customer (普通); the default for new customers.
    Ordinary,
}

/// Where the relationship stands (客户阶段).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, serde::Serialize, serde::Deserialize)]
#[graphql(remote = "domain::customer::LoyaltyStage")]
pub enum LoyaltyStage {
    /// A prospect (潜在客户); the default for new customers.
    Potential,
    /// A new customer (新客户).
    New,
    /// A regular customer (常规/稳定).
    Regular,
    /// A long-standing customer (老客户).
    Old,
    /// A loyal customer (忠诚客户).
    Loyal,
}

/// What a share lets its user do.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::permission::ShareLevel")]
pub enum ShareLevel {
    /// May see the customer and its contacts.
    Read,
    /// May also edit the customer and its contacts, if the user's role edits customers.
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
    /// A decimal string with 2 to 4 decimal places, e.g. "1234.50".
    pub amount: Decimal,
    /// ISO 4217 code; the base currency (CNY unless configured otherwise).
    pub currency: String,
}

/// What the signed-in user may do with a customer; clients show or hide buttons with it.
#[derive(SimpleObject)]
pub struct CustomerAccess {
    /// May see it (true for every customer a query returns).
    pub can_read: bool,
    /// May change it and its contacts.
    pub can_edit: bool,
    /// May delete it.
    pub can_delete: bool,
    /// May share it with colleagues and remove its shares.
    pub can_share: bool,
    /// May give it to another owner or release it to the public pool.
    pub can_transfer: bool,
    /// May claim it from the public pool (公海).
    pub can_claim: bool,
    /// Why they see it; several reasons may hold at once.
    pub reasons: Vec<AccessReason>,
}

/// A customer shared with a user.
pub struct CustomerShare(pub Row<CustomerShares>);

/// A customer shared with one user (共享), and how far.
#[Object]
impl CustomerShare {
    /// The user it is shared with.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let loader = ctx.data::<Records<Users>>()?;
        Ok(loader.load_one(self.0.user_id).await?.map(User))
    }
    /// What the share lets the user do.
    async fn level(&self) -> ShareLevel {
        domain::permission::ShareLevel::parse(&self.0.level)
            .unwrap_or(domain::permission::ShareLevel::Read)
            .into()
    }
    /// When the customer was first shared with this user.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A company or person the business sells to (客户).
#[derive(Clone)]
pub struct Customer(pub Row<Customers>);

fn money_of(ctx: &Context<'_>, stored: i64) -> Money {
    let currency = ctx
        .state()
        .map(|s| s.settings.get().base_currency.clone())
        .unwrap_or_else(|_| "CNY".into());
    Money {
        amount: money::from_stored(stored),
        currency,
    }
}

/// A company or person the business sells to (客户). Warehouse users see only its name,
/// kind, region, address, phone and contacts; its other fields are null or empty for them.
#[Object]
impl Customer {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode("Customer", self.0.id)
    }
    /// The customer's name (客户名称); unique among live customers once normalised.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Company or private person.
    async fn kind(&self) -> CustomerKind {
        domain::customer::CustomerKind::parse(&self.0.kind)
            .unwrap_or(domain::customer::CustomerKind::Company)
            .into()
    }
    /// How much the customer matters (客户级别); null for warehouse users.
    async fn importance(&self) -> Option<Importance> {
        domain::customer::Importance::parse(&self.0.importance).map(Into::into)
    }
    /// Where the relationship stands (客户阶段); null for warehouse users.
    async fn loyalty_stage(&self) -> Option<LoyaltyStage> {
        domain::customer::LoyaltyStage::parse(&self.0.loyalty_stage).map(Into::into)
    }
    /// Where the customer came from (客户来源), free text; null for warehouse users.
    async fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }
    /// Industry (行业), free text; null for warehouse users.
    async fn industry(&self) -> Option<&str> {
        self.0.industry.as_deref()
    }
    /// Province (省份).
    async fn province(&self) -> Option<&str> {
        self.0.province.as_deref()
    }
    /// City (城市).
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }
    /// Street address (地址).
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    /// The customer's main phone number, free text.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// Website; null for warehouse users.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// Free labels such as 重点跟进, in the order given; empty for warehouse users.
    async fn tags(&self) -> Vec<String> {
        patch::decode_tags(&self.0.tags)
    }
    /// Free-text notes; null for warehouse users.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// The salesperson who owns the customer; null while it is in the public pool (公海), and
    /// for roles that read logistics only.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(o) = self.0.owner_id else {
            return Ok(None);
        };
        let loader = ctx.data::<Records<Users>>()?;
        Ok(loader.load_one(o).await?.map(User))
    }
    /// True when nobody owns the customer (公海); null for warehouse users.
    async fn in_pool(&self) -> Option<bool> {
        Some(self.0.owner_id.is_none())
    }
    /// When the customer was last contacted (最近联系); null if never, and for warehouse
    /// users. Recent contact keeps an owned customer from returning to the public pool.
    async fn last_contacted_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_contacted_at
    }
    /// When the next follow-up is planned (下次跟进); null if none, and for warehouse users.
    async fn next_follow_up_at(&self) -> Option<DateTime<Utc>> {
        self.0.next_follow_up_at
    }
    /// Credit limit (信用额度) in the base currency; null for warehouse users.
    async fn credit_limit(&self, ctx: &Context<'_>) -> Option<Money> {
        Some(money_of(ctx, self.0.credit_limit))
    }
    /// Balance brought forward from before Guanxi, in the base currency.
    async fn opening_balance(&self, ctx: &Context<'_>) -> Option<Money> {
        Some(money_of(ctx, self.0.opening_balance))
    }
    /// Live contacts, the primary one first.
    async fn contacts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Contact>> {
        let loader = ctx.data::<Children<Contacts>>()?;
        let mut list = loader.load_one(self.0.id).await?.unwrap_or_default();
        list.sort_by_key(|c| (!c.is_primary, c.id));
        Ok(list.into_iter().map(Contact).collect())
    }
    /// The primary contact (主联系人); null when the customer has no contacts.
    async fn primary_contact(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contact>> {
        let loader = ctx.data::<Children<Contacts>>()?;
        let list = loader.load_one(self.0.id).await?.unwrap_or_default();
        Ok(list.into_iter().find(|c| c.is_primary).map(Contact))
    }
    /// Users the customer is shared with.
    async fn shares(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CustomerShare>> {
        let loader = ctx.data::<Children<CustomerShares>>()?;
        let list = loader.load_one(self.0.id).await?.unwrap_or_default();
        Ok(list.into_iter().map(CustomerShare).collect())
    }
    /// What the signed-in user may do here and why they see it.
    async fn access(&self, ctx: &Context<'_>) -> async_graphql::Result<CustomerAccess> {
        let a = ctx
            .data::<Accesses>()?
            .load_one((self.0.id, self.0.owner_id))
            .await?
            .unwrap_or_default();
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
    /// When the customer was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the customer record last changed (changes to its contacts and shares do not
    /// count).
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
