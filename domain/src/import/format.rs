//! Recognising the upload's format and turning CSV bytes into text.

use std::borrow::Cow;

use encoding_rs::{Encoding, GB18030, UTF_8};

use super::{FileFormat, ImportError};

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// OLE compound file: legacy `.xls`, WPS `.et`, and password-protected `.xlsx` all start with it.
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Decides how to read `bytes`. The content wins over the name because users rename files
/// freely; the name only vetoes text parsing of something that claims to be another format.
pub fn detect_format(bytes: &[u8], filename: Option<&str>) -> Result<FileFormat, ImportError> {
    if bytes.is_empty() {
        return Err(ImportError::EmptyFile);
    }
    if bytes.starts_with(ZIP_MAGIC) {
        return Ok(FileFormat::Xlsx);
    }
    if bytes.starts_with(CFB_MAGIC) {
        return Err(ImportError::UnsupportedFormat);
    }
    match extension(filename) {
        Some(ext) if !TEXT_EXTENSIONS.iter().any(|e| ext.eq_ignore_ascii_case(e)) => {
            Err(ImportError::UnsupportedFormat)
        }
        _ => Ok(FileFormat::Csv),
    }
}

/// `.txt` and `.tsv` are what Excel's "Unicode text" export produces.
const TEXT_EXTENSIONS: &[&str] = &["csv", "txt", "tsv"];

fn extension(filename: Option<&str>) -> Option<&str> {
    let name = filename?.rsplit(['/', '\\']).next()?;
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty()).then_some(ext)
}

/// Decodes CSV bytes: a BOM decides outright; otherwise UTF-8, then GB18030 (a superset of
/// GBK, which Excel on Chinese Windows writes). Decoding must be lossless — a replacement
/// character would silently corrupt names.
pub(super) fn decode_text(bytes: &[u8]) -> Result<Cow<'_, str>, ImportError> {
    let text = match Encoding::for_bom(bytes) {
        Some((encoding, bom_len)) => {
            let body = &bytes[bom_len..];
            if encoding == UTF_8 {
                Cow::Borrowed(std::str::from_utf8(body).map_err(|_| ImportError::BadEncoding)?)
            } else {
                encoding
                    .decode_without_bom_handling_and_without_replacement(body)
                    .ok_or(ImportError::BadEncoding)?
            }
        }
        None => {
            // NUL never appears in text in these encodings, so it marks a binary file; checking
            // first also keeps BOM-less UTF-16 from being misread.
            if bytes.contains(&0) {
                return Err(ImportError::UnsupportedFormat);
            }
            match std::str::from_utf8(bytes) {
                Ok(text) => Cow::Borrowed(text),
                Err(_) => GB18030
                    .decode_without_bom_handling_and_without_replacement(bytes)
                    .ok_or(ImportError::BadEncoding)?,
            }
        }
    };
    if text.contains('\0') {
        return Err(ImportError::UnsupportedFormat);
    }
    Ok(text)
}

/// Picks the delimiter from the first non-blank line: Excel's "Unicode text" export is
/// tab-separated and some locales use semicolons.
pub(super) fn sniff_delimiter(text: &str) -> u8 {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for b in line.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b'\t' if !quoted => counts[1] += 1,
            b';' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let candidates = [b',', b'\t', b';'];
    let mut best = 0;
    for i in 1..candidates.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    candidates[best]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content_then_name() {
        assert_eq!(
            detect_format(b"PK\x03\x04rest", Some("a.csv")),
            Ok(FileFormat::Xlsx)
        );
        assert_eq!(
            detect_format(b"name\nx", Some("a.CSV")),
            Ok(FileFormat::Csv)
        );
        assert_eq!(detect_format(b"name\nx", None), Ok(FileFormat::Csv));
        assert_eq!(
            detect_format(b"name\nx", Some("dir.v2/a")),
            Ok(FileFormat::Csv)
        );
        assert_eq!(
            detect_format(b"name\nx", Some("a.xls")),
            Err(ImportError::UnsupportedFormat)
        );
        assert_eq!(
            detect_format(b"name\nx", Some("a.xlsx")),
            Err(ImportError::UnsupportedFormat)
        );
        let mut xls = CFB_MAGIC.to_vec();
        xls.extend_from_slice(&[0; 100]);
        assert_eq!(
            detect_format(&xls, Some("a.xls")),
            Err(ImportError::UnsupportedFormat)
        );
        assert_eq!(
            detect_format(b"", Some("a.csv")),
            Err(ImportError::EmptyFile)
        );
    }

    #[test]
    fn decodes_utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "客户名称\t电话\r\n".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(decode_text(&bytes).as_deref(), Ok("客户名称\t电话\r\n"));
    }

    #[test]
    fn refuses_lossy_or_binary_text() {
        assert_eq!(decode_text(b"a,b\0c"), Err(ImportError::UnsupportedFormat));
        assert_eq!(
            decode_text(b"name\n\xFF\xFF"),
            Err(ImportError::BadEncoding)
        );
        assert_eq!(
            decode_text(b"\xEF\xBB\xBFname\n\xC3"),
            Err(ImportError::BadEncoding)
        );
    }

    #[test]
    fn sniffs_delimiters() {
        assert_eq!(sniff_delimiter("\n名称,电话\n"), b',');
        assert_eq!(sniff_delimiter("名称\t电话\t\"a,b\"\n"), b'\t');
        assert_eq!(sniff_delimiter("name;phone"), b';');
        assert_eq!(sniff_delimiter("name"), b',');
    }
}
