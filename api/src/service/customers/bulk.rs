//! Bulk ownership and sharing: share, unshare, assign, transfer, claim from and release to the
//! pool. Each works on ids or on a filter, can be a dry run, runs in one transaction and
//! writes one audit event per customer. Customers the actor is not entitled to change are
//! reported as skipped, never changed.

use super::{CustomerFilter, access, query, write};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::service::customers::query::Customers;
use crate::service::org;
use crate::service::write as stored;
use crate::state::AppState;
use chrono::Utc;
use domain::permission::{Access, ShareLevel};
use domain::role::Role;
use entity::{customer, customer_share, user};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use std::collections::HashMap;
use uuid::Uuid;

/// The most customers one bulk operation may touch.
pub const MAX_BULK: u64 = 10_000;

pub enum Target {
    Ids(Vec<Uuid>),
    Filter(Box<CustomerFilter>),
}

pub struct Skipped {
    pub id: Uuid,
    pub reason: &'static str,
}

pub struct BulkOutcome {
    pub dry_run: bool,
    /// The customers as they are (or, in a dry run, would be) after the operation.
    pub changed: Vec<customer::Model>,
    pub skipped: Vec<Skipped>,
}

pub(super) async fn resolve(
    db: &DatabaseTransaction,
    state: &AppState,
    actor: &Actor,
    target: &Target,
) -> AppResult<(Vec<customer::Model>, Vec<Skipped>)> {
    let (select, ids) = match target {
        Target::Ids(ids) => {
            if ids.is_empty() {
                return Err(AppError::validation("ids", "name at least one customer"));
            }
            if ids.len() as u64 > MAX_BULK {
                return Err(AppError::validation(
                    "ids",
                    format!("at most {MAX_BULK} customers"),
                ));
            }
            (
                query::scoped(state, actor).filter(customer::Column::Id.is_in(ids.iter().copied())),
                Some(ids),
            )
        }
        Target::Filter(f) if f.deleted => {
            return Err(AppError::validation(
                "filter.deleted",
                "bulk operations work on live customers only",
            ));
        }
        Target::Filter(f) => (query::filtered(state, actor, f)?, None),
    };
    let rows = select
        .order_by_asc(customer::Column::Id)
        .limit(MAX_BULK + 1)
        .all(db)
        .await?;
    if rows.len() as u64 > MAX_BULK {
        return Err(AppError::validation(
            "filter",
            format!("matches more than {MAX_BULK} customers; narrow it"),
        ));
    }
    let mut skipped = Vec::new();
    if let Some(ids) = ids {
        for id in ids {
            if !rows.iter().any(|r| r.id == *id) && !skipped.iter().any(|s: &Skipped| s.id == *id) {
                skipped.push(Skipped {
                    id: *id,
                    reason: "NOT_FOUND",
                });
            }
        }
    }
    Ok((rows, skipped))
}

async fn shares_of_actor(
    db: &impl ConnectionTrait,
    actor: &Actor,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, ShareLevel>> {
    Ok(customer_share::Entity::find()
        .filter(customer_share::Column::UserId.eq(actor.id))
        .filter(customer_share::Column::CustomerId.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|s| ShareLevel::parse(&s.level).map(|l| (s.customer_id, l)))
        .collect())
}

/// Splits the targets into those `allowed` and the rest (skipped as `FORBIDDEN`).
pub(super) async fn entitled(
    db: &impl ConnectionTrait,
    state: &AppState,
    actor: &Actor,
    rows: Vec<customer::Model>,
    allowed: fn(&Access) -> bool,
    skipped: &mut Vec<Skipped>,
) -> AppResult<Vec<customer::Model>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let shares = shares_of_actor(db, actor, &ids).await?;
    let below = org::strictly_below(db, actor.id, rows.iter().filter_map(|r| r.owner_id)).await?;
    let mut ok = Vec::new();
    for r in rows {
        let a = access::evaluate(state, actor, r.owner_id, &below, shares.get(&r.id).copied());
        if allowed(&a) {
            ok.push(r);
        } else {
            skipped.push(Skipped {
                id: r.id,
                reason: "FORBIDDEN",
            });
        }
    }
    Ok(ok)
}

pub(super) async fn finish(txn: DatabaseTransaction, dry_run: bool) -> AppResult<()> {
    if dry_run {
        txn.rollback().await?;
    } else {
        txn.commit().await?;
    }
    Ok(())
}

