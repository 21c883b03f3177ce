//! Request-level refusals, always as a GraphQL-shaped JSON body with a code.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A request refused before it reaches the schema.
pub struct Refusal {
    pub status: StatusCode,
    pub reason: &'static str,
    pub message: String,
}

impl Refusal {
    pub fn new(status: StatusCode, reason: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            reason,
            message: message.into(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        refuse(self.status, "VALIDATION", self.reason, &self.message)
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
