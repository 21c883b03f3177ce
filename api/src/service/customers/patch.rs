//! Validating client input onto a customer row. Create applies a patch to an empty row, update
//! to the stored one, so both check fields the same way.

use crate::error::{AppError, AppResult, FieldContext};
use chrono::{DateTime, Utc};
use domain::customer::{
    CustomerKind, CustomerName, Importance, LoyaltyStage, match_key, pinyin_keys,
};
use domain::money;
use domain::text;
use entity::customer;
use rust_decimal::Decimal;

pub const MAX_TAGS: usize = 30;
pub const MAX_TAG_CHARS: usize = 40;

/// A change to a customer: `None` keeps a field, `Some(None)` clears a nullable one.
#[derive(Default, Clone, Debug)]
pub struct CustomerPatch {
    pub name: Option<String>,
    pub kind: Option<CustomerKind>,
    pub importance: Option<Importance>,
    pub loyalty_stage: Option<LoyaltyStage>,
    pub source: Option<Option<String>>,
    pub industry: Option<Option<String>>,
    pub province: Option<Option<String>>,
    pub city: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub notes: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub credit_limit: Option<Decimal>,
    pub opening_balance: Option<Decimal>,
    pub last_contacted_at: Option<Option<DateTime<Utc>>>,
    pub next_follow_up_at: Option<Option<DateTime<Utc>>>,
}

fn set_text(
    target: &mut Option<String>,
    value: Option<Option<String>>,
    field: &str,
    max: usize,
) -> AppResult<()> {
    if let Some(v) = value {
        *target = text::optional(v.as_deref(), max).field(field)?;
    }
    Ok(())
}

/// Tags are stored as `|a|b|`; a tag may not contain `|`.
pub fn encode_tags(tags: &[String]) -> AppResult<String> {
    let mut clean: Vec<String> = Vec::new();
    for t in tags {
        let t = text::required(t, MAX_TAG_CHARS).field("tags")?;
        if t.contains('|') || t.contains('\n') {
            return Err(AppError::validation(
                "tags",
                "a tag may not contain `|` or line breaks",
            ));
        }
        if !clean.contains(&t) {
            clean.push(t);
        }
    }
    if clean.len() > MAX_TAGS {
        return Err(AppError::validation(
            "tags",
            format!("at most {MAX_TAGS} tags"),
        ));
    }
    Ok(if clean.is_empty() {
        String::new()
    } else {
        format!("|{}|", clean.join("|"))
    })
}

pub fn decode_tags(stored: &str) -> Vec<String> {
    stored
        .split('|')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// Sets the name and every key derived from it.
pub fn set_name(m: &mut customer::Model, name: &str) -> AppResult<()> {
    let name = CustomerName::parse(name).field("name")?;
    let keys = pinyin_keys(name.as_str());
    m.name_key = match_key(name.as_str());
    m.name_pinyin = keys.full;
    m.name_initials = keys.initials;
    m.name = name.into_inner();
    Ok(())
}

impl CustomerPatch {
    pub fn apply(self, m: &mut customer::Model) -> AppResult<()> {
        if let Some(name) = &self.name {
            set_name(m, name)?;
        }
        if let Some(k) = self.kind {
            m.kind = k.as_str().into();
        }
        if let Some(i) = self.importance {
            m.importance = i.as_str().into();
        }
        if let Some(l) = self.loyalty_stage {
            m.loyalty_stage = l.as_str().into();
        }
        set_text(&mut m.source, self.source, "source", 100)?;
        set_text(&mut m.industry, self.industry, "industry", 100)?;
        set_text(&mut m.province, self.province, "province", 50)?;
        set_text(&mut m.city, self.city, "city", 50)?;
        set_text(&mut m.address, self.address, "address", 500)?;
        set_text(&mut m.phone, self.phone, "phone", 40)?;
        set_text(&mut m.website, self.website, "website", 200)?;
        set_text(&mut m.notes, self.notes, "notes", 5000)?;
        if let Some(tags) = &self.tags {
            m.tags = encode_tags(tags)?;
        }
        if let Some(c) = self.credit_limit {
            m.credit_limit = money::to_stored_non_negative(c).field("creditLimit")?;
        }
        if let Some(b) = self.opening_balance {
            m.opening_balance = money::to_stored(b).field("openingBalance")?;
        }
        if let Some(t) = self.last_contacted_at {
            m.last_contacted_at = t;
        }
        if let Some(t) = self.next_follow_up_at {
            m.next_follow_up_at = t;
        }
        Ok(())
    }
}

/// An empty row to apply a create patch to.
pub fn blank(now: DateTime<Utc>) -> customer::Model {
    customer::Model {
        id: uuid::Uuid::now_v7(),
        name: String::new(),
        name_key: String::new(),
        name_pinyin: String::new(),
        name_initials: String::new(),
        kind: CustomerKind::Company.as_str().into(),
        importance: Importance::Ordinary.as_str().into(),
        loyalty_stage: LoyaltyStage::Potential.as_str().into(),
        source: None,
        industry: None,
        province: None,
        city: None,
        address: None,
        phone: None,
        website: None,
        tags: String::new(),
        notes: None,
        owner_id: None,
        owner_assigned_at: None,
        last_contacted_at: None,
        next_follow_up_at: None,
        credit_limit: 0,
        opening_balance: 0,
        pooled_at: None,
        merged_into_id: None,
        created_by: None,
        created_at: now,
        updated_at: now,
        version: 1,
        deleted_at: None,
    }
}

/// The audited fields of a customer, for old → new diffs.
pub fn audit_fields(m: &customer::Model) -> Vec<(&'static str, serde_json::Value)> {
    use serde_json::json;
    vec![
        ("name", json!(m.name)),
        ("kind", json!(m.kind)),
        ("importance", json!(m.importance)),
        ("loyaltyStage", json!(m.loyalty_stage)),
        ("source", json!(m.source)),
        ("industry", json!(m.industry)),
        ("province", json!(m.province)),
        ("city", json!(m.city)),
        ("address", json!(m.address)),
        ("phone", json!(m.phone)),
        ("website", json!(m.website)),
        ("notes", json!(m.notes)),
        ("tags", json!(decode_tags(&m.tags))),
        ("ownerId", json!(m.owner_id)),
        (
            "creditLimit",
            json!(money::from_stored(m.credit_limit).to_string()),
        ),
        (
            "openingBalance",
            json!(money::from_stored(m.opening_balance).to_string()),
        ),
        ("lastContactedAt", json!(m.last_contacted_at)),
        ("nextFollowUpAt", json!(m.next_follow_up_at)),
        ("deletedAt", json!(m.deleted_at)),
        ("mergedIntoId", json!(m.merged_into_id)),
    ]
}

/// `{ field: { old, new } }` for the fields that differ.
pub fn diff(old: Option<&customer::Model>, new: &customer::Model) -> serde_json::Value {
    let mut changes = crate::service::audit::Changes::new();
    let before = old.map(audit_fields);
    for (i, (name, value)) in audit_fields(new).into_iter().enumerate() {
        match &before {
            Some(b) => {
                changes.field(name, &b[i].1, &value);
            }
            None => {
                if !value.is_null() {
                    changes.created(name, &value);
                }
            }
        }
    }
    changes.into_value()
}