/// Sets the owner of each entitled customer (`None`: release to the pool).
async fn set_owner(
    txn: &DatabaseTransaction,
    actor: &Actor,
    rows: Vec<customer::Model>,
    owner: Option<Uuid>,
    action: &str,
    skipped: &mut Vec<Skipped>,
) -> AppResult<Vec<customer::Model>> {
    let now = Utc::now();
    let mut changed = Vec::new();
    for old in rows {
        if old.owner_id == owner {
            skipped.push(Skipped {
                id: old.id,
                reason: "UNCHANGED",
            });
            continue;
        }
        let mut next = old.clone();
        next.owner_id = owner;
        next.owner_assigned_at = owner.map(|_| now);
        next.pooled_at = if owner.is_none() { Some(now) } else { None };
        let saved =
            stored::update::<Customers, _>(txn, Some(actor), action, &old, next, old.version)
                .await?;
        changed.push(saved);
    }
    Ok(changed)
}

#[tracing::instrument(skip_all, fields(actor = %actor.id))]
pub async fn assign(
    state: &AppState,
    actor: &Actor,
    target: Target,
    owner: Uuid,
    dry_run: bool,
) -> AppResult<BulkOutcome> {
    let txn = crate::db::begin(&state.db).await?;
    write::check_assignee(&txn, actor, owner, "ownerId").await?;
    let (rows, mut skipped) = resolve(&txn, state, actor, &target).await?;
    let rows = entitled(&txn, state, actor, rows, |a| a.can_transfer, &mut skipped).await?;
    let changed = set_owner(&txn, actor, rows, Some(owner), "assign", &mut skipped).await?;
    finish(txn, dry_run).await?;
    Ok(BulkOutcome {
        dry_run,
        changed,
        skipped,
    })
}

/// Moves every customer of `from` to `to` (e.g. when someone leaves). Allowed to admins and
/// to anyone above `from` in the org tree.
#[tracing::instrument(skip_all, fields(actor = %actor.id))]
pub async fn transfer(
    state: &AppState,
    actor: &Actor,
    from: Uuid,
    to: Uuid,
    dry_run: bool,
) -> AppResult<BulkOutcome> {
    if from == to {
        return Err(AppError::validation(
            "toUserId",
            "must differ from fromUserId",
        ));
    }
    if actor.role != Role::Admin
        && (from == actor.id || !org::is_below(&state.db, actor.id, from).await?)
    {
        return Err(AppError::forbidden(
            "only an administrator or someone above that user may transfer their customers",
        ));
    }
    let exists = user::Entity::find_by_id(from)
        .one(&state.db)
        .await?
        .is_some();
    if !exists {
        return Err(AppError::validation("fromUserId", "no user has this id"));
    }
    let filter = CustomerFilter {
        owner_ids: vec![from],
        ..Default::default()
    };
    assign(state, actor, Target::Filter(Box::new(filter)), to, dry_run).await
}

#[tracing::instrument(skip_all, fields(actor = %actor.id))]
pub async fn release(
    state: &AppState,
    actor: &Actor,
    target: Target,
    dry_run: bool,
) -> AppResult<BulkOutcome> {
    let txn = crate::db::begin(&state.db).await?;
    let (rows, mut skipped) = resolve(&txn, state, actor, &target).await?;
    let rows = entitled(&txn, state, actor, rows, |a| a.can_transfer, &mut skipped).await?;
    let changed = set_owner(&txn, actor, rows, None, "release_to_pool", &mut skipped).await?;
    finish(txn, dry_run).await?;
    Ok(BulkOutcome {
        dry_run,
        changed,
        skipped,
    })
}

/// Takes pool customers, up to the `GUANXI_POOL_MAX_OWNED` customers one person may own.
#[tracing::instrument(skip_all, fields(actor = %actor.id))]
pub async fn claim(
    state: &AppState,
    actor: &Actor,
    target: Target,
    dry_run: bool,
) -> AppResult<BulkOutcome> {
    let txn = crate::db::begin(&state.db).await?;
    let (rows, mut skipped) = resolve(&txn, state, actor, &target).await?;
    let rows = entitled(&txn, state, actor, rows, |a| a.can_claim, &mut skipped).await?;
    // Two concurrent claims by one person must not both pass the limit.
    user::Entity::find_by_id(actor.id)
        .lock_exclusive()
        .one(&txn)
        .await?;
    let owned = customer::Entity::find()
        .filter(customer::Column::OwnerId.eq(actor.id))
        .filter(customer::Column::DeletedAt.is_null())
        .count(&txn)
        .await?;
    let max = state.settings.get().pool_max_owned as u64;
    if owned + rows.len() as u64 > max {
        return Err(AppError::rule(
            "POOL_CLAIM_LIMIT",
            format!(
                "you own {owned} customers; claiming {} would pass the limit of {max}",
                rows.len()
            ),
        ));
    }
    let changed = set_owner(&txn, actor, rows, Some(actor.id), "claim", &mut skipped).await?;
    finish(txn, dry_run).await?;
    Ok(BulkOutcome {
        dry_run,
        changed,
        skipped,
    })
}
