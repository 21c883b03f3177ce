//! Contacts: the people at a customer. Visible and editable exactly when their customer is;
//! once a customer has contacts, exactly one of them is primary.

mod write;

pub use write::{create, delete, insert_for, set_primary, update};

use super::audit;
use crate::auth::Actor;
use crate::error::{AppError, AppResult, FieldContext};
use crate::pagination::{Key, Page, PageArgs, Sort, page};
use crate::service::customers::Customers;
use crate::service::resource::{Child, Resource, child_of};
use crate::sql::contains;
use crate::state::AppState;
use domain::text;
use domain::user::Email;
use entity::{contact, customer};
use sea_orm::Condition;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Select};
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

pub(crate) fn diff(old: Option<&contact::Model>, new: &contact::Model) -> serde_json::Value {
    audit::Changes::between(old.map(audit_json).as_ref(), &audit_json(new)).into_value()
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
        actor: &'a Actor,
        survivor: &'a customer::Model,
        dups: &'a [Uuid],
    ) -> impl std::future::Future<Output = AppResult<()>> + Send + 'a {
        write::move_contacts(txn, actor, survivor.id, dups)
    }
}

impl Child for Contacts {
    type Parent = Customers;
    const PARENT: contact::Column = contact::Column::CustomerId;

    fn parent_of(row: &contact::Model) -> Uuid {
        row.customer_id
    }
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
