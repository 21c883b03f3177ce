//! Sharing customers with colleagues (READ or EDIT), in bulk like the other ownership
//! operations: by ids or filter, dry run, one transaction, one audit event per customer.

use super::bulk::{BulkOutcome, Skipped, Target, entitled, finish, resolve};
use super::write;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::service::audit;
use crate::state::AppState;
use chrono::Utc;
use domain::permission::ShareLevel;
use entity::{customer_share, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use serde_json::json;
use uuid::Uuid;

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

async fn shares_json(db: &impl ConnectionTrait, customer: Uuid) -> AppResult<serde_json::Value> {
    let mut rows: Vec<(String, String)> = customer_share::Entity::find()
        .filter(customer_share::Column::CustomerId.eq(customer))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.user_id.to_string(), s.level))
        .collect();
    rows.sort();
    Ok(json!(
        rows.into_iter()
            .map(|(u, l)| json!({ "userId": u, "level": l }))
            .collect::<Vec<_>>()
    ))
}

/// Shares (or, with `level: None`, unshares) customers with users. Sharing again changes
/// the level; the owner never needs a share and is skipped.
#[tracing::instrument(skip_all, fields(actor = %actor.id))]
pub async fn share(
    state: &AppState,
    actor: &Actor,
    target: Target,
    users: Vec<Uuid>,
    level: Option<ShareLevel>,
    dry_run: bool,
) -> AppResult<BulkOutcome> {
    let txn = crate::db::begin(&state.db).await?;
    if level.is_some() {
        check_share_users(&txn, actor, &users).await?;
    } else if users.is_empty() {
        return Err(AppError::validation("userIds", "name at least one user"));
    }
    let (rows, mut skipped) = resolve(&txn, state, actor, &target).await?;
    let rows = entitled(&txn, state, actor, rows, |a| a.can_share, &mut skipped).await?;
    let now = Utc::now();
    let mut changed = Vec::new();
    for c in rows {
        write::lock(&txn, c.id).await?;
        let before = shares_json(&txn, c.id).await?;
        for u in &users {
            let existing = customer_share::Entity::find()
                .filter(customer_share::Column::CustomerId.eq(c.id))
                .filter(customer_share::Column::UserId.eq(*u))
                .one(&txn)
                .await?;
            match (level, existing) {
                (Some(_), _) if c.owner_id == Some(*u) => {}
                (Some(l), Some(s)) if s.level != l.as_str() => {
                    let mut am: customer_share::ActiveModel = s.into();
                    am.level = Set(l.as_str().to_string());
                    am.update(&txn).await?;
                }
                (Some(l), None) => {
                    customer_share::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        customer_id: Set(c.id),
                        user_id: Set(*u),
                        level: Set(l.as_str().to_string()),
                        created_by: Set(Some(actor.id)),
                        created_at: Set(now),
                    }
                    .insert(&txn)
                    .await?;
                }
                (None, Some(s)) => {
                    customer_share::Entity::delete_by_id(s.id)
                        .exec(&txn)
                        .await?;
                }
                _ => {}
            }
        }
        let after = shares_json(&txn, c.id).await?;
        if before == after {
            skipped.push(Skipped {
                id: c.id,
                reason: "UNCHANGED",
            });
            continue;
        }
        let action = if level.is_some() { "share" } else { "unshare" };
        audit::record(
            &txn,
            Some(actor),
            action,
            "Customer",
            c.id,
            json!({ "shares": { "old": before, "new": after } }),
        )
        .await?;
        changed.push(c);
    }
    finish(txn, dry_run).await?;
    Ok(BulkOutcome {
        dry_run,
        changed,
        skipped,
    })
}
