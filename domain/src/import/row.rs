//! Turns header and data rows into [`ImportTable`], whatever file they came from.

use std::borrow::Cow;
use std::collections::HashSet;

use super::headers::{Field, HeaderMap};
use super::{ContactFields, CustomerFields, ImportError, ImportRow, ImportTable, RowError};

/// Read access to one row's cells; a missing cell reads as "".
pub(super) trait Cells {
    fn cell(&self, col: usize) -> &str;
}

impl Cells for csv::StringRecord {
    fn cell(&self, col: usize) -> &str {
        self.get(col).unwrap_or_default()
    }
}

impl Cells for [String] {
    fn cell(&self, col: usize) -> &str {
        self.get(col).map_or("", String::as_str)
    }
}

/// Values Excel writes in place of a formula result that failed; importing them as text
/// (typically from a broken VLOOKUP) would store "#N/A" as someone's phone number.
const SPREADSHEET_ERRORS: &[&str] = &[
    "#N/A",
    "#NULL!",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#SPILL!",
    "#CALC!",
    "#GETTING_DATA",
    "#DATA!",
];

/// Separators people type between tags, half- and full-width.
const TAG_SEPARATORS: &[char] = &[',', '，', ';', '；', '、', '|'];

pub(super) struct TableBuilder {
    max_rows: usize,
    header: Option<HeaderMap>,
    data_rows: usize,
    rows: Vec<ImportRow>,
    errors: Vec<RowError>,
}

impl TableBuilder {
    pub(super) fn new(max_rows: usize) -> Self {
        TableBuilder {
            max_rows,
            header: None,
            data_rows: 0,
            rows: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// How many leading columns a data row needs; `None` until the header has been seen.
    pub(super) fn width(&self) -> Option<usize> {
        self.header.as_ref().map(HeaderMap::width)
    }

    /// Feeds the next row. `line` is the 1-based line (CSV) or row (XLSX) number users see.
    /// `header_cells` lists the row's non-blank cells by column and is only consulted while
    /// the header row is still being looked for.
    pub(super) fn push<'a, C, H>(
        &mut self,
        line: usize,
        cells: &C,
        header_cells: impl FnOnce() -> H,
    ) -> Result<(), ImportError>
    where
        C: Cells + ?Sized,
        H: IntoIterator<Item = (usize, &'a str)>,
    {
        let Some(header) = &self.header else {
            let mut nonblank = header_cells()
                .into_iter()
                .filter(|(_, text)| !text.trim().is_empty())
                .peekable();
            if nonblank.peek().is_some() {
                self.header = Some(HeaderMap::build(nonblank)?);
            }
            return Ok(());
        };
        // Blankness is judged on recognised columns only, so a template's pre-filled
        // sequence-number column does not turn its unused rows into errors.
        if header
            .mapped_columns()
            .all(|col| cells.cell(col).trim().is_empty())
        {
            return Ok(());
        }
        self.data_rows += 1;
        if self.data_rows > self.max_rows {
            return Err(ImportError::TooManyRows { max: self.max_rows });
        }
        let mut reader = RowReader {
            line,
            cells,
            header,
            errors: &mut self.errors,
            failed: 0,
        };
        if let Some(row) = reader.read() {
            self.rows.push(row);
        }
        Ok(())
    }

    pub(super) fn finish(self) -> Result<ImportTable, ImportError> {
        let header = self.header.ok_or(ImportError::EmptyFile)?;
        Ok(ImportTable {
            rows: self.rows,
            errors: self.errors,
            ignored_headers: header.ignored,
        })
    }
}

struct RowReader<'r, C: ?Sized> {
    line: usize,
    cells: &'r C,
    header: &'r HeaderMap,
    errors: &'r mut Vec<RowError>,
    /// Bit per [`Field`] that already has an error in this row.
    failed: u32,
}

impl<C: Cells + ?Sized> RowReader<'_, C> {
    fn read(&mut self) -> Option<ImportRow> {
        let name = self.text(Field::Name);
        let customer = CustomerFields {
            name: String::new(),
            kind: self.text(Field::Kind),
            importance: self.text(Field::Importance),
            loyalty_stage: self.text(Field::LoyaltyStage),
            source: self.text(Field::Source),
            industry: self.text(Field::Industry),
            province: self.text(Field::Province),
            city: self.text(Field::City),
            address: self.text(Field::Address),
            phone: self.text(Field::Phone),
            website: self.text(Field::Website),
            tags: self
                .text(Field::Tags)
                .map(|t| split_tags(&t))
                .unwrap_or_default(),
            notes: self.text(Field::Notes),
            owner_email: self.text(Field::OwnerEmail),
            credit_limit: self.text(Field::CreditLimit),
        };
        let contact_name = self.text(Field::ContactName);
        let title = self.text(Field::ContactTitle);
        let mobile = self.text(Field::ContactMobile);
        let phone = self.text(Field::ContactPhone);
        let email = self.text(Field::ContactEmail);
        let wechat = self.text(Field::ContactWechat);

        let name = match name {
            Some(name) => name,
            None => {
                self.required_missing(Field::Name, "customer name is required");
                String::new()
            }
        };
        let contact = match contact_name {
            Some(name) => Some(ContactFields {
                name,
                title,
                mobile,
                phone,
                email,
                wechat,
            }),
            None => {
                if [&title, &mobile, &phone, &email, &wechat]
                    .iter()
                    .any(|v| v.is_some())
                {
                    self.required_missing(
                        Field::ContactName,
                        "contact details need a contact name",
                    );
                }
                None
            }
        };
        if self.failed != 0 {
            return None;
        }
        Some(ImportRow {
            row: self.line,
            customer: CustomerFields { name, ..customer },
            contact,
        })
    }

