//! Walks the rows of a CSV or XLSX file into a [`TableBuilder`].

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{DataRef, Reader, SheetType, SheetVisible, Xlsx, XlsxError};

use super::format::{decode_text, sniff_delimiter};
use super::row::TableBuilder;
use super::{ImportError, ImportTable};

pub(super) fn read_csv(bytes: &[u8], max_rows: usize) -> Result<ImportTable, ImportError> {
    let text = decode_text(bytes)?;
    if text.trim().is_empty() {
        return Err(ImportError::EmptyFile);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(&text))
        .from_reader(text.as_bytes());
    let mut builder = TableBuilder::new(max_rows);
    let mut record = csv::StringRecord::new();
    let mut lines = LineCounter::new(text.as_bytes());
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(ImportError::Malformed {
                    message: e.to_string(),
                });
            }
        }
        let line = match record.position() {
            Some(position) => lines.line_at(position.byte()),
            None => lines.next_line(),
        };
        builder.push(line, &record, || record.iter().enumerate())?;
    }
    builder.finish()
}

/// Line numbers as an editor shows them. The csv crate's own line count ignores lone `\r`
/// terminators and points records at the blank lines skipped before them, so it is not used.
struct LineCounter<'t> {
    text: &'t [u8],
    counted_to: usize,
    line: usize,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t [u8]) -> Self {
        LineCounter {
            text,
            counted_to: 0,
            line: 1,
        }
    }

    /// The line of the record whose position the reader reported as `byte`; positions only
    /// move forward.
    fn line_at(&mut self, byte: u64) -> usize {
        let mut start = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .clamp(self.counted_to, self.text.len());
        while matches!(self.text.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let span = &self.text[self.counted_to..start];
        self.line += span
            .iter()
            .enumerate()
            .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && span.get(i + 1) != Some(&b'\n')))
            .count();
        self.counted_to = start;
        self.line
    }

    fn next_line(&mut self) -> usize {
        self.line += 1;
        self.line
    }
}

/// Excel's column limit; a header cell further right cannot be genuine.
const MAX_COLUMNS: usize = 16_384;

pub(super) fn read_xlsx(bytes: &[u8], max_rows: usize) -> Result<ImportTable, ImportError> {
    // The workbook is untrusted input handed to a zip/XML stack we do not control; a panic
    // deep inside it must surface as a refused file, not take the request down.
    catch_unwind(AssertUnwindSafe(|| read_xlsx_inner(bytes, max_rows))).unwrap_or_else(|_| {
        Err(ImportError::Malformed {
            message: "the workbook could not be read".to_owned(),
        })
    })
}

fn read_xlsx_inner(bytes: &[u8], max_rows: usize) -> Result<ImportTable, ImportError> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(xlsx_error)?;
    let sheets = workbook.sheets_metadata();
    let worksheets = || sheets.iter().filter(|s| s.typ == SheetType::WorkSheet);
    let Some(sheet) = worksheets()
        .find(|s| s.visible == SheetVisible::Visible)
        .or_else(|| worksheets().next())
    else {
        return Err(ImportError::EmptyFile);
    };
    let sheet = sheet.name.clone();

    // Cells are streamed rather than loaded as a dense range: a single stray cell at XFD1048576
    // would otherwise allocate billions of empty cells, and streaming lets the row limit stop
    // the read early.
    let mut cells = workbook
        .worksheet_cells_reader(&sheet)
        .map_err(xlsx_error)?;
    let mut builder = TableBuilder::new(max_rows);
    let mut row_cells: Vec<String> = Vec::new();
    let mut current: Option<u32> = None;
    while let Some(cell) = cells.next_cell().map_err(xlsx_error)? {
        let (row, col) = cell.get_position();
        if current != Some(row) {
            if let Some(prev) = current {
                if row < prev {
                    return Err(ImportError::Malformed {
                        message: format!("worksheet rows are out of order at row {}", row + 1),
                    });
                }
                flush_row(&mut builder, prev, &mut row_cells)?;
            }
            current = Some(row);
        }
        let col = col as usize;
        if col >= builder.width().unwrap_or(MAX_COLUMNS) {
            continue;
        }
        if row_cells.len() <= col {
            row_cells.resize(col + 1, String::new());
        }
        render(cell.get_value(), &mut row_cells[col]);
    }
    if let Some(prev) = current {
        flush_row(&mut builder, prev, &mut row_cells)?;
    }
    builder.finish()
}

