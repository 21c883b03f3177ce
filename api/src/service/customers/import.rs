//! Bulk import of customers (with their first contact) from CSV or XLSX. Parsing is in
//! `domain::import`; here rows are matched against existing customers with the one match key,
//! checked like any create, and written in batches, each batch one transaction, so a failure
//! never leaves a customer without its contact.

use super::{CustomerPatch, access, patch, write};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::service::audit;
use crate::service::contacts::ContactPatch;
use crate::state::AppState;
use chrono::Utc;
use domain::customer::{CustomerKind, Importance, LoyaltyStage, match_key};
use domain::import::{ImportRow, parse_import};
use domain::permission::{ShareLevel, may_own_customers};
use domain::role::{Capability, Role};
use entity::{audit_event, contact, customer, customer_share, user};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use uuid::Uuid;

const BATCH: usize = 500;
const MAX_ISSUES: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDuplicate {
    Skip,
    Merge,
    Fail,
}

#[derive(Debug, Clone)]
pub struct RowIssue {
    pub row: usize,
    pub outcome: &'static str,
    pub code: &'static str,
    pub field: Option<String>,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct ImportReport {
    pub dry_run: bool,
    /// False when nothing was written: a dry run, or `FAIL` mode meeting a duplicate.
    pub committed: bool,
    pub total_rows: u64,
    pub created: u64,
    pub merged: u64,
    pub skipped: u64,
    pub failed: u64,
    pub issues: Vec<RowIssue>,
    pub issues_truncated: bool,
    pub ignored_headers: Vec<String>,
}

impl ImportReport {
    fn issue(
        &mut self,
        row: usize,
        outcome: &'static str,
        code: &'static str,
        field: Option<&str>,
        message: String,
    ) {
        match outcome {
            "SKIPPED" => self.skipped += 1,
            "FAILED" => self.failed += 1,
            _ => {}
        }
        if self.issues.len() < MAX_ISSUES {
            self.issues.push(RowIssue {
                row,
                outcome,
                code,
                field: field.map(str::to_string),
                message,
            });
        } else {
            self.issues_truncated = true;
        }
    }
}

struct Existing {
    id: Uuid,
    owner: Option<Uuid>,
}

struct Prepared {
    row: usize,
    customer: customer::Model,
    contact: Option<contact::Model>,
}

pub async fn import(
    state: &AppState,
    actor: &Actor,
    bytes: Vec<u8>,
    filename: Option<String>,
    dry_run: bool,
    on_duplicate: OnDuplicate,
) -> AppResult<ImportReport> {
    if !actor
        .role
        .can(Capability::ImportCustomers, &state.role_settings)
    {
        return Err(AppError::forbidden("your role may not import customers"));
    }
    // Parsing a large file is CPU work: keep it off the async workers.
    let max_rows = state.config.import_max_rows;
    let table =
        tokio::task::spawn_blocking(move || parse_import(&bytes, filename.as_deref(), max_rows))
            .await
            .map_err(AppError::internal)?
            .map_err(|e| AppError::validation("file", format!("{e} ({})", e.code())))?;
    let mut report = ImportReport {
        dry_run,
        total_rows: (table.rows.len() + table.errors.len()) as u64,
        ignored_headers: table.ignored_headers.clone(),
        ..Default::default()
    };
    for e in &table.errors {
        report.issue(e.row, "FAILED", e.code, e.field, e.message.clone());
    }
    let existing = existing_keys(&state.db).await?;
    let emails = users_by_email(&state.db).await?;
    let my_shares = actor_shares(&state.db, actor).await?;
    let now = Utc::now();
    let mut seen: HashSet<String> = HashSet::new();
    let mut to_create: Vec<Prepared> = Vec::new();
    let mut to_merge: Vec<(usize, Uuid, Prepared)> = Vec::new();
    let mut duplicate_found = false;
    for row in table.rows {
        let n = row.row;
        let prepared = match prepare(state, actor, &emails, row, now) {
            Ok(p) => p,
            Err(e) => {
                let (field, message) = match &e {
                    AppError::Validation { field, message } => {
                        (Some(field.as_str()), message.clone())
                    }
                    other => (None, other.message()),
                };
                report.issue(n, "FAILED", e.code(), field, message);
                continue;
            }
        };
        let key = prepared.customer.name_key.clone();
        if !seen.insert(key.clone()) {
            duplicate_found = true;
            let outcome = if on_duplicate == OnDuplicate::Fail {
                "FAILED"
            } else {
                "SKIPPED"
            };
            report.issue(
                n,
                outcome,
                "DUPLICATE_IN_FILE",
                Some("name"),
                "the same customer appears earlier in the file".into(),
            );
            continue;
        }
        if let Some(ex) = existing.get(&key) {
            duplicate_found = true;
            match on_duplicate {
                OnDuplicate::Fail => report.issue(
                    n,
                    "FAILED",
                    "DUPLICATE",
                    Some("name"),
                    "a customer with this name already exists".into(),
                ),
                OnDuplicate::Skip => report.issue(
                    n,
                    "SKIPPED",
                    "DUPLICATE",
                    Some("name"),
                    "a customer with this name already exists".into(),
                ),
                OnDuplicate::Merge => {
                    if may_edit(state, actor, ex, &my_shares) {
                        to_merge.push((n, ex.id, prepared));
                    } else {
                        report.issue(
                            n,
                            "SKIPPED",
                            "DUPLICATE_NOT_EDITABLE",
                            Some("name"),
                            "a customer with this name exists and you may not edit it".into(),
                        );
                    }
                }
            }
            continue;
        }
        to_create.push(prepared);
    }
    if on_duplicate == OnDuplicate::Fail && duplicate_found {
        return Ok(report);
    }
    report.created = to_create.len() as u64;
    report.merged = to_merge.len() as u64;
    if dry_run {
        return Ok(report);
    }
    // Batches are independent transactions; on PostgreSQL several run at once, which hides
    // the per-statement network latency. SQLite has one writer, so it takes them in turn.
    let parallel = match state.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => (state.config.db_max_connections as usize / 2).clamp(1, 4),
        _ => 1,
    };
    // A failed batch rolls back alone; its rows are reported as failed, so the report always
    // says exactly what was written.
    let chunks: Vec<&[Prepared]> = to_create.chunks(BATCH).collect();
    for group in chunks.chunks(parallel) {
        let mut running = Vec::with_capacity(group.len());
        for chunk in group {
            running.push(insert_batch(&state.db, actor, chunk));
        }
        let results = futures::future::join_all(running).await;
        for (chunk, result) in group.iter().zip(results) {
            match result {
                Ok(()) => report.committed = true,
                Err(e) => {
                    report.created -= chunk.len() as u64;
                    let message = e.message();
                    for p in chunk.iter() {
                        report.issue(p.row, "FAILED", e.code(), None, message.clone());
                    }
                }
            }
        }
    }
    for (row, id, p) in to_merge {
        match merge_row(state, actor, id, p).await {
            Ok(true) => report.committed = true,
            Ok(false) => {
                report.merged -= 1;
                report.issue(
                    row,
                    "SKIPPED",
                    "DUPLICATE_NOT_EDITABLE",
                    Some("name"),
                    "the matching customer is no longer yours to edit".into(),
                );
            }
            Err(e) => {
                report.merged -= 1;
                report.issue(row, "FAILED", e.code(), None, e.message());
            }
        }
    }
    Ok(report)
}