    /// The trimmed cell for `field`, `None` when absent or blank; an invalid value is
    /// reported and also yields `None`.
    fn text(&mut self, field: Field) -> Option<String> {
        let col = self.header.column(field)?;
        let value = self.cells.cell(col).trim();
        if value.is_empty() {
            return None;
        }
        match check_value(value, field) {
            Ok(value) => Some(value.into_owned()),
            Err(message) => {
                self.fail(field, message);
                None
            }
        }
    }

    /// Reports a missing required value unless that field already has a more specific error.
    fn required_missing(&mut self, field: Field, message: &str) {
        if self.failed & field.bit() == 0 {
            self.fail(field, message.to_owned());
        }
    }

    fn fail(&mut self, field: Field, message: String) {
        self.failed |= field.bit();
        self.errors.push(RowError {
            row: self.line,
            code: "VALIDATION",
            field: Some(field.key()),
            message,
        });
    }
}

fn check_value(value: &str, field: Field) -> Result<Cow<'_, str>, String> {
    if value.starts_with('#') && SPREADSHEET_ERRORS.contains(&value) {
        return Err(format!("contains the spreadsheet error value {value}"));
    }
    let line_breaks_ok = field.allows_line_breaks();
    let mut has_cr = false;
    for c in value.chars() {
        if !c.is_control() || c == '\t' {
            continue;
        }
        match c {
            '\n' if line_breaks_ok => {}
            '\r' if line_breaks_ok => has_cr = true,
            _ => return Err("contains a control character".to_owned()),
        }
    }
    Ok(if has_cr {
        Cow::Owned(value.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(value)
    })
}

pub(super) fn split_tags(raw: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    raw.split(TAG_SEPARATORS)
        .map(str::trim)
        .filter(|t| !t.is_empty() && seen.insert(*t))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_tags_on_any_separator() {
        assert_eq!(
            split_tags(" 大客户，VIP;华东 ；VIP、 | 制造业|大客户, "),
            ["大客户", "VIP", "华东", "制造业"]
        );
        assert!(split_tags(" ,，;|").is_empty());
    }

    #[test]
    fn checks_control_characters_and_error_values() {
        assert!(check_value("a\tb", Field::Name).is_ok());
        assert!(check_value("a\u{1}b", Field::Name).is_err());
        assert!(check_value("a\nb", Field::Name).is_err());
        assert_eq!(
            check_value("a\r\nb\rc", Field::Notes).as_deref(),
            Ok("a\nb\nc")
        );
        assert!(check_value("#N/A", Field::Phone).is_err());
        assert!(check_value("#1 supplier", Field::Name).is_ok());
    }
}