fn flush_row(
    builder: &mut TableBuilder,
    row: u32,
    cells: &mut Vec<String>,
) -> Result<(), ImportError> {
    let line = row as usize + 1;
    let header_cells = || {
        cells
            .iter()
            .enumerate()
            .map(|(col, text)| (col, text.as_str()))
    };
    builder.push(line, cells.as_slice(), header_cells)?;
    cells.clear();
    Ok(())
}

fn xlsx_error(error: XlsxError) -> ImportError {
    match error {
        // A ZIP without a workbook inside is some other Office or archive file.
        XlsxError::FileNotFound(_) | XlsxError::RelationshipNotFound => {
            ImportError::UnsupportedFormat
        }
        other => ImportError::Malformed {
            message: other.to_string(),
        },
    }
}

/// Writes a cell as the text a user sees in Excel, overwriting `out`.
fn render(value: &DataRef<'_>, out: &mut String) {
    use std::fmt::Write;
    out.clear();
    // Writing into a String cannot fail.
    let _ = match value {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            out.push_str(s);
            Ok(())
        }
        DataRef::SharedString(s) => {
            out.push_str(s);
            Ok(())
        }
        DataRef::Int(i) => write!(out, "{i}"),
        DataRef::Float(f) => write_number(out, *f),
        DataRef::Bool(b) => write!(out, "{}", if *b { "TRUE" } else { "FALSE" }),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            if (h, mi, s) == (0, 0, 0) {
                write!(out, "{y:04}-{mo:02}-{d:02}")
            } else {
                write!(out, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
            }
        }
        DataRef::DateTime(dt) => write_number(out, dt.as_f64()),
        DataRef::Error(e) => write!(out, "{e}"),
        DataRef::Empty => Ok(()),
    };
}

/// Phone numbers and IDs are usually stored as numbers; `f64`'s `Display` already avoids
/// exponents and a trailing ".0", so only negative zero needs care.
fn write_number(out: &mut String, f: f64) -> std::fmt::Result {
    use std::fmt::Write;
    if f == 0.0 {
        out.push('0');
        Ok(())
    } else {
        write!(out, "{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{CellErrorType, ExcelDateTime, ExcelDateTimeType};

    fn rendered(value: DataRef<'_>) -> String {
        let mut out = "stale".to_owned();
        render(&value, &mut out);
        out
    }

    #[test]
    fn renders_cells_as_displayed() {
        assert_eq!(rendered(DataRef::Float(13_800_138_000.0)), "13800138000");
        assert_eq!(rendered(DataRef::Float(1e20)), "100000000000000000000");
        assert_eq!(rendered(DataRef::Float(1234.56)), "1234.56");
        assert_eq!(rendered(DataRef::Float(-0.0)), "0");
        assert_eq!(rendered(DataRef::Int(-5)), "-5");
        assert_eq!(rendered(DataRef::Empty), "");
        assert_eq!(rendered(DataRef::Error(CellErrorType::NA)), "#N/A");
        let date = ExcelDateTime::new(45943.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(rendered(DataRef::DateTime(date)), "2025-10-13");
        let stamp = ExcelDateTime::new(45943.5, ExcelDateTimeType::DateTime, false);
        assert_eq!(rendered(DataRef::DateTime(stamp)), "2025-10-13T12:00:00");
    }
}
