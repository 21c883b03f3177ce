//! Writing checked rows: new customers in batches, matches merged one by one.

use super::Prepared;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::service::contacts::ContactPatch;
use crate::service::contacts::Contacts;
use crate::service::customers::query::Customers;
use crate::service::customers::{access, patch, write};
use crate::service::write as stored;
use crate::state::AppState;
use entity::{contact, customer};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// One batch in a transaction of its own.
pub(super) async fn insert_batch(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    rows: &[Prepared],
) -> AppResult<()> {
    let txn = crate::db::begin(db).await?;
    insert_rows(&txn, actor, rows).await?;
    txn.commit().await?;
    Ok(())
}

/// Customers, their contacts and their audit events, in the caller's transaction.
pub(super) async fn insert_rows(
    txn: &impl sea_orm::ConnectionTrait,
    actor: &Actor,
    rows: &[Prepared],
) -> AppResult<()> {
    let customers: Vec<customer::Model> = rows.iter().map(|p| p.customer.clone()).collect();
    stored::insert_all::<Customers, _>(txn, Some(actor), "import", &customers).await?;
    let contacts: Vec<contact::Model> = rows.iter().filter_map(|p| p.contact.clone()).collect();
    stored::insert_all::<Contacts, _>(txn, Some(actor), "import", &contacts).await?;
    Ok(())
}

/// Fills the existing customer's empty fields from the row and adds the row's contact when
/// the customer has no contact of that name yet.
pub(super) async fn merge_row(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    p: Prepared,
) -> AppResult<MergeOutcome> {
    let txn = crate::db::begin(&state.db).await?;
    write::lock(&txn, id).await?;
    let current = match access::require(&txn, state, actor, id, |a| a.can_edit, "edit").await {
        Ok((c, _)) => c,
        Err(AppError::NotFound(_) | AppError::Forbidden(_)) => {
            return Ok(MergeOutcome::NotEditable);
        }
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
    let mut changed = next != current;
    if changed {
        let expected = current.version;
        stored::update::<Customers, _>(&txn, Some(actor), "import_merge", &current, next, expected)
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
            changed = true;
        }
    }
    txn.commit().await?;
    Ok(if changed {
        MergeOutcome::Merged
    } else {
        MergeOutcome::Unchanged
    })
}

pub(super) enum MergeOutcome {
    Merged,
    /// The customer already had everything the row brings.
    Unchanged,
    /// The customer is no longer visible and editable to the actor.
    NotEditable,
}
