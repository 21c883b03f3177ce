//! The customer filter and ordering inputs.

use super::types::{CustomerKind, Importance, LoyaltyStage};
use crate::error::AppResult;
use crate::graphql::ids;
use crate::service::customers::{CustomerFilter, CustomerOrder, OwnerScope};
use async_graphql::{Enum, ID, InputObject};
use chrono::{DateTime, Utc};

/// Whose customers.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::service::customers::OwnerScope")]
pub enum CustomerOwnerScope {
    /// Owned by me.
    Me,
    /// Owned by me or anyone below me in the org tree.
    MyTeam,
    /// In the public pool (公海).
    Pool,
}

/// Conditions that combine freely; all given ones must hold. List values match any of them;
/// a list may hold at most 100 values (the server setting `GUANXI_MAX_FILTER_VALUES`).
#[derive(InputObject, Default)]
pub struct CustomerFilterInput {
    /// Substring of the name, or of its pinyin: "xckj" and "xingchen" both find 星辰科技.
    pub search: Option<String>,
    /// Whose customers: mine, my team's or the pool's (not for warehouse users).
    pub owner: Option<CustomerOwnerScope>,
    /// Owned by one of these users, by global id (not for warehouse users).
    pub owner_ids: Option<Vec<ID>>,
    /// Of one of these kinds.
    pub kinds: Option<Vec<CustomerKind>>,
    /// Of one of these importance levels (not for warehouse users).
    pub importance: Option<Vec<Importance>>,
    /// At one of these stages (not for warehouse users).
    pub loyalty_stages: Option<Vec<LoyaltyStage>>,
    /// In one of these industries, matched exactly (not for warehouse users).
    pub industries: Option<Vec<String>>,
    /// In one of these provinces, matched exactly.
    pub provinces: Option<Vec<String>>,
    /// In one of these cities, matched exactly.
    pub cities: Option<Vec<String>>,
    /// Customers with at least one of these tags.
    pub tags_any: Option<Vec<String>>,
    /// Customers with all of these tags.
    pub tags_all: Option<Vec<String>>,
    /// Created at or after this time.
    pub created_after: Option<DateTime<Utc>>,
    /// Created before this time.
    pub created_before: Option<DateTime<Utc>>,
    /// Last contacted at or after this time (not for warehouse users).
    pub last_contacted_after: Option<DateTime<Utc>>,
    /// Last contacted before this time; never-contacted customers do not match (not for
    /// warehouse users).
    pub last_contacted_before: Option<DateTime<Utc>>,
    /// Follow-ups due before this time.
    pub next_follow_up_before: Option<DateTime<Utc>>,
    /// List deleted customers instead (administrators only), to restore them.
    pub deleted: Option<bool>,
}

impl CustomerFilterInput {
    pub fn into_filter(self) -> AppResult<CustomerFilter> {
        let owner_ids = self
            .owner_ids
            .unwrap_or_default()
            .iter()
            .map(|i| ids::decode("filter.ownerIds", "User", i))
            .collect::<AppResult<Vec<_>>>()?;
        Ok(CustomerFilter {
            search: self.search,
            owner: self.owner.map(OwnerScope::from),
            owner_ids,
            kinds: self
                .kinds
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            importance: self
                .importance
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            loyalty_stages: self
                .loyalty_stages
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            industries: self.industries.unwrap_or_default(),
            provinces: self.provinces.unwrap_or_default(),
            cities: self.cities.unwrap_or_default(),
            tags_any: self.tags_any.unwrap_or_default(),
            tags_all: self.tags_all.unwrap_or_default(),
            created_after: self.created_after,
            created_before: self.created_before,
            last_contacted_after: self.last_contacted_after,
            last_contacted_before: self.last_contacted_before,
            next_follow_up_before: self.next_follow_up_before,
            deleted: self.deleted.unwrap_or(false),
        })
    }
}

/// Customer orderings; each ends with the id, so pages never skip or repeat.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::service::customers::CustomerOrder")]
pub enum CustomerOrderField {
    /// By name.
    Name,
    /// By creation time; the default.
    CreatedAt,
    /// By the time of the last change.
    UpdatedAt,
    /// Never-contacted customers come last.
    LastContactedAt,
    /// Customers without a follow-up date come last.
    NextFollowUpAt,
}

/// Sort direction.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum OrderDirection {
    /// Ascending: A to Z, oldest first.
    Asc,
    /// Descending: Z to A, newest first; the default.
    #[default]
    Desc,
}

/// How to order `customers`.
#[derive(InputObject)]
pub struct CustomerOrderBy {
    /// What to order by.
    pub field: CustomerOrderField,
    /// Ascending or descending; descending when left out.
    #[graphql(default)]
    pub direction: OrderDirection,
}

pub fn order(o: Option<CustomerOrderBy>) -> (CustomerOrder, bool) {
    match o {
        Some(o) => (o.field.into(), o.direction == OrderDirection::Desc),
        None => (CustomerOrder::CreatedAt, true),
    }
}
