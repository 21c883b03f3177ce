//! Bulk import of customers (with their first contact) from CSV or XLSX. Parsing is in
//! `domain::import`; here rows are matched against existing customers with the one match key,
//! checked like any create, and written in batches, each batch one transaction, so a failure
//! never leaves a customer without its contact.

mod lookup;
mod prepare;
mod store;

use lookup::{actor_shares, existing_keys, may_edit, users_by_email};
use prepare::prepare;
use store::{MergeOutcome, insert_batch, insert_rows, merge_row};

use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::service::customers::import_job;
use crate::state::AppState;
use chrono::Utc;
use domain::import::parse_import;
use domain::role::Capability;
use entity::{contact, customer};
use std::collections::HashSet;
use uuid::Uuid;

const BATCH: usize = 500;
const MAX_ISSUES: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDuplicate {
    Skip,
    Merge,
    Fail,
}

#[derive(Debug, Clone)]
pub struct RowIssue {
    pub row: usize,
    pub outcome: &'static str,
    pub code: &'static str,
    pub field: Option<String>,
    pub message: String,
}

/// An import's report as stored for a background import and as the API shows it.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct SavedReport {
    pub dry_run: bool,
    pub committed: bool,
    pub total_rows: u64,
    pub created: u64,
    pub merged: u64,
    pub skipped: u64,
    pub failed: u64,
    pub issues: Vec<SavedIssue>,
    pub issues_truncated: bool,
    pub ignored_headers: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SavedIssue {
    pub row: usize,
    pub outcome: String,
    pub code: String,
    pub field: Option<String>,
    pub message: String,
}

impl From<ImportReport> for SavedReport {
    fn from(r: ImportReport) -> SavedReport {
        SavedReport {
            dry_run: r.dry_run,
            committed: r.committed,
            total_rows: r.total_rows,
            created: r.created,
            merged: r.merged,
            skipped: r.skipped,
            failed: r.failed,
            issues: r
                .issues
                .into_iter()
                .map(|i| SavedIssue {
                    row: i.row,
                    outcome: i.outcome.into(),
                    code: i.code.into(),
                    field: i.field,
                    message: i.message,
                })
                .collect(),
            issues_truncated: r.issues_truncated,
            ignored_headers: r.ignored_headers,
        }
    }
}

#[derive(Debug, Default)]
pub struct ImportReport {
    pub dry_run: bool,
    /// False when nothing was written: a dry run, or `FAIL` mode meeting a duplicate.
    pub committed: bool,
    pub total_rows: u64,
    pub created: u64,
    pub merged: u64,
    pub skipped: u64,
    pub failed: u64,
    pub issues: Vec<RowIssue>,
    pub issues_truncated: bool,
    pub ignored_headers: Vec<String>,
    /// Rows already counted as skipped or failed: a row with several problems counts once.
    counted: HashSet<usize>,
}

impl ImportReport {
    fn issue(
        &mut self,
        row: usize,
        outcome: &'static str,
        code: &'static str,
        field: Option<&str>,
        message: String,
    ) {
        if self.counted.insert(row) {
            match outcome {
                "SKIPPED" => self.skipped += 1,
                _ => self.failed += 1,
            }
        }
        if self.issues.len() < MAX_ISSUES {
            self.issues.push(RowIssue {
                row,
                outcome,
                code,
                field: field.map(str::to_string),
                message,
            });
        } else {
            self.issues_truncated = true;
        }
    }
}

pub(super) struct Existing {
    id: Uuid,
    owner: Option<Uuid>,
}

pub(super) struct Prepared {
    row: usize,
    customer: customer::Model,
    contact: Option<contact::Model>,
}

