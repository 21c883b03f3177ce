//! Adding, changing, deleting contacts and choosing the primary one: every change goes
//! through [`crate::service::write`], under a lock on the customer, so two "first contacts"
//! cannot both become primary.

use super::{ContactPatch, Contacts, diff, scoped};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::service::customers::{access, write as customer_write};
use crate::service::idempotency;
use crate::service::write::{self, Stored};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use domain::role::Capability;
use entity::{contact, customer};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

impl Stored for Contacts {
    const NOUN: &'static str = "the contact";
    const VERSION: contact::Column = contact::Column::Version;

    fn stamp(row: &mut contact::Model, version: i32, now: DateTime<Utc>) {
        row.version = version;
        row.updated_at = now;
    }

    fn changes(before: Option<&contact::Model>, after: &contact::Model) -> Value {
        diff(before, after)
    }
}

fn live(customer_id: Uuid) -> sea_orm::Select<contact::Entity> {
    contact::Entity::find()
        .filter(contact::Column::CustomerId.eq(customer_id))
        .filter(contact::Column::DeletedAt.is_null())
}

/// The oldest live contact of a customer: the heir when the primary goes.
async fn oldest(db: &impl ConnectionTrait, customer_id: Uuid) -> AppResult<Option<contact::Model>> {
    Ok(live(customer_id)
        .order_by_asc(contact::Column::CreatedAt)
        .order_by_asc(contact::Column::Id)
        .one(db)
        .await?)
}

/// The customer's current primary contacts lose that status (there is at most one).
async fn clear_primary(
    db: &impl ConnectionTrait,
    actor: &Actor,
    customer_id: Uuid,
) -> AppResult<()> {
    let primaries = live(customer_id)
        .filter(contact::Column::IsPrimary.eq(true))
        .all(db)
        .await?;
    for c in primaries {
        let mut next = c.clone();
        next.is_primary = false;
        write::update::<Contacts, _>(db, Some(actor), "unset_primary", &c, next, c.version).await?;
    }
    Ok(())
}

async fn promote(
    db: &impl ConnectionTrait,
    actor: &Actor,
    c: contact::Model,
) -> AppResult<contact::Model> {
    clear_primary(db, actor, c.customer_id).await?;
    let mut next = c.clone();
    next.is_primary = true;
    write::update::<Contacts, _>(db, Some(actor), "set_primary", &c, next, c.version).await
}

/// The duplicates' contacts join the survivor's as secondary ones; if the survivor had no
/// primary contact, its oldest becomes primary.
pub(super) async fn move_contacts(
    db: &impl ConnectionTrait,
    actor: &Actor,
    survivor: Uuid,
    dups: &[Uuid],
) -> AppResult<()> {
    let moving = contact::Entity::find()
        .filter(contact::Column::CustomerId.is_in(dups.iter().copied()))
        .order_by_asc(contact::Column::Id)
        .all(db)
        .await?;
    for c in moving {
        let mut next = c.clone();
        next.customer_id = survivor;
        next.is_primary = false;
        write::update::<Contacts, _>(db, Some(actor), "move", &c, next, c.version).await?;
    }
    let has_primary = live(survivor)
        .filter(contact::Column::IsPrimary.eq(true))
        .one(db)
        .await?
        .is_some();
    if !has_primary && let Some(c) = oldest(db, survivor).await? {
        promote(db, actor, c).await?;
    }
    Ok(())
}

/// Adds a contact to `customer` (already checked by the caller). The first contact of a
/// customer is always primary.
pub async fn insert_for(
    db: &impl ConnectionTrait,
    actor: &Actor,
    customer: &customer::Model,
    patch: ContactPatch,
    primary: bool,
) -> AppResult<contact::Model> {
    let now = Utc::now();
    let mut m = contact::Model {
        id: Uuid::now_v7(),
        customer_id: customer.id,
        name: String::new(),
        title: None,
        mobile: None,
        phone: None,
        email: None,
        wechat: None,
        notes: None,
        is_primary: false,
        created_at: now,
        updated_at: now,
        version: 1,
        deleted_at: None,
    };
    if patch.name.is_none() {
        return Err(AppError::validation("name", "must not be empty"));
    }
    patch.apply(&mut m)?;
    customer_write::lock(db, customer.id).await?;
    let primary = primary || oldest(db, customer.id).await?.is_none();
    if primary {
        clear_primary(db, actor, customer.id).await?;
    }
    m.is_primary = primary;
    write::insert::<Contacts, _>(db, Some(actor), "create", m).await
}

