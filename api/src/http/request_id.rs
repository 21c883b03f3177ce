//! A client may name its request (`x-request-id`) so that its logs and ours line up, but the
//! id lands in our logs and audit trail: one that is long or carries odd characters is
//! dropped, and the server names the request itself.

use super::REQUEST_ID;
use axum::http::Request;

const MAX_LEN: usize = 64;

/// 1–64 characters of `A-Z a-z 0-9 . _ -`: enough for UUIDs, ULIDs and trace ids.
pub fn acceptable(id: &str) -> bool {
    (1..=MAX_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

pub async fn drop_unacceptable<B>(mut req: Request<B>) -> Request<B> {
    let bad = req
        .headers()
        .get_all(REQUEST_ID)
        .iter()
        .enumerate()
        .any(|(i, v)| i > 0 || !v.to_str().is_ok_and(acceptable));
    if bad {
        req.headers_mut().remove(REQUEST_ID);
    }
    req
}

#[cfg(test)]
mod tests {
    use super::acceptable;

    #[test]
    fn ids_are_short_and_plain() {
        assert!(acceptable("0190a5c2-7d1e-7c3a-9f00-1b2c3d4e5f60"));
        assert!(acceptable("trace_me.1"));
        assert!(!acceptable(""));
        assert!(!acceptable(&"a".repeat(65)));
        assert!(!acceptable("a b"));
        assert!(!acceptable("x\u{202e}y"));
        assert!(!acceptable("<script>"));
        assert!(!acceptable("id\n"));
    }
}
