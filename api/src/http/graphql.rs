//! `/graphql`: parses the request ourselves so that every refusal (bad JSON, wrong content
//! type, oversize body, mutation over GET) is a GraphQL JSON error with a code, resolves the
//! actor once, and executes with per-request loaders.

use super::errors::{Refusal, refuse};
use super::{HttpState, REQUEST_ID};
use crate::auth::Actor;
use crate::error::AppError;
use crate::graphql::context::RequestAuth;
use crate::graphql::loaders;
use async_graphql::http::{GraphiQLSource, MultipartOptions};
use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, BatchResponse, Request as GqlRequest, ServerError};
use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

const MAX_PASSWORD_CHECKS: u64 = 2;

pub async fn handle(State(s): State<HttpState>, req: axum::extract::Request) -> Response {
    let (parts, body) = req.into_parts();
    let request_id = parts
        .headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let batch = match parts.method {
        Method::GET => {
            let query = parts.uri.query().unwrap_or("");
            if query.is_empty() && s.app.config.graphiql && accepts_html(&parts.headers) {
                return Html(GraphiQLSource::build().endpoint("/graphql").finish()).into_response();
            }
            if query.len() > s.app.config.max_query_bytes {
                return Refusal::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "QUERY_TOO_LARGE",
                    format!(
                        "a query may be at most {} bytes",
                        s.app.config.max_query_bytes
                    ),
                )
                .into_response();
            }
            match read_get(query) {
                Ok(b) => b,
                Err(r) => return r.into_response(),
            }
        }
        Method::POST => match read_post(&s, &parts.headers, body).await {
            Ok(b) => b,
            Err(r) => return r.into_response(),
        },
        _ => {
            return refuse(
                StatusCode::METHOD_NOT_ALLOWED,
                "VALIDATION",
                "METHOD_NOT_ALLOWED",
                "use POST (or GET for queries)",
            );
        }
    };
    if let Err(r) = check_limits(&s, &batch) {
        return r.into_response();
    }
    let auth = match authenticate(&s, &parts.headers, request_id.clone()).await {
        Ok(a) => a,
        Err(e) => return internal(e, request_id.as_deref()),
    };
    let batch = match batch {
        BatchRequest::Single(r) => BatchRequest::Single(prepare(&s, r, &auth)),
        BatchRequest::Batch(rs) => {
            BatchRequest::Batch(rs.into_iter().map(|r| prepare(&s, r, &auth)).collect())
        }
    };
    let mut response = s.schema.execute_batch(batch).await;
    match &mut response {
        BatchResponse::Single(r) => finish_errors(&mut r.errors, request_id.as_deref()),
        BatchResponse::Batch(rs) => rs
            .iter_mut()
            .for_each(|r| finish_errors(&mut r.errors, request_id.as_deref())),
    }
    axum::Json(response).into_response()
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

fn malformed(message: String) -> Refusal {
    Refusal::new(StatusCode::BAD_REQUEST, "MALFORMED_REQUEST", message)
}

fn read_get(query: &str) -> Result<BatchRequest, Refusal> {
    let request = async_graphql::http::parse_query_string(query)
        .map_err(|e| malformed(format!("cannot read the query string: {e}")))?;
    // A GET can be replayed by caches and links: it may only read.
    let doc = async_graphql::parser::parse_query(&request.query)
        .map_err(|e| malformed(format!("cannot parse the query: {e}")))?;
    let is_mutation = doc.operations.iter().any(|(name, op)| {
        let selected = match (&request.operation_name, name) {
            (Some(wanted), Some(n)) => wanted == n.as_str(),
            (None, _) => true,
            (Some(_), None) => false,
        };
        selected && op.node.ty != OperationType::Query
    });
    if is_mutation {
        return Err(Refusal::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MUTATION_OVER_GET",
            "mutations must be sent with POST",
        ));
    }
    Ok(BatchRequest::Single(request))
}

async fn read_post(
    s: &HttpState,
    headers: &HeaderMap,
    body: Body,
) -> Result<BatchRequest, Refusal> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let multipart = essence == "multipart/form-data";
    if !multipart && essence != "application/json" {
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "send application/json (or multipart/form-data for file uploads)",
        ));
    }
    let limit = if multipart {
        s.app.config.max_upload_bytes
    } else {
        s.app.config.max_body_bytes
    };
    let bytes = to_bytes(body, limit).await.map_err(|_| {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("the request body is larger than {limit} bytes"),
        )
    })?;
    if multipart {
        let opts = MultipartOptions::default()
            .max_file_size(limit)
            .max_num_files(4);
        async_graphql::http::receive_batch_body(
            Some(content_type),
            futures::io::Cursor::new(bytes.to_vec()),
            opts,
        )
        .await
        .map_err(|e| malformed(format!("cannot read the multipart request: {e}")))
    } else {
        serde_json::from_slice::<BatchRequest>(&bytes)
            .map_err(|e| malformed(format!("the body is not a GraphQL request in JSON: {e}")))
    }
}