#[tracing::instrument(skip_all, fields(actor = %actor.id))]
pub async fn import(
    state: &AppState,
    actor: &Actor,
    bytes: Vec<u8>,
    filename: Option<String>,
    dry_run: bool,
    on_duplicate: OnDuplicate,
    progress: Option<Uuid>,
) -> AppResult<ImportReport> {
    if !actor
        .role
        .can(Capability::ImportCustomers, &state.role_settings())
    {
        return Err(AppError::forbidden("your role may not import customers"));
    }
    // Parsing a large file is CPU work: keep it off the async workers.
    let max_rows = state.config.import_max_rows;
    let table =
        tokio::task::spawn_blocking(move || parse_import(&bytes, filename.as_deref(), max_rows))
            .await
            .map_err(AppError::internal)?
            .map_err(|e| AppError::validation("file", format!("{e} ({})", e.code())))?;
    let inline_max = state.config.import_max_inline_rows;
    if progress.is_none() && table.rows.len() > inline_max {
        return Err(AppError::rule(
            "IMPORT_TOO_LARGE",
            format!(
                "the file has more than {inline_max} rows, the most one request imports: use startCustomerImport"
            ),
        ));
    }
    if let Some(id) = progress {
        import_job::started(state, id, table.rows.len() as u64).await?;
    }
    let mut report = ImportReport {
        dry_run,
        total_rows: (table.rows.len()
            + table
                .errors
                .iter()
                .map(|e| e.row)
                .collect::<HashSet<_>>()
                .len()) as u64,
        ignored_headers: table.ignored_headers.clone(),
        ..Default::default()
    };
    for e in &table.errors {
        report.issue(e.row, "FAILED", e.code, e.field, e.message.clone());
    }
    let existing = existing_keys(&state.db).await?;
    let emails = users_by_email(&state.db).await?;
    let team = crate::service::org::team(&state.db, actor.id).await?;
    let below: HashSet<Uuid> = team.iter().copied().filter(|u| *u != actor.id).collect();
    let my_shares = actor_shares(&state.db, actor).await?;
    let now = Utc::now();
    let mut seen: HashSet<String> = HashSet::new();
    let mut to_create: Vec<Prepared> = Vec::new();
    let mut to_merge: Vec<(usize, Uuid, Prepared)> = Vec::new();
    let mut duplicate_found = false;
    for row in table.rows {
        let n = row.row;
        let prepared = match prepare(actor, &emails, &team, row, now) {
            Ok(p) => p,
            Err(e) => {
                let (field, message) = match &e {
                    AppError::Validation { field, message } => {
                        (Some(field.as_str()), message.clone())
                    }
                    other => (None, other.message()),
                };
                report.issue(n, "FAILED", e.code(), field, message);
                continue;
            }
        };
        let key = prepared.customer.name_key.clone();
        if !seen.insert(key.clone()) {
            duplicate_found = true;
            let outcome = if on_duplicate == OnDuplicate::Fail {
                "FAILED"
            } else {
                "SKIPPED"
            };
            report.issue(
                n,
                outcome,
                "DUPLICATE_IN_FILE",
                Some("name"),
                "the same customer appears earlier in the file".into(),
            );
            continue;
        }
        if let Some(ex) = existing.get(&key) {
            duplicate_found = true;
            match on_duplicate {
                OnDuplicate::Fail => report.issue(
                    n,
                    "FAILED",
                    "DUPLICATE",
                    Some("name"),
                    "a customer with this name already exists".into(),
                ),
                OnDuplicate::Skip => report.issue(
                    n,
                    "SKIPPED",
                    "DUPLICATE",
                    Some("name"),
                    "a customer with this name already exists".into(),
                ),
                OnDuplicate::Merge => {
                    if may_edit(state, actor, ex, &my_shares, &below) {
                        to_merge.push((n, ex.id, prepared));
                    } else {
                        report.issue(
                            n,
                            "SKIPPED",
                            "DUPLICATE_NOT_EDITABLE",
                            Some("name"),
                            "a customer with this name exists and you may not edit it".into(),
                        );
                    }
                }
            }
            continue;
        }
        to_create.push(prepared);
    }
    if on_duplicate == OnDuplicate::Fail && duplicate_found {
        for p in &to_create {
            report.issue(
                p.row,
                "SKIPPED",
                "NOT_IMPORTED",
                None,
                "nothing was imported because the file has duplicates".into(),
            );
        }
        return Ok(report);
    }
    report.created = to_create.len() as u64;
    report.merged = to_merge.len() as u64;
    if dry_run {
        return Ok(report);
    }
    if on_duplicate == OnDuplicate::Fail {
        // All or nothing, as promised: one transaction for the whole file.
        let txn = crate::db::begin(&state.db).await?;
        for chunk in to_create.chunks(BATCH) {
            insert_rows(&txn, actor, chunk).await?;
        }
        txn.commit().await?;
        report.committed = !to_create.is_empty();
        return Ok(report);
    }
    // Otherwise batches are independent transactions; on PostgreSQL several run at once, which
    // hides the per-statement network latency. SQLite has one writer, so it takes them in turn.
    let parallel = match state.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => (state.config.db_max_connections as usize / 2).clamp(1, 4),
        _ => 1,
    };
    // A failed batch rolls back alone; its rows are reported as failed, so the report always
    // says exactly what was written.
    let chunks: Vec<&[Prepared]> = to_create.chunks(BATCH).collect();
    let mut processed = 0u64;
    let mut cancelled = false;
    for group in chunks.chunks(parallel) {
        // A background import reports its progress between batches and stops there when it
        // was cancelled: what was written stays, the rest is reported as not imported.
        if let Some(id) = progress
            && !import_job::progress(state, id, processed).await?
        {
            cancelled = true;
        }
        if cancelled {
            for p in group.iter().flat_map(|c| c.iter()) {
                report.created -= 1;
                report.issue(
                    p.row,
                    "SKIPPED",
                    "CANCELLED",
                    None,
                    "the import was cancelled before this row".into(),
                );
            }
            continue;
        }
        processed += group.iter().map(|c| c.len() as u64).sum::<u64>();
        let mut running = Vec::with_capacity(group.len());
        for chunk in group {
            running.push(insert_batch(&state.db, actor, chunk));
        }
        let results = futures::future::join_all(running).await;
        for (chunk, result) in group.iter().zip(results) {
            match result {
                Ok(()) => report.committed = true,
                Err(e) => {
                    if let AppError::Internal(cause) = &e {
                        tracing::error!(%cause, "an import batch failed");
                    }
                    report.created -= chunk.len() as u64;
                    let message = e.message();
                    for p in chunk.iter() {
                        report.issue(p.row, "FAILED", e.code(), None, message.clone());
                    }
                }
            }
        }
    }
    for (row, id, p) in to_merge {
        if cancelled {
            report.merged -= 1;
            report.issue(
                row,
                "SKIPPED",
                "CANCELLED",
                None,
                "the import was cancelled before this row".into(),
            );
            continue;
        }
        match merge_row(state, actor, id, p).await {
            Ok(MergeOutcome::Merged) => report.committed = true,
            Ok(MergeOutcome::Unchanged) => {
                report.merged -= 1;
                report.issue(
                    row,
                    "SKIPPED",
                    "UNCHANGED",
                    Some("name"),
                    "the matching customer already has everything this row brings".into(),
                );
            }
            Ok(MergeOutcome::NotEditable) => {
                report.merged -= 1;
                report.issue(
                    row,
                    "SKIPPED",
                    "DUPLICATE_NOT_EDITABLE",
                    Some("name"),
                    "the matching customer is no longer yours to edit".into(),
                );
            }
            Err(e) => {
                report.merged -= 1;
                report.issue(row, "FAILED", e.code(), None, e.message());
            }
        }
    }
    Ok(report)
}
