//! Request-level refusals, always as a GraphQL-shaped JSON body with a code.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A request refused before it reaches the schema.
pub struct Refusal {
    pub status: StatusCode,
    pub reason: &'static str,
    pub message: String,
    /// The methods to name in `Allow` (with 405).
    pub allow: Option<&'static str>,
    /// The input field at fault, as field errors name it.
    pub field: Option<String>,
    pub request_id: Option<String>,
}

impl Refusal {
    pub fn new(status: StatusCode, reason: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            reason,
            message: message.into(),
            allow: None,
            field: None,
            request_id: None,
        }
    }

    pub fn method_not_allowed(reason: &'static str, message: &str, allow: &'static str) -> Refusal {
        Refusal {
            allow: Some(allow),
            ..Refusal::new(StatusCode::METHOD_NOT_ALLOWED, reason, message)
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut extensions = json!({ "code": "VALIDATION", "reason": self.reason });
        if let Some(field) = self.field {
            extensions["field"] = json!(field);
        }
        if let Some(id) = self.request_id {
            extensions["requestId"] = json!(id);
        }
        let body = json!({ "errors": [{ "message": self.message, "extensions": extensions }] });
        let mut r = (self.status, Json(body)).into_response();
        if let Some(allow) = self.allow {
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        r
    }
}

pub fn refuse(status: StatusCode, code: &str, reason: &str, message: &str) -> Response {
    let body = json!({
        "errors": [{
            "message": message,
            "extensions": { "code": code, "reason": reason }
        }]
    });
    (status, Json(body)).into_response()
}

pub async fn not_found() -> Response {
    refuse(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "NO_ROUTE",
        "no such endpoint; the API is at /graphql",
    )
}
