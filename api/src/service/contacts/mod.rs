//! Contacts: the people at a customer. Visible and editable exactly when their customer is;
//! once a customer has contacts, exactly one of them is primary.

use super::customers::{access, write};
use super::{audit, idempotency, versioned};
use crate::auth::Actor;
use crate::error::{AppError, AppResult, FieldContext};
use crate::pagination::{Key, Page, PageArgs, Sort, page};
use crate::service::customers::Customers;
use crate::service::resource::{Child, Resource, child_of};
use crate::sql::contains;
use crate::state::AppState;
use chrono::Utc;
use domain::role::Capability;
use domain::text;
use domain::user::Email;
use entity::{contact, customer};
use sea_orm::Condition;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, Select, Set,
};
use serde_json::json;
use uuid::Uuid;

/// A change to a contact: `None` keeps a field, `Some(None)` clears it.
#[derive(Default, Clone, Debug)]
pub struct ContactPatch {
    pub name: Option<String>,
    pub title: Option<Option<String>>,
    pub mobile: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub wechat: Option<Option<String>>,
    pub notes: Option<Option<String>>,
}

fn phone_like(field: &str, v: Option<&str>) -> AppResult<Option<String>> {
    let v = text::optional(v, 40).field(field)?;
    if let Some(p) = &v {
        let ok = p
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()#".contains(c))
            && p.chars().filter(char::is_ascii_digit).count() >= 3;
        if !ok {
            return Err(AppError::validation(field, "is not a phone number"));
        }
    }
    Ok(v)
}

impl ContactPatch {
    pub fn apply(self, m: &mut contact::Model) -> AppResult<()> {
        if let Some(n) = &self.name {
            m.name = text::required(n, 100).field("name")?;
        }
        if let Some(t) = self.title {
            m.title = text::optional(t.as_deref(), 100).field("title")?;
        }
        if let Some(v) = self.mobile {
            m.mobile = phone_like("mobile", v.as_deref())?;
        }
        if let Some(v) = self.phone {
            m.phone = phone_like("phone", v.as_deref())?;
        }
        if let Some(v) = self.email {
            m.email = match text::optional(v.as_deref(), 254).field("email")? {
                Some(e) => Some(Email::parse(&e).field("email")?.as_str().to_string()),
                None => None,
            };
        }
        if let Some(v) = self.wechat {
            m.wechat = text::optional(v.as_deref(), 60).field("wechat")?;
        }
        if let Some(v) = self.notes {
            m.notes = text::optional(v.as_deref(), 5000).field("notes")?;
        }
        Ok(())
    }
}

fn audit_json(m: &contact::Model) -> serde_json::Value {
    json!({
        "name": m.name, "title": m.title, "mobile": m.mobile, "phone": m.phone,
        "email": m.email, "wechat": m.wechat, "notes": m.notes, "isPrimary": m.is_primary,
        "customerId": m.customer_id, "deletedAt": m.deleted_at,
    })
}

fn diff(old: Option<&contact::Model>, new: &contact::Model) -> serde_json::Value {
    let mut changes = audit::Changes::new();
    let new_v = audit_json(new);
    let old_v = old.map(audit_json);
    if let serde_json::Value::Object(fields) = &new_v {
        for (k, v) in fields {
            match &old_v {
                Some(o) => {
                    changes.field(k, &o[k], v);
                }
                None if !v.is_null() => {
                    changes.created(k, v);
                }
                None => {}
            }
        }
    }
    changes.into_value()
}

/// Live contacts the actor may read.
pub fn scoped(state: &AppState, actor: &Actor) -> Select<contact::Entity> {
    contact::Entity::find().filter(Contacts::scope(state, Some(actor)))
}

/// Contacts in the resource registry: live ones of customers the actor may read.
pub struct Contacts;

impl Resource for Contacts {
    const TYPE: &'static str = "Contact";
    type Entity = contact::Entity;
    const ID: contact::Column = contact::Column::Id;

