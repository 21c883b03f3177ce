//! `importCustomers`: a CSV or XLSX file uploaded with the GraphQL multipart request spec.

use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::service::customers::import::{self, OnDuplicate as Mode, SavedReport};
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, Upload};
use std::io::Read;

/// What to do with a row whose customer already exists (same normalised name).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum OnDuplicate {
    /// Leave the existing customer alone and report the row as skipped.
    #[default]
    Skip,
    /// Fill the existing customer's empty fields and add the row's contact if new.
    Merge,
    /// Import nothing if any row is a duplicate.
    Fail,
}

/// A customer file to import.
#[derive(InputObject)]
pub struct ImportCustomersInput {
    /// CSV (UTF-8, GBK or UTF-16) or XLSX; Chinese or English headers (客户名称/name,
    /// 联系人/contact, 手机/mobile …).
    pub file: Upload,
    /// Check everything and report, writing nothing.
    #[graphql(default)]
    pub dry_run: bool,
    /// What to do with rows whose customer already exists; `SKIP` when left out.
    #[graphql(default)]
    pub on_duplicate: OnDuplicate,
}

/// A row that was not created, and why.
#[derive(SimpleObject)]
pub struct ImportIssue {
    /// Line (CSV) or row (XLSX) number in the file; the header is row 1.
    pub row: u64,
    /// `SKIPPED` or `FAILED`.
    pub outcome: String,
    /// `VALIDATION`, `DUPLICATE`, `DUPLICATE_IN_FILE`, `DUPLICATE_NOT_EDITABLE`, `UNCHANGED`,
    /// `NOT_IMPORTED` (`FAIL` mode met a duplicate elsewhere), or the error code of a batch
    /// that could not be written (e.g. `CONFLICT`).
    pub code: String,
    /// The field at fault (e.g. `name`, `contactMobile`), when there is one.
    pub field: Option<String>,
    /// What went wrong, in words.
    pub message: String,
}

/// What an import did (or, in a dry run, would do).
#[derive(SimpleObject)]
pub struct ImportCustomersPayload {
    /// True for a dry run.
    pub dry_run: bool,
    /// Whether anything was written.
    pub committed: bool,
    /// Data rows in the file; the header and blank rows are not counted.
    pub total_rows: u64,
    /// Customers created (in a dry run: that would be).
    pub created: u64,
    /// Rows merged into existing customers with `MERGE` (in a dry run: that would be).
    pub merged: u64,
    /// Rows skipped; see `issues`.
    pub skipped: u64,
    /// Rows that failed; see `issues`.
    pub failed: u64,
    /// The first 1000 rows that were skipped or failed.
    pub issues: Vec<ImportIssue>,
    /// True when `issues` was cut off at 1000 entries.
    pub issues_truncated: bool,
    /// Columns that were not recognised and were ignored.
    pub ignored_headers: Vec<String>,
}

impl From<SavedReport> for ImportCustomersPayload {
    fn from(r: SavedReport) -> Self {
        ImportCustomersPayload {
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
                .map(|i| ImportIssue {
                    row: i.row as u64,
                    outcome: i.outcome,
                    code: i.code,
                    field: i.field,
                    message: i.message,
                })
                .collect(),
            issues_truncated: r.issues_truncated,
            ignored_headers: r.ignored_headers,
        }
    }
}

/// Reads the upload of an import input.
pub(super) fn read_upload(
    ctx: &Context<'_>,
    file: &Upload,
) -> async_graphql::Result<(Vec<u8>, String)> {
    let upload = file
        .value(ctx)
        .map_err(|_| AppError::validation("file", "no file was uploaded"))?;
    let filename = upload.filename.clone();
    let mut bytes = Vec::new();
    upload
        .into_read()
        .read_to_end(&mut bytes)
        .map_err(|_| AppError::validation("file", "the upload could not be read"))?;
    Ok((bytes, filename))
}

impl From<OnDuplicate> for Mode {
    fn from(m: OnDuplicate) -> Mode {
        match m {
            OnDuplicate::Skip => Mode::Skip,
            OnDuplicate::Merge => Mode::Merge,
            OnDuplicate::Fail => Mode::Fail,
        }
    }
}

#[derive(Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Imports customers with their first contact. Re-importing the same file creates
    /// nothing new.
    async fn import_customers(
        &self,
        ctx: &Context<'_>,
        input: ImportCustomersInput,
    ) -> async_graphql::Result<ImportCustomersPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let (bytes, filename) = read_upload(ctx, &input.file)?;
        let mode = input.on_duplicate.into();
        let report = import::import(
            state,
            actor,
            bytes,
            Some(filename),
            input.dry_run,
            mode,
            None,
        )
        .await?;
        Ok(SavedReport::from(report).into())
    }
}
