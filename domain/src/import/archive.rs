//! An XLSX file is a zip archive whose parts the reader inflates, and a small file can
//! declare gigabytes (a "zip bomb"). The archive's directory is checked before the workbook
//! is opened. The zip reader stops every part at its declared size, so a part that lies
//! about its size fails instead of inflating further.

use super::ImportError;
use std::io::Cursor;

/// Inflated bytes of all parts together: far above a 200,000-row workbook.
pub const MAX_TOTAL_BYTES: u64 = 512 << 20;
/// Inflated bytes of one part (the shared strings are held in memory whole).
pub const MAX_PART_BYTES: u64 = 256 << 20;
/// Inflated size over stored size for parts above [`RATIO_FLOOR_BYTES`]; real sheets and
/// string tables compress about 5 to 30 times.
pub const MAX_RATIO: u64 = 200;
pub const RATIO_FLOOR_BYTES: u64 = 1 << 20;
/// Parts in one archive; a workbook has a few dozen.
pub const MAX_PARTS: usize = 10_000;

fn refused(message: String) -> ImportError {
    ImportError::Malformed { message }
}

pub(super) fn check(bytes: &[u8]) -> Result<(), ImportError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| refused(format!("not a valid XLSX archive ({e})")))?;
    if archive.len() > MAX_PARTS {
        return Err(refused(format!(
            "the workbook has more than {MAX_PARTS} parts"
        )));
    }
    let mut total = 0u64;
    for i in 0..archive.len() {
        let part = archive
            .by_index_raw(i)
            .map_err(|e| refused(format!("not a valid XLSX archive ({e})")))?;
        let (size, stored) = (part.size(), part.compressed_size());
        if size > MAX_PART_BYTES {
            return Err(refused(format!(
                "a part of the workbook unpacks to more than {} MiB",
                MAX_PART_BYTES >> 20
            )));
        }
        if size > RATIO_FLOOR_BYTES && size / stored.max(1) > MAX_RATIO {
            return Err(refused(format!(
                "a part of the workbook is compressed more than {MAX_RATIO} times"
            )));
        }
        total = total.saturating_add(size);
    }
    if total > MAX_TOTAL_BYTES {
        return Err(refused(format!(
            "the workbook unpacks to more than {} MiB",
            MAX_TOTAL_BYTES >> 20
        )));
    }
    Ok(())
}
