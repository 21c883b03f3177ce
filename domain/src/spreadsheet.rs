//! Cells that spreadsheets would run: Excel, WPS and LibreOffice evaluate a cell that starts
//! with `=`, `+`, `-` or `@` as a formula, and tab or carriage return lead into one (OWASP
//! "CSV injection"). Such a cell is written with a leading apostrophe, which every one of them
//! shows as text and hides.

use std::borrow::Cow;

pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_become_text() {
        for f in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "@SUM(A1)",
            "+1",
            "-2+3",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(neutralise(f), format!("'{f}"));
        }
        assert_eq!(neutralise("星辰科技"), "星辰科技");
        assert_eq!(neutralise(""), "");
        assert_eq!(neutralise("a=b"), "a=b");
    }

    proptest! {
        #[test]
        fn no_neutralised_cell_starts_a_formula(s in "\\PC*") {
            let out = neutralise(&s);
            let first = out.chars().next();
            prop_assert!(!matches!(first, Some('=' | '+' | '-' | '@' | '\t' | '\r')));
            prop_assert!(out.ends_with(s.as_str()));
        }
    }
}
