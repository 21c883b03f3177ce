//! Opaque global ids: base64 of `Type:uuid`, so `node(id:)` knows what to load.

use crate::error::{AppError, AppResult};
use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

pub fn encode(kind: &str, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{kind}:{id}")))
}

/// Splits a global id into its type and uuid.
pub fn decode_any(field: &str, id: &ID) -> AppResult<(String, Uuid)> {
    let bad = || AppError::validation(field, "is not a valid id");
    let bytes = URL_SAFE_NO_PAD.decode(id.as_str()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (kind, raw) = text.split_once(':').ok_or_else(bad)?;
    if kind.is_empty() || !kind.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(bad());
    }
    let uuid = Uuid::parse_str(raw).map_err(|_| bad())?;
    Ok((kind.to_string(), uuid))
}

/// The uuid of a global id that must be of `kind`; an id of another type names no such
/// record, so it is `NOT_FOUND` like any other missing one.
pub fn decode(field: &str, kind: &str, id: &ID) -> AppResult<Uuid> {
    let (k, uuid) = decode_any(field, id)?;
    if k != kind {
        return Err(AppError::not_found(kind));
    }
    Ok(uuid)
}

pub fn decode_opt(field: &str, kind: &str, id: Option<&ID>) -> AppResult<Option<Uuid>> {
    id.map(|i| decode(field, kind, i)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_type_check() {
        let id = Uuid::now_v7();
        let g = encode("Customer", id);
        assert_eq!(decode("id", "Customer", &g).unwrap(), id);
        assert_eq!(decode("id", "User", &g).unwrap_err().code(), "NOT_FOUND");
        assert_eq!(
            decode("id", "User", &ID("garbage!".into()))
                .unwrap_err()
                .code(),
            "VALIDATION"
        );
    }
}
