//! CSV export of exactly the customers the actor may see (the same scoped query as lists),
//! with the primary contact. Warehouse users get names, contacts and addresses only. Cells
//! that a spreadsheet would evaluate as formulas are written as text.

use super::{CustomerFilter, patch, query};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use domain::money;
use domain::role::Capability;
use domain::spreadsheet::neutralise;
use entity::{contact, customer, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

const PAGE: u64 = 1000;

pub struct Export {
    pub csv: String,
    pub rows: u64,
}

#[tracing::instrument(skip_all, fields(actor = %actor.id))]
pub async fn export(state: &AppState, actor: &Actor, filter: &CustomerFilter) -> AppResult<Export> {
    // A large file inside a JSON answer holds the request, the memory and the client's
    // parser; it is built in the background instead.
    // One row past the limit is enough to know; no count of every match.
    let max = state.config.export_max_inline_rows;
    let beyond = query::filtered(state, actor, filter)?
        .select_only()
        .column(customer::Column::Id)
        .offset(max)
        .limit(1)
        .into_tuple::<Uuid>()
        .one(&state.db)
        .await?;
    if beyond.is_some() {
        return Err(AppError::rule(
            "EXPORT_TOO_LARGE",
            format!(
                "more than {max} customers match, the most an inline export holds: use startCustomerExport"
            ),
        ));
    }
    build(state, actor, filter, None).await
}

/// Builds the CSV. With `progress` (a background export) each page goes to that export as a
/// chunk with the rows written so far, nothing accumulates here, and the build stops when the
/// export was cancelled.
pub async fn build(
    state: &AppState,
    actor: &Actor,
    filter: &CustomerFilter,
    progress: Option<Uuid>,
) -> AppResult<Export> {
    let limited = actor.role.can(
        Capability::ReadCustomerLogisticsOnly,
        &state.role_settings(),
    );
    let mut out = csv::Writer::from_writer(Vec::new());
    let header: &[&str] = if limited {
        &[
            "name",
            "province",
            "city",
            "address",
            "phone",
            "contact",
            "mobile",
            "contact phone",
            "email",
        ]
    } else {
        &[
            "name",
            "kind",
            "importance",
            "loyalty stage",
            "source",
            "industry",
            "province",
            "city",
            "address",
            "phone",
            "website",
            "tags",
            "notes",
            "owner email",
            "credit limit",
            "contact",
            "mobile",
            "contact phone",
            "email",
            "wechat",
        ]
    };
    out.write_record(header).map_err(AppError::internal)?;
    let owners: HashMap<Uuid, String> = user::Entity::find()
        .all(&state.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    let mut last: Option<Uuid> = None;
    let mut rows = 0u64;
    let mut seq = 0i32;
    loop {
        let mut q = query::filtered(state, actor, filter)?.order_by_asc(customer::Column::Id);
        if let Some(l) = last {
            q = q.filter(customer::Column::Id.gt(l));
        }
        let page = q.limit(PAGE).all(&state.db).await?;
        let Some(tail) = page.last() else { break };
        last = Some(tail.id);
        let ids: Vec<Uuid> = page.iter().map(|c| c.id).collect();
        let primaries: HashMap<Uuid, contact::Model> = contact::Entity::find()
            .filter(contact::Column::CustomerId.is_in(ids))
            .filter(contact::Column::DeletedAt.is_null())
            .filter(contact::Column::IsPrimary.eq(true))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|c| (c.customer_id, c))
            .collect();
        for c in &page {
            let k = primaries.get(&c.id);
            let kf = |f: fn(&contact::Model) -> Option<String>| k.and_then(f).unwrap_or_default();
            let o = |v: &Option<String>| v.clone().unwrap_or_default();
            let record: Vec<String> = if limited {
                vec![
                    c.name.clone(),
                    o(&c.province),
                    o(&c.city),
                    o(&c.address),
                    o(&c.phone),
                    kf(|k| Some(k.name.clone())),
                    kf(|k| k.mobile.clone()),
                    kf(|k| k.phone.clone()),
                    kf(|k| k.email.clone()),
                ]
            } else {
                vec![
                    c.name.clone(),
                    c.kind.clone(),
                    c.importance.clone(),
                    c.loyalty_stage.clone(),
                    o(&c.source),
                    o(&c.industry),
                    o(&c.province),
                    o(&c.city),
                    o(&c.address),
                    o(&c.phone),
                    o(&c.website),
                    patch::decode_tags(&c.tags).join(","),
                    o(&c.notes),
                    c.owner_id
                        .and_then(|id| owners.get(&id).cloned())
                        .unwrap_or_default(),
                    money::from_stored(c.credit_limit).to_string(),
                    kf(|k| Some(k.name.clone())),
                    kf(|k| k.mobile.clone()),
                    kf(|k| k.phone.clone()),
                    kf(|k| k.email.clone()),
                    kf(|k| k.wechat.clone()),
                ]
            };
            out.write_record(record.iter().map(|cell| neutralise(cell).into_owned()))
                .map_err(AppError::internal)?;
            rows += 1;
        }
        if let Some(id) = progress {
            chunk(state, id, &mut out, &mut seq, rows).await?;
        }
        if (page.len() as u64) < PAGE {
            break;
        }
    }
    if let Some(id) = progress {
        // What no page carried yet (the header alone when nothing matched).
        out.flush().map_err(AppError::internal)?;
        if !out.get_ref().is_empty() {
            chunk(state, id, &mut out, &mut seq, rows).await?;
        }
        return Ok(Export {
            csv: String::new(),
            rows,
        });
    }
    let bytes = out.into_inner().map_err(AppError::internal)?;
    let csv = String::from_utf8(bytes).map_err(AppError::internal)?;
    Ok(Export { csv, rows })
}

/// Moves what the writer holds into the background export's next chunk, with the progress;
/// stops the build when the export was cancelled.
async fn chunk(
    state: &AppState,
    id: Uuid,
    out: &mut csv::Writer<Vec<u8>>,
    seq: &mut i32,
    rows: u64,
) -> AppResult<()> {
    let full = std::mem::replace(out, csv::Writer::from_writer(Vec::new()));
    let bytes = full.into_inner().map_err(AppError::internal)?;
    if !super::export_job::append(state, id, *seq, bytes, rows).await? {
        return Err(AppError::rule(
            "EXPORT_CANCELLED",
            "the export was cancelled",
        ));
    }
    *seq += 1;
    Ok(())
}