fn may_edit(
    state: &AppState,
    actor: &Actor,
    ex: &Existing,
    shares: &HashMap<Uuid, ShareLevel>,
) -> bool {
    let mut probe = patch::blank(Utc::now());
    probe.owner_id = ex.owner;
    access::evaluate(state, actor, &probe, shares.get(&ex.id).copied()).can_edit
}

async fn existing_keys(db: &impl ConnectionTrait) -> AppResult<HashMap<String, Existing>> {
    let rows: Vec<(Uuid, String, Option<Uuid>)> = customer::Entity::find()
        .select_only()
        .columns([
            customer::Column::Id,
            customer::Column::NameKey,
            customer::Column::OwnerId,
        ])
        .filter(customer::Column::DeletedAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, key, owner)| (key, Existing { id, owner }))
        .collect())
}

async fn users_by_email(db: &impl ConnectionTrait) -> AppResult<HashMap<String, user::Model>> {
    Ok(user::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.email.clone(), u))
        .collect())
}

async fn actor_shares(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> AppResult<HashMap<Uuid, ShareLevel>> {
    Ok(customer_share::Entity::find()
        .filter(customer_share::Column::UserId.eq(actor.id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|s| ShareLevel::parse(&s.level).map(|l| (s.customer_id, l)))
        .collect())
}

fn label<T>(
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
fn prepare(
    state: &AppState,
    actor: &Actor,
    emails: &HashMap<String, user::Model>,
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
            if !may_own_customers(role)
                || (actor.role != Role::Admin && !actor.subtree.contains(&u.id))
            {
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
    let _ = state;
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

fn audit_row(
    actor: &Actor,
    entity_type: &str,
    id: Uuid,
    changes: serde_json::Value,
) -> audit_event::ActiveModel {
    audit_event::ActiveModel::from(audit_event::Model {
        id: Uuid::now_v7(),
        actor_id: Some(actor.id),
        action: "import".into(),
        entity_type: entity_type.into(),
        entity_id: id,
        changes: changes.to_string(),
        request_id: actor.request_id.clone(),
        created_at: Utc::now(),
    })
}

async fn insert_batch(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    rows: &[Prepared],
) -> AppResult<()> {
    let txn = crate::db::begin(db).await?;
    let customers: Vec<customer::ActiveModel> =
        rows.iter().map(|p| p.customer.clone().into()).collect();
    customer::Entity::insert_many(customers).exec(&txn).await.map_err(|e| {
        if crate::error::violated_unique(&e).is_some() {
            AppError::conflict("a customer in this batch was created by someone else meanwhile; import again to skip it")
        } else {
            e.into()
        }
    })?;
    let contacts: Vec<contact::ActiveModel> = rows
        .iter()
        .filter_map(|p| p.contact.clone().map(Into::into))
        .collect();
    if !contacts.is_empty() {
        contact::Entity::insert_many(contacts).exec(&txn).await?;
    }
    let mut audits: Vec<audit_event::ActiveModel> = Vec::with_capacity(rows.len() * 2);
    for p in rows {
        audits.push(audit_row(
            actor,
            "Customer",
            p.customer.id,
            patch::diff(None, &p.customer),
        ));
        if let Some(c) = &p.contact {
            audits.push(audit_row(
                actor,
                "Contact",
                c.id,
                serde_json::json!({ "name": { "old": null, "new": c.name } }),
            ));
        }
    }
    for chunk in audits.chunks(BATCH) {
        audit_event::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Fills the existing customer's empty fields from the row and adds the row's contact when
/// the customer has no contact of that name yet.
/// Returns false when the customer is no longer visible and editable to the actor.
async fn merge_row(state: &AppState, actor: &Actor, id: Uuid, p: Prepared) -> AppResult<bool> {
    let txn = crate::db::begin(&state.db).await?;
    write::lock(&txn, id).await?;
    let current = match access::require(&txn, state, actor, id, |a| a.can_edit, "edit").await {
        Ok((c, _)) => c,
        Err(AppError::NotFound(_) | AppError::Forbidden(_)) => return Ok(false),
        Err(e) => return Err(e),
    };
    let mut next = current.clone();
    let r = &p.customer;
    for (target, from) in [
        (&mut next.source, &r.source),
        (&mut next.industry, &r.industry),
        (&mut next.province, &r.province),
        (&mut next.city, &r.city),
        (&mut next.address, &r.address),
        (&mut next.phone, &r.phone),
        (&mut next.website, &r.website),
        (&mut next.notes, &r.notes),
    ] {
        if target.is_none() {
            target.clone_from(from);
        }
    }
    let mut tags = patch::decode_tags(&next.tags);
    for t in patch::decode_tags(&r.tags) {
        if !tags.contains(&t) && tags.len() < patch::MAX_TAGS {
            tags.push(t);
        }
    }
    next.tags = patch::encode_tags(&tags)?;
    if next != current {
        let saved = write::save(&txn, next, current.version).await?;
        audit::record(
            &txn,
            Some(actor),
            "import_merge",
            "Customer",
            id,
            patch::diff(Some(&current), &saved),
        )
        .await?;
    }
    if let Some(c) = p.contact {
        let known = contact::Entity::find()
            .filter(contact::Column::CustomerId.eq(id))
            .filter(contact::Column::DeletedAt.is_null())
            .filter(contact::Column::Name.eq(c.name.clone()))
            .one(&txn)
            .await?
            .is_some();
        if !known {
            let change = ContactPatch {
                name: Some(c.name),
                title: Some(c.title),
                mobile: Some(c.mobile),
                phone: Some(c.phone),
                email: Some(c.email),
                wechat: Some(c.wechat),
                notes: None,
            };
            crate::service::contacts::insert_for(&txn, actor, &current, change, false).await?;
        }
    }
    txn.commit().await?;
    Ok(true)
}
