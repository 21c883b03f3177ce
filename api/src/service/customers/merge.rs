//! Merging duplicate customers into one survivor, in one transaction: every registered
//! resource moves its rows over (contacts and shares today), empty fields of the survivor are filled from the
//! duplicates, and the duplicates are soft-deleted pointing at the survivor.

use super::query::Customers;
use super::{access, patch, write};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::service::resource;
use crate::service::write as stored;
use crate::state::AppState;
use chrono::Utc;
use entity::customer;
use serde_json::json;
use uuid::Uuid;

fn fill(target: &mut Option<String>, from: &Option<String>) {
    if target.is_none() {
        target.clone_from(from);
    }
}

#[tracing::instrument(skip_all, fields(actor = %actor.id))]
pub async fn merge(
    state: &AppState,
    actor: &Actor,
    survivor_id: Uuid,
    duplicate_ids: Vec<Uuid>,
) -> AppResult<customer::Model> {
    let mut dups = duplicate_ids;
    dups.sort();
    dups.dedup();
    if dups.is_empty() {
        return Err(AppError::validation(
            "duplicateIds",
            "name at least one duplicate",
        ));
    }
    if dups.contains(&survivor_id) {
        return Err(AppError::validation(
            "duplicateIds",
            "must not contain the survivor",
        ));
    }
    let txn = crate::db::begin(&state.db).await?;
    write::lock(&txn, survivor_id).await?;
    for id in &dups {
        write::lock(&txn, *id).await?;
    }
    let (survivor, _) =
        access::require(&txn, state, actor, survivor_id, |a| a.can_edit, "edit").await?;
    let mut merged = Vec::new();
    for id in &dups {
        let (d, _) = access::require(&txn, state, actor, *id, |a| a.can_delete, "delete").await?;
        merged.push(d);
    }
    let mut next = survivor.clone();
    let mut tags = patch::decode_tags(&next.tags);
    for d in &merged {
        fill(&mut next.source, &d.source);
        fill(&mut next.industry, &d.industry);
        fill(&mut next.province, &d.province);
        fill(&mut next.city, &d.city);
        fill(&mut next.address, &d.address);
        fill(&mut next.phone, &d.phone);
        fill(&mut next.website, &d.website);
        fill(&mut next.notes, &d.notes);
        for t in patch::decode_tags(&d.tags) {
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        next.last_contacted_at = Ord::max(next.last_contacted_at, d.last_contacted_at);
    }
    tags.truncate(patch::MAX_TAGS);
    next.tags = patch::encode_tags(&tags)?;

    resource::merge_customers(&txn, actor, &survivor, &dups).await?;

    let now = Utc::now();
    for d in merged {
        let mut gone = d.clone();
        gone.deleted_at = Some(now);
        gone.merged_into_id = Some(survivor_id);
        stored::update::<Customers, _>(&txn, Some(actor), "merged_into", &d, gone, d.version)
            .await?;
    }
    let mut notes = serde_json::Map::new();
    notes.insert("mergedFrom".into(), json!({ "old": null, "new": dups }));
    let expected = survivor.version;
    let saved = stored::update_noting::<Customers, _>(
        &txn,
        Some(actor),
        "merge",
        &survivor,
        next,
        expected,
        notes,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}
