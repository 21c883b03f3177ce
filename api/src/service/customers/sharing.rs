//! Sharing customers with colleagues (READ or EDIT), in bulk like the other ownership
//! operations: by ids or filter, dry run, one transaction, one audit event per customer.

use super::bulk::{BulkOutcome, Skipped, Target, entitled, finish, resolve};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::service::customers::Customers;
use crate::service::resource::{Child, Resource, child_of};
use crate::service::write;
use crate::state::AppState;
use chrono::Utc;
use domain::permission::ShareLevel;
use entity::{customer, customer_share, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, Set,
};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// Shares in the resource registry: those of customers the actor may read.
pub struct CustomerShares;

impl Resource for CustomerShares {
    const TYPE: &'static str = "CustomerShare";
    type Entity = customer_share::Entity;
    const ID: customer_share::Column = customer_share::Column::Id;

    fn id_of(row: &customer_share::Model) -> Uuid {
        row.id
    }

    fn scope(state: &AppState, actor: Option<&Actor>) -> Condition {
        Condition::all().add(child_of::<Customers>(
            customer_share::Column::CustomerId,
            state,
            actor,
        ))
    }

    fn merge_customers<'a>(
        txn: &'a DatabaseTransaction,
        _actor: &'a Actor,
        survivor: &'a customer::Model,
        dups: &'a [Uuid],
    ) -> impl std::future::Future<Output = AppResult<()>> + Send + 'a {
        move_shares(txn, survivor, dups)
    }
}

impl Child for CustomerShares {
    type Parent = Customers;
    const PARENT: customer_share::Column = customer_share::Column::CustomerId;

    fn parent_of(row: &customer_share::Model) -> Uuid {
        row.customer_id
    }
}

/// Shares follow the survivor; where a user had both, the stronger level wins.
async fn move_shares(
    db: &impl ConnectionTrait,
    survivor: &customer::Model,
    dups: &[Uuid],
) -> AppResult<()> {
    let moving = customer_share::Entity::find()
        .filter(customer_share::Column::CustomerId.is_in(dups.iter().copied()))
        .all(db)
        .await?;
    for s in moving {
        let existing = customer_share::Entity::find()
            .filter(customer_share::Column::CustomerId.eq(survivor.id))
            .filter(customer_share::Column::UserId.eq(s.user_id))
            .one(db)
            .await?;
        let redundant = survivor.owner_id == Some(s.user_id);
        match existing {
            _ if redundant => {
                customer_share::Entity::delete_by_id(s.id).exec(db).await?;
            }
            Some(e) => {
                if s.level == ShareLevel::Edit.as_str() && e.level != s.level {
                    let mut am: customer_share::ActiveModel = e.into();
                    am.level = Set(s.level.clone());
                    am.update(db).await?;
                }
                customer_share::Entity::delete_by_id(s.id).exec(db).await?;
            }
            None => {
                let mut am: customer_share::ActiveModel = s.into();
                am.customer_id = Set(survivor.id);
                am.update(db).await?;
            }
        }
    }
    Ok(())
}

async fn check_share_users(
    db: &impl ConnectionTrait,
    actor: &Actor,
    users: &[Uuid],
) -> AppResult<()> {
    if users.is_empty() {
        return Err(AppError::validation("userIds", "name at least one user"));
    }
    if users.contains(&actor.id) {
        return Err(AppError::validation(
            "userIds",
            "you cannot share with yourself",
        ));
    }
    let found = user::Entity::find()
        .filter(user::Column::Id.is_in(users.iter().copied()))
        .filter(user::Column::Active.eq(true))
        .count(db)
        .await?;
    let mut distinct = users.to_vec();
    distinct.sort();
    distinct.dedup();
    if found != distinct.len() as u64 {
        return Err(AppError::validation(
            "userIds",
            "every user must exist and be active",
        ));
    }
    Ok(())
}

/// Ids per statement: far below SQLite's and PostgreSQL's parameter limits.
const CHUNK: usize = 500;

/// Users one share operation may name.
const MAX_SHARE_USERS: usize = 50;

fn shares_json(shares: &[(Uuid, String)]) -> serde_json::Value {
    let mut rows: Vec<(String, &str)> = shares
        .iter()
        .map(|(u, l)| (u.to_string(), l.as_str()))
        .collect();
    rows.sort();
    json!(
        rows.into_iter()
            .map(|(u, l)| json!({ "userId": u, "level": l }))
            .collect::<Vec<_>>()
    )
}