#[tracing::instrument(skip_all, fields(actor = %actor.id))]
pub async fn create(
    state: &AppState,
    actor: &Actor,
    customer_id: Uuid,
    patch: ContactPatch,
    primary: bool,
    key: Option<idempotency::Key>,
) -> AppResult<contact::Model> {
    let txn = crate::db::begin(&state.db).await?;
    if let Some(existing) = idempotency::replay(&txn, actor, key.as_ref(), "createContact").await? {
        return find_visible(&txn, state, actor, existing).await;
    }
    let (customer, _) =
        access::require(&txn, state, actor, customer_id, |a| a.can_edit, "edit").await?;
    let saved = insert_for(&txn, actor, &customer, patch, primary).await?;
    idempotency::remember(&txn, actor, key.as_ref(), "createContact", saved.id).await?;
    txn.commit().await?;
    Ok(saved)
}

async fn find_visible(
    db: &impl ConnectionTrait,
    state: &AppState,
    actor: &Actor,
    id: Uuid,
) -> AppResult<contact::Model> {
    scoped(state, actor)
        .filter(contact::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("contact"))
}

/// The contact, locked, if the actor may edit its customer.
async fn editable(
    db: &impl ConnectionTrait,
    state: &AppState,
    actor: &Actor,
    id: Uuid,
) -> AppResult<contact::Model> {
    let c = find_visible(db, state, actor, id).await?;
    access::require(db, state, actor, c.customer_id, |a| a.can_edit, "edit").await?;
    write::lock::<Contacts>(db, state, Some(actor), id).await
}

#[tracing::instrument(skip_all, fields(actor = %actor.id))]
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    version: i32,
    patch: ContactPatch,
) -> AppResult<contact::Model> {
    let txn = crate::db::begin(&state.db).await?;
    let current = editable(&txn, state, actor, id).await?;
    let mut next = current.clone();
    patch.apply(&mut next)?;
    let saved =
        write::update::<Contacts, _>(&txn, Some(actor), "update", &current, next, version).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Soft-deletes a contact; deleting the primary promotes the oldest remaining contact.
#[tracing::instrument(skip_all, fields(actor = %actor.id))]
pub async fn delete(state: &AppState, actor: &Actor, id: Uuid) -> AppResult<contact::Model> {
    if !actor
        .role
        .can(Capability::DeleteContact, &state.role_settings())
    {
        return Err(AppError::forbidden("your role may not delete contacts"));
    }
    let txn = crate::db::begin(&state.db).await?;
    let current = editable(&txn, state, actor, id).await?;
    customer_write::lock(&txn, current.customer_id).await?;
    let mut next = current.clone();
    next.deleted_at = Some(Utc::now());
    next.is_primary = false;
    let expected = current.version;
    let saved =
        write::update::<Contacts, _>(&txn, Some(actor), "delete", &current, next, expected).await?;
    if current.is_primary
        && let Some(heir) = oldest(&txn, current.customer_id).await?
    {
        promote(&txn, actor, heir).await?;
    }
    txn.commit().await?;
    Ok(saved)
}

#[tracing::instrument(skip_all, fields(actor = %actor.id))]
pub async fn set_primary(state: &AppState, actor: &Actor, id: Uuid) -> AppResult<contact::Model> {
    let txn = crate::db::begin(&state.db).await?;
    let current = editable(&txn, state, actor, id).await?;
    let saved = if current.is_primary {
        current
    } else {
        promote(&txn, actor, current).await?
    };
    txn.commit().await?;
    Ok(saved)
}
