//! Checks every piece of free text passes before it reaches a database.

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must not contain control characters")]
    ControlCharacter,
}

/// Trims and checks an optional free-text field: `None` or blank becomes `None`.
pub fn optional(input: Option<&str>, max: usize) -> Result<Option<String>, TextError> {
    match input.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => required(s, max).map(Some),
    }
}

/// Trims and checks a required single-line or multi-line text (newlines and tabs allowed).
pub fn required(input: &str, max: usize) -> Result<String, TextError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(TextError::Empty);
    }
    if s.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(TextError::ControlCharacter);
    }
    Ok(s.to_string())
}

/// Escapes `%`, `_` and `\` so user text is matched literally by `LIKE … ESCAPE '\'`.
pub fn escape_like(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + 2);
    for c in input.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_controls_are_refused() {
        assert_eq!(required("a\0b", 10), Err(TextError::ControlCharacter));
        assert_eq!(required("a\u{7}b", 10), Err(TextError::ControlCharacter));
        assert_eq!(required("a\nb", 10), Ok("a\nb".into()));
    }

    #[test]
    fn blank_optional_is_none_and_length_counts_chars() {
        assert_eq!(optional(Some("   "), 3), Ok(None));
        assert_eq!(required("星辰科技", 4), Ok("星辰科技".into()));
        assert_eq!(required("星辰科技", 3), Err(TextError::TooLong { max: 3 }));
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }
}