/// Shares (or, with `level: None`, unshares) customers with users. Sharing again changes
/// the level; the owner never needs a share and is skipped. The work is a fixed number of
/// statements per 500 customers, not per customer.
#[tracing::instrument(skip_all, fields(actor = %actor.id))]
pub async fn share(
    state: &AppState,
    actor: &Actor,
    target: Target,
    mut users: Vec<Uuid>,
    level: Option<ShareLevel>,
    dry_run: bool,
) -> AppResult<BulkOutcome> {
    users.sort();
    users.dedup();
    if users.len() > MAX_SHARE_USERS {
        return Err(AppError::validation(
            "userIds",
            format!("at most {MAX_SHARE_USERS} users at once"),
        ));
    }
    let txn = crate::db::begin(&state.db).await?;
    if level.is_some() {
        check_share_users(&txn, actor, &users).await?;
    } else if users.is_empty() {
        return Err(AppError::validation("userIds", "name at least one user"));
    }
    let (rows, mut skipped) = resolve(&txn, state, actor, &target).await?;
    let rows = entitled(&txn, state, actor, rows, |a| a.can_share, &mut skipped).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut existing: HashMap<Uuid, Vec<customer_share::Model>> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        // Locks the customers (PostgreSQL) so concurrent share changes cannot interleave.
        customer::Entity::find()
            .filter(customer::Column::Id.is_in(chunk.iter().copied()))
            .lock_exclusive()
            .all(&txn)
            .await?;
        for s in customer_share::Entity::find()
            .filter(customer_share::Column::CustomerId.is_in(chunk.iter().copied()))
            .all(&txn)
            .await?
        {
            existing.entry(s.customer_id).or_default().push(s);
        }
    }
    let now = Utc::now();
    let mut inserts = Vec::new();
    let mut relevel: Vec<Uuid> = Vec::new();
    let mut deletes: Vec<Uuid> = Vec::new();
    let mut notes = Vec::new();
    let mut changed = Vec::new();
    let action = if level.is_some() { "share" } else { "unshare" };
    for c in rows {
        let current = existing.remove(&c.id).unwrap_or_default();
        let before: Vec<(Uuid, String)> = current
            .iter()
            .map(|s| (s.user_id, s.level.clone()))
            .collect();
        let mut after = before.clone();
        for u in &users {
            let found = current.iter().find(|s| s.user_id == *u);
            match (level, found) {
                (Some(_), _) if c.owner_id == Some(*u) => {}
                (Some(l), Some(s)) if s.level != l.as_str() => {
                    relevel.push(s.id);
                    after.retain(|(x, _)| x != u);
                    after.push((*u, l.as_str().to_string()));
                }
                (Some(l), None) => {
                    inserts.push(customer_share::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        customer_id: Set(c.id),
                        user_id: Set(*u),
                        level: Set(l.as_str().to_string()),
                        created_by: Set(Some(actor.id)),
                        created_at: Set(now),
                    });
                    after.push((*u, l.as_str().to_string()));
                }
                (None, Some(s)) => {
                    deletes.push(s.id);
                    after.retain(|(x, _)| x != u);
                }
                _ => {}
            }
        }
        let (old, new) = (shares_json(&before), shares_json(&after));
        if old == new {
            skipped.push(Skipped {
                id: c.id,
                reason: "UNCHANGED",
            });
            continue;
        }
        notes.push((c.id, json!({ "shares": { "old": old, "new": new } })));
        changed.push(c);
    }
    for chunk in inserts.chunks(CHUNK) {
        customer_share::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    if let Some(l) = level {
        for chunk in relevel.chunks(CHUNK) {
            customer_share::Entity::update_many()
                .col_expr(customer_share::Column::Level, Expr::value(l.as_str()))
                .filter(customer_share::Column::Id.is_in(chunk.iter().copied()))
                .exec(&txn)
                .await?;
        }
    }
    for chunk in deletes.chunks(CHUNK) {
        customer_share::Entity::delete_many()
            .filter(customer_share::Column::Id.is_in(chunk.iter().copied()))
            .exec(&txn)
            .await?;
    }
    write::note_all::<Customers>(&txn, Some(actor), action, notes).await?;
    finish(txn, dry_run).await?;
    Ok(BulkOutcome {
        dry_run,
        changed,
        skipped,
    })
}