    fn id_of(row: &contact::Model) -> Uuid {
        row.id
    }

    fn scope(state: &AppState, actor: Option<&Actor>) -> Condition {
        Condition::all()
            .add(contact::Column::DeletedAt.is_null())
            .add(child_of::<Customers>(
                contact::Column::CustomerId,
                state,
                actor,
            ))
    }

    /// The duplicates' contacts join the survivor's as secondary ones; if the survivor had
    /// no primary contact, its oldest becomes primary.
    fn merge_customers<'a>(
        txn: &'a DatabaseTransaction,
        survivor: &'a customer::Model,
        dups: &'a [Uuid],
    ) -> impl std::future::Future<Output = AppResult<()>> + Send + 'a {
        move_contacts(txn, survivor.id, dups)
    }
}

impl Child for Contacts {
    type Parent = Customers;
    const PARENT: contact::Column = contact::Column::CustomerId;

    fn parent_of(row: &contact::Model) -> Uuid {
        row.customer_id
    }
}

async fn move_contacts(db: &impl ConnectionTrait, survivor: Uuid, dups: &[Uuid]) -> AppResult<()> {
    contact::Entity::update_many()
        .col_expr(contact::Column::CustomerId, Expr::value(survivor))
        .col_expr(contact::Column::IsPrimary, Expr::value(false))
        .col_expr(
            contact::Column::Version,
            Expr::col(contact::Column::Version).add(1),
        )
        .filter(contact::Column::CustomerId.is_in(dups.iter().copied()))
        .exec(db)
        .await?;
    if has_primary(db, survivor).await? {
        return Ok(());
    }
    let first = contact::Entity::find()
        .filter(contact::Column::CustomerId.eq(survivor))
        .filter(contact::Column::DeletedAt.is_null())
        .order_by_asc(contact::Column::CreatedAt)
        .order_by_asc(contact::Column::Id)
        .one(db)
        .await?;
    if let Some(c) = first {
        let mut am: contact::ActiveModel = c.into();
        am.is_primary = Set(true);
        am.update(db).await?;
    }
    Ok(())
}

