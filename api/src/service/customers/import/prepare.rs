//! Checking one import row exactly as a create would be checked.

use super::Prepared;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::service::contacts::ContactPatch;
use crate::service::customers::{CustomerPatch, patch};
use chrono::Utc;
use domain::customer::{CustomerKind, Importance, LoyaltyStage, match_key};
use domain::import::ImportRow;
use domain::permission::may_own_customers;
use domain::role::Role;
use entity::{contact, user};
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use uuid::Uuid;

pub(super) fn label<T>(
    field: &str,
    value: Option<&str>,
    parse: fn(&str) -> Option<T>,
) -> AppResult<Option<T>> {
    match value {
        None => Ok(None),
        Some(v) => parse(v)
            .map(Some)
            .ok_or_else(|| AppError::validation(field, format!("unknown value {v:?}"))),
    }
}

/// Checks one row exactly as a create would be checked.
pub(super) fn prepare(
    actor: &Actor,
    emails: &HashMap<String, user::Model>,
    team: &HashSet<Uuid>,
    row: ImportRow,
    now: chrono::DateTime<Utc>,
) -> AppResult<Prepared> {
    let c = row.customer;
    let credit_limit = match c.credit_limit.as_deref() {
        Some(v) => Some(
            Decimal::from_str(v.trim())
                .map_err(|_| AppError::validation("creditLimit", "is not a number"))?,
        ),
        None => None,
    };
    let change = CustomerPatch {
        name: Some(c.name.clone()),
        kind: label("kind", c.kind.as_deref(), CustomerKind::parse)?,
        importance: label("importance", c.importance.as_deref(), Importance::parse)?,
        loyalty_stage: label(
            "loyaltyStage",
            c.loyalty_stage.as_deref(),
            LoyaltyStage::parse,
        )?,
        source: Some(c.source),
        industry: Some(c.industry),
        province: Some(c.province),
        city: Some(c.city),
        address: Some(c.address),
        phone: Some(c.phone),
        website: Some(c.website),
        notes: Some(c.notes),
        tags: Some(c.tags),
        credit_limit,
        ..Default::default()
    };
    let mut m = patch::blank(now);
    patch::set_name(&mut m, &c.name)?;
    change.apply(&mut m)?;
    m.name_key = match_key(&m.name);
    m.created_by = Some(actor.id);
    m.owner_id = match c.owner_email.as_deref().map(|e| e.trim().to_lowercase()) {
        Some(email) => {
            let u = emails.get(&email).filter(|u| u.active).ok_or_else(|| {
                AppError::validation("ownerEmail", "no active user has this e-mail")
            })?;
            let role = Role::parse(&u.role).unwrap_or(Role::Warehouse);
            if !may_own_customers(role) || (actor.role != Role::Admin && !team.contains(&u.id)) {
                return Err(AppError::validation(
                    "ownerEmail",
                    "you may not give customers to this user",
                ));
            }
            Some(u.id)
        }
        None if may_own_customers(actor.role) => Some(actor.id),
        None => None,
    };
    m.owner_assigned_at = m.owner_id.map(|_| now);
    m.pooled_at = if m.owner_id.is_none() {
        Some(now)
    } else {
        None
    };
    let contact = match row.contact {
        None => None,
        Some(k) => {
            let mut cm = contact::Model {
                id: Uuid::now_v7(),
                customer_id: m.id,
                name: String::new(),
                title: None,
                mobile: None,
                phone: None,
                email: None,
                wechat: None,
                notes: None,
                is_primary: true,
                created_at: now,
                updated_at: now,
                version: 1,
                deleted_at: None,
            };
            ContactPatch {
                name: Some(k.name),
                title: Some(k.title),
                mobile: Some(k.mobile),
                phone: Some(k.phone),
                email: Some(k.email),
                wechat: Some(k.wechat),
                notes: None,
            }
            .apply(&mut cm)
            .map_err(|e| match e {
                AppError::Validation { field, message } => AppError::Validation {
                    field: format!("contact{}{}", field[..1].to_uppercase(), &field[1..]),
                    message,
                },
                other => other,
            })?;
            Some(cm)
        }
    };
    Ok(Prepared {
        row: row.row,
        customer: m,
        contact,
    })
}
