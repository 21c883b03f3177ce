//! Customer bulk import: reads an uploaded CSV or XLSX file into typed rows.
//!
//! This is only the parsing half. Values stay as trimmed text; deciding whether a kind,
//! owner or credit limit is acceptable, and writing anything, belongs to the caller.
//! Whole-file problems are an [`ImportError`]; problems confined to one row become a
//! [`RowError`] so the rest of the file can still be imported.

mod archive;
mod format;
mod headers;
mod reader;
mod row;

#[cfg(test)]
mod tests;

use serde::Serialize;
use thiserror::Error;

pub use format::detect_format;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportTable {
    /// Rows that parsed cleanly, in file order.
    pub rows: Vec<ImportRow>,
    /// Per-row problems; a row with any problem is not in `rows`.
    pub errors: Vec<RowError>,
    /// Header texts that matched no known column, so the user can see what was not imported.
    pub ignored_headers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportRow {
    /// 1-based line number in the file (the header is 1 when it is the first line), or the
    /// worksheet row number for XLSX — what the user sees in their editor.
    pub row: usize,
    pub customer: CustomerFields,
    pub contact: Option<ContactFields>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerFields {
    pub name: String,
    pub kind: Option<String>,
    pub importance: Option<String>,
    pub loyalty_stage: Option<String>,
    pub source: Option<String>,
    pub industry: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
    pub owner_email: Option<String>,
    pub credit_limit: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactFields {
    pub name: String,
    pub title: Option<String>,
    pub mobile: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub wechat: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowError {
    /// Same numbering as [`ImportRow::row`].
    pub row: usize,
    /// Stable machine-readable code, e.g. `VALIDATION`.
    pub code: &'static str,
    /// The API's camelCase field name (`name`, `contactName`, `contactPhone`, ...).
    pub field: Option<&'static str>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ImportError {
    #[error("the file is empty")]
    EmptyFile,
    #[error("unsupported file format; upload a .csv or .xlsx file")]
    UnsupportedFormat,
    #[error("the file is not UTF-8, UTF-16 or GBK text")]
    BadEncoding,
    #[error("the header row has no \"{header}\" column")]
    MissingHeader { header: &'static str },
    #[error("the file has more than {max} data rows")]
    TooManyRows { max: usize },
    #[error("the file could not be read: {message}")]
    Malformed { message: String },
}

impl ImportError {
    /// Stable code for API clients; the message is for people.
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::EmptyFile => "EMPTY_FILE",
            ImportError::UnsupportedFormat => "UNSUPPORTED_FORMAT",
            ImportError::BadEncoding => "BAD_ENCODING",
            ImportError::MissingHeader { .. } => "MISSING_HEADER",
            ImportError::TooManyRows { .. } => "TOO_MANY_ROWS",
            ImportError::Malformed { .. } => "MALFORMED",
        }
    }
}

/// Parses an uploaded customer file. `filename` only matters when the content does not
/// identify the format; `max_rows` counts non-blank data rows.
pub fn parse_import(
    bytes: &[u8],
    filename: Option<&str>,
    max_rows: usize,
) -> Result<ImportTable, ImportError> {
    match detect_format(bytes, filename)? {
        FileFormat::Csv => reader::read_csv(bytes, max_rows),
        FileFormat::Xlsx => {
            archive::check(bytes)?;
            reader::read_xlsx(bytes, max_rows)
        }
    }
}
