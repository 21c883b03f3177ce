//! Creating, changing, deleting and restoring customers.

use super::query::Customers;
use super::{CustomerPatch, access, duplicates, patch, query};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::service::contacts::{self, ContactPatch};
use crate::service::write::{self, Stored};
use crate::service::{idempotency, org};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use domain::permission::may_own_customers;
use domain::role::{Capability, Role};
use entity::{customer, user};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde_json::Value;
use uuid::Uuid;

pub struct NewCustomer {
    pub patch: CustomerPatch,
    /// `None`: the actor. `Some(None)`: straight into the public pool.
    pub owner: Option<Option<Uuid>>,
    pub primary_contact: Option<ContactPatch>,
    pub idempotency: Option<idempotency::Key>,
}

/// Checks that `target` may be given customers by `actor`: an active user of a selling
/// role, and (unless the actor is an admin) the actor or someone below them.
pub async fn check_assignee(
    db: &impl ConnectionTrait,
    actor: &Actor,
    target: Uuid,
    field: &str,
) -> AppResult<user::Model> {
    let u = user::Entity::find_by_id(target)
        .one(db)
        .await?
        .filter(|u| u.active)
        .ok_or_else(|| AppError::validation(field, "no active user has this id"))?;
    let role = Role::parse(&u.role).unwrap_or(Role::Warehouse);
    if !may_own_customers(role) {
        return Err(AppError::validation(
            field,
            "this user's role cannot own customers",
        ));
    }
    if actor.role != Role::Admin && !org::is_below(db, actor.id, target).await? {
        return Err(AppError::forbidden(
            "you may only give customers to yourself or to people below you",
        ));
    }
    Ok(u)
}

#[tracing::instrument(skip_all, fields(actor = %actor.id))]
pub async fn create(
    state: &AppState,
    actor: &Actor,
    input: NewCustomer,
) -> AppResult<customer::Model> {
    if !actor
        .role
        .can(Capability::CreateCustomer, &state.role_settings())
    {
        return Err(AppError::forbidden("your role may not create customers"));
    }
    let key = input.idempotency;
    let now = Utc::now();
    let mut m = patch::blank(now);
    let name = input.patch.name.clone().unwrap_or_default();
    patch::set_name(&mut m, &name)?;
    input.patch.apply(&mut m)?;
    m.created_by = Some(actor.id);
    let txn = crate::db::begin(&state.db).await?;
    if let Some(existing) = idempotency::replay(&txn, actor, key.as_ref(), "createCustomer").await?
    {
        return query::find_visible(&txn, state, actor, existing).await;
    }
    m.owner_id = match input.owner {
        None if may_own_customers(actor.role) => Some(actor.id),
        None | Some(None) => None,
        Some(Some(o)) => Some(check_assignee(&txn, actor, o, "ownerId").await?.id),
    };
    m.owner_assigned_at = m.owner_id.map(|_| now);
    m.pooled_at = if m.owner_id.is_none() {
        Some(now)
    } else {
        None
    };
    duplicates::ensure_unique(&txn, &m.name_key, None).await?;
    let saved = write::insert::<Customers, _>(&txn, Some(actor), "create", m).await?;
    if let Some(c) = input.primary_contact {
        contacts::insert_for(&txn, actor, &saved, c, true).await?;
    }
    idempotency::remember(&txn, actor, key.as_ref(), "createCustomer", saved.id).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Locks a customer row until the transaction ends (`SELECT … FOR UPDATE` on PostgreSQL;
/// SQLite write transactions are serial already), so concurrent changes to its contacts or
/// shares cannot interleave: two "first contacts" cannot both become primary.
pub async fn lock(db: &impl ConnectionTrait, id: Uuid) -> AppResult<()> {
    customer::Entity::find_by_id(id)
        .lock_exclusive()
        .one(db)
        .await?;
    Ok(())
}

impl Stored for Customers {
    const NOUN: &'static str = "the customer";
    const VERSION: customer::Column = customer::Column::Version;

    fn stamp(row: &mut customer::Model, version: i32, now: DateTime<Utc>) {
        row.version = version;
        row.updated_at = now;
    }

    fn changes(before: Option<&customer::Model>, after: &customer::Model) -> Value {
        patch::diff(before, after)
    }

    /// A lost race on the name index is the duplicate conflict, naming the holder.
    async fn refused<C: ConnectionTrait>(db: &C, row: &customer::Model, err: DbErr) -> AppError {
        match duplicates::holder_of(db, &row.name_key, Some(row.id)).await {
            Ok(Some(existing)) => match duplicates::conflict(db, &existing).await {
                Ok(e) | Err(e) => e,
            },
            Ok(None) => err.into(),
            Err(e) => e,
        }
    }
}

#[tracing::instrument(skip_all, fields(actor = %actor.id))]
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    version: i32,
    change: CustomerPatch,
) -> AppResult<customer::Model> {
    let txn = crate::db::begin(&state.db).await?;
    let (current, _) = access::require(&txn, state, actor, id, |a| a.can_edit, "edit").await?;
    let mut next = current.clone();
    change.apply(&mut next)?;
    if next.name_key != current.name_key {
        duplicates::ensure_unique(&txn, &next.name_key, Some(id)).await?;
    }
    let saved =
        write::update::<Customers, _>(&txn, Some(actor), "update", &current, next, version).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Soft delete: the row stays (its children and history with it) and an admin may restore it.
#[tracing::instrument(skip_all, fields(actor = %actor.id))]
pub async fn delete(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    version: Option<i32>,
) -> AppResult<customer::Model> {
    let txn = crate::db::begin(&state.db).await?;
    let (current, _) = access::require(&txn, state, actor, id, |a| a.can_delete, "delete").await?;
    let mut next = current.clone();
    next.deleted_at = Some(Utc::now());
    let expected = version.unwrap_or(current.version);
    let saved =
        write::update::<Customers, _>(&txn, Some(actor), "delete", &current, next, expected)
            .await?;
    txn.commit().await?;
    Ok(saved)
}

#[tracing::instrument(skip_all, fields(actor = %actor.id))]
pub async fn restore(state: &AppState, actor: &Actor, id: Uuid) -> AppResult<customer::Model> {
    if !actor
        .role
        .can(Capability::RestoreCustomer, &state.role_settings())
    {
        return Err(AppError::forbidden(
            "only administrators may restore customers",
        ));
    }
    let txn = crate::db::begin(&state.db).await?;
    let current = customer::Entity::find_by_id(id)
        .filter(customer::Column::DeletedAt.is_not_null())
        .filter(customer::Column::MergedIntoId.is_null())
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("deleted customer"))?;
    duplicates::ensure_unique(&txn, &current.name_key, Some(id)).await?;
    let mut next = current.clone();
    next.deleted_at = None;
    let expected = current.version;
    let saved =
        write::update::<Customers, _>(&txn, Some(actor), "restore", &current, next, expected)
            .await?;
    txn.commit().await?;
    Ok(saved)
}
