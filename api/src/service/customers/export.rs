//! CSV export of exactly the customers the actor may see (the same scoped query as lists),
//! with the primary contact. The columns follow the field policy (`domain::fields`), so
//! warehouse users get names, contacts and addresses only. Cells
//! that a spreadsheet would evaluate as formulas are written as text.

use super::{CustomerFilter, patch, query};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use domain::fields::{View, visible};
use domain::money;
use domain::spreadsheet::neutralise;
use entity::{contact, customer, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

const PAGE: u64 = 1000;

/// One customer of the file with what its columns read.
struct ExportRow<'a> {
    customer: &'a customer::Model,
    contact: Option<&'a contact::Model>,
    owner_email: Option<&'a str>,
}

/// A column of the file and the API field it shows: a role gets the column exactly when
/// `domain::fields` lets it see that field.
struct ExportColumn {
    header: &'static str,
    type_name: &'static str,
    field: &'static str,
    cell: fn(&ExportRow) -> String,
}

fn text(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn of_contact(r: &ExportRow, f: fn(&contact::Model) -> Option<String>) -> String {
    r.contact.and_then(f).unwrap_or_default()
}

const fn col(
    header: &'static str,
    type_name: &'static str,
    field: &'static str,
    cell: fn(&ExportRow) -> String,
) -> ExportColumn {
    ExportColumn {
        header,
        type_name,
        field,
        cell,
    }
}

const COLUMNS: &[ExportColumn] = &[
    col("name", "Customer", "name", |r| r.customer.name.clone()),
    col("kind", "Customer", "kind", |r| r.customer.kind.clone()),
    col("importance", "Customer", "importance", |r| {
        r.customer.importance.clone()
    }),
    col("loyalty stage", "Customer", "loyaltyStage", |r| {
        r.customer.loyalty_stage.clone()
    }),
    col("source", "Customer", "source", |r| text(&r.customer.source)),
    col("industry", "Customer", "industry", |r| {
        text(&r.customer.industry)
    }),
    col("province", "Customer", "province", |r| {
        text(&r.customer.province)
    }),
    col("city", "Customer", "city", |r| text(&r.customer.city)),
    col("address", "Customer", "address", |r| {
        text(&r.customer.address)
    }),
    col("phone", "Customer", "phone", |r| text(&r.customer.phone)),
    col("website", "Customer", "website", |r| {
        text(&r.customer.website)
    }),
    col("tags", "Customer", "tags", |r| {
        patch::decode_tags(&r.customer.tags).join(",")
    }),
    col("notes", "Customer", "notes", |r| text(&r.customer.notes)),
    col("owner email", "Customer", "owner", |r| {
        r.owner_email.unwrap_or_default().to_string()
    }),
    col("credit limit", "Customer", "creditLimit", |r| {
        money::from_stored(r.customer.credit_limit).to_string()
    }),
    col("contact", "Contact", "name", |r| {
        of_contact(r, |k| Some(k.name.clone()))
    }),
    col("mobile", "Contact", "mobile", |r| {
        of_contact(r, |k| k.mobile.clone())
    }),
    col("contact phone", "Contact", "phone", |r| {
        of_contact(r, |k| k.phone.clone())
    }),
    col("email", "Contact", "email", |r| {
        of_contact(r, |k| k.email.clone())
    }),
    col("wechat", "Contact", "wechat", |r| {
        of_contact(r, |k| k.wechat.clone())
    }),
];

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
    let view = View::of(actor.role, &state.role_settings());
    // The field policy decides the columns, as it decides the API's fields.
    let columns: Vec<&ExportColumn> = COLUMNS
        .iter()
        .filter(|c| visible(view, c.type_name, c.field))
        .collect();
    let header: Vec<&str> = columns.iter().map(|c| c.header).collect();
    let mut out = csv::Writer::from_writer(Vec::new());
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
            let row = ExportRow {
                customer: c,
                contact: primaries.get(&c.id),
                owner_email: c
                    .owner_id
                    .and_then(|id| owners.get(&id))
                    .map(String::as_str),
            };
            let record: Vec<String> = columns.iter().map(|col| (col.cell)(&row)).collect();
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