async fn has_primary(db: &impl ConnectionTrait, customer_id: Uuid) -> AppResult<bool> {
    Ok(contact::Entity::find()
        .filter(contact::Column::CustomerId.eq(customer_id))
        .filter(contact::Column::DeletedAt.is_null())
        .filter(contact::Column::IsPrimary.eq(true))
        .one(db)
        .await?
        .is_some())
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

async fn has_live_contacts(db: &impl ConnectionTrait, customer_id: Uuid) -> AppResult<bool> {
    Ok(contact::Entity::find()
        .filter(contact::Column::CustomerId.eq(customer_id))
        .filter(contact::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .is_some())
}

async fn clear_primary(db: &impl ConnectionTrait, customer_id: Uuid) -> AppResult<()> {
    contact::Entity::update_many()
        .col_expr(contact::Column::IsPrimary, Expr::value(false))
        .col_expr(
            contact::Column::Version,
            Expr::col(contact::Column::Version).add(1),
        )
        .filter(contact::Column::CustomerId.eq(customer_id))
        .filter(contact::Column::IsPrimary.eq(true))
        .exec(db)
        .await?;
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
    write::lock(db, customer.id).await?;
    let primary = primary || !has_live_contacts(db, customer.id).await?;
    if primary {
        clear_primary(db, customer.id).await?;
    }
    m.is_primary = primary;
    let saved = contact::ActiveModel::from(m).insert(db).await?;
    audit::record(
        db,
        Some(actor),
        "create",
        "Contact",
        saved.id,
        diff(None, &saved),
    )
    .await?;
    Ok(saved)
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

/// The contact and its customer, if the actor may edit that customer.
async fn editable(
    db: &impl ConnectionTrait,
    state: &AppState,
    actor: &Actor,
    id: Uuid,
) -> AppResult<contact::Model> {
    let c = find_visible(db, state, actor, id).await?;
    access::require(db, state, actor, c.customer_id, |a| a.can_edit, "edit").await?;
    Ok(c)
}

async fn save(
    db: &impl ConnectionTrait,
    current: &contact::Model,
    mut next: contact::Model,
    expected: i32,
) -> AppResult<contact::Model> {
    next.version = versioned::next(expected, "the contact")?;
    next.updated_at = Utc::now();
    let id = (contact::Column::Id, next.id);
    let version = (contact::Column::Version, expected);
    if !versioned::write::<contact::Entity>(db, current, &next, id, version).await? {
        return Err(AppError::stale("the contact"));
    }
    Ok(next)
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
    let saved = save(&txn, &current, next, version).await?;
    audit::record(
        &txn,
        Some(actor),
        "update",
        "Contact",
        id,
        diff(Some(&current), &saved),
    )
    .await?;
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
    write::lock(&txn, current.customer_id).await?;
    let mut next = current.clone();
    next.deleted_at = Some(Utc::now());
    next.is_primary = false;
    let saved = save(&txn, &current, next, current.version).await?;
    if current.is_primary {
        let heir = contact::Entity::find()
            .filter(contact::Column::CustomerId.eq(current.customer_id))
            .filter(contact::Column::DeletedAt.is_null())
            .order_by_asc(contact::Column::CreatedAt)
            .order_by_asc(contact::Column::Id)
            .one(&txn)
            .await?;
        if let Some(h) = heir {
            promote(&txn, actor, h).await?;
        }
    }
    audit::record(
        &txn,
        Some(actor),
        "delete",
        "Contact",
        id,
        diff(Some(&current), &saved),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

async fn promote(
    db: &impl ConnectionTrait,
    actor: &Actor,
    c: contact::Model,
) -> AppResult<contact::Model> {
    clear_primary(db, c.customer_id).await?;
    let mut next = c.clone();
    next.is_primary = true;
    let saved = save(db, &c, next, c.version).await?;
    audit::record(
        db,
        Some(actor),
        "set_primary",
        "Contact",
        c.id,
        diff(Some(&c), &saved),
    )
    .await?;
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

/// Conditions for the contacts list; all given ones must hold.
#[derive(Debug, Default, Clone)]
pub struct ContactFilter {
    pub customer_id: Option<Uuid>,
    /// Substring of the name, mobile, phone or e-mail.
    pub search: Option<String>,
    pub primary_only: bool,
}

/// Contacts the actor may read, ordered by name.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    filter: &ContactFilter,
    args: &PageArgs,
    with_total: bool,
) -> AppResult<Page<contact::Model>> {
    let mut cond = Condition::all();
    if let Some(c) = filter.customer_id {
        cond = cond.add(contact::Column::CustomerId.eq(c));
    }
    if let Some(q) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
    {
        let q = text::required(q, 100)
            .field("filter.search")?
            .to_lowercase();
        cond = cond.add(
            Condition::any()
                .add(Expr::expr(Func::lower(Expr::col(contact::Column::Name))).like(contains(&q)))
                .add(Expr::col(contact::Column::Mobile).like(contains(&q)))
                .add(Expr::col(contact::Column::Phone).like(contains(&q)))
                .add(Expr::col(contact::Column::Email).like(contains(&q))),
        );
    }
    if filter.primary_only {
        cond = cond.add(contact::Column::IsPrimary.eq(true));
    }
    let sort = Sort::<contact::Entity> {
        name: "name:asc".into(),
        column: contact::Column::Name,
        id: contact::Column::Id,
        desc: false,
        nullable: false,
        key: |m| Key::Text(m.name.clone()),
    };
    page(
        &state.db,
        scoped(state, actor).filter(cond),
        &sort,
        args,
        with_total,
    )
    .await
}