fn check_limits(s: &HttpState, batch: &BatchRequest) -> Result<(), Refusal> {
    let requests: Vec<&GqlRequest> = match batch {
        BatchRequest::Single(r) => vec![r],
        BatchRequest::Batch(rs) => rs.iter().collect(),
    };
    if requests.len() > s.app.config.max_batch_size {
        return Err(malformed(format!(
            "at most {} operations per batch",
            s.app.config.max_batch_size
        )));
    }
    let max = s.app.config.max_query_bytes;
    if requests.iter().any(|r| r.query.len() > max) {
        return Err(Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "QUERY_TOO_LARGE",
            format!("a query may be at most {max} bytes"),
        ));
    }
    let config = &s.app.config;
    let mut password_checks = 0u64;
    let mut exports = 0u64;
    for r in &requests {
        // A document that does not parse is left to the schema, which reports it properly.
        let Ok(doc) = async_graphql::parser::parse_query(&r.query) else {
            continue;
        };
        let cost = super::document::cost(&doc);
        if cost.selections > config.max_selections {
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                "TOO_MANY_SELECTIONS",
                format!(
                    "a query may resolve at most {} fields once its fragments are expanded",
                    config.max_selections
                ),
            ));
        }
        if cost.aliases > config.max_aliases as u64 {
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                "TOO_MANY_ALIASES",
                format!("a query may use at most {} aliases", config.max_aliases),
            ));
        }
        if cost.introspection && !config.introspection {
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                "INTROSPECTION_DISABLED",
                "introspection is switched off on this server",
            ));
        }
        let lists = super::document::longest_literal_list(&doc)
            .max(super::document::longest_variable_list(r.variables.values()));
        if lists > config.max_input_list {
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                "LIST_TOO_LONG",
                format!(
                    "a list in the input may hold at most {} items",
                    config.max_input_list
                ),
            ));
        }
        password_checks = password_checks.saturating_add(cost.password_checks);
        exports = exports.saturating_add(cost.exports);
    }
    // Each password check costs tens of milliseconds of CPU and each export reads every
    // visible customer: a request may ask for a few, whether in one operation or a batch.
    if password_checks > MAX_PASSWORD_CHECKS {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "TOO_MANY_PASSWORD_CHECKS",
            format!(
                "a request may sign in or change a password at most {MAX_PASSWORD_CHECKS} times"
            ),
        ));
    }
    if exports > config.max_exports_per_request {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "TOO_MANY_EXPORTS",
            format!(
                "a request may export at most {} times",
                config.max_exports_per_request
            ),
        ));
    }
    Ok(())
}

async fn authenticate(
    s: &HttpState,
    headers: &HeaderMap,
    request_id: Option<String>,
) -> Result<RequestAuth, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(RequestAuth::Anonymous);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    let failed = |e: AppError| match e {
        AppError::Unauthenticated { reason, message } => {
            Ok(RequestAuth::Failed { reason, message })
        }
        other => Err(other),
    };
    let Some(token) = token else {
        return failed(AppError::unauthenticated(
            "INVALID_TOKEN",
            "the Authorization header must be `Bearer <access token>`",
        ));
    };
    let verified = match s.app.jwt.verify(token) {
        Ok(v) => v,
        Err(e) => return failed(e),
    };
    match Actor::resolve(&s.app.db, &verified, request_id).await {
        Ok(actor) => Ok(RequestAuth::Authenticated(actor)),
        Err(e) => failed(e),
    }
}

fn prepare(s: &HttpState, request: GqlRequest, auth: &RequestAuth) -> GqlRequest {
    loaders::attach(request.data(auth.clone()), &s.app, auth)
}

/// Every error gets a code (GraphQL syntax, validation and limit errors are `VALIDATION`)
/// and the request id, which also names the log lines of an `INTERNAL` error.
fn finish_errors(errors: &mut [ServerError], request_id: Option<&str>) {
    for e in errors {
        let ext = e.extensions.get_or_insert_with(Default::default);
        if ext.get("code").is_none() {
            ext.set("code", "VALIDATION");
        }
        if let Some(id) = request_id {
            ext.set("requestId", id);
        }
    }
}

fn internal(e: AppError, request_id: Option<&str>) -> Response {
    let _ = e.to_graphql();
    let body = serde_json::json!({
        "errors": [{
            "message": "internal error",
            "extensions": { "code": "INTERNAL", "requestId": request_id }
        }]
    });
    (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
}
