//! `/graphql`: parses the request ourselves so that every refusal (bad JSON, wrong content
//! type, oversize body, mutation over GET) is a GraphQL JSON error with a code, resolves the
//! actor once, and executes with per-request loaders.

use super::errors::Refusal;
use super::{HttpState, REQUEST_ID};
use crate::auth::Actor;
use crate::error::AppError;
use crate::graphql::context::{ClientIp, RequestAuth};
use crate::graphql::loaders;
use async_graphql::http::{GraphiQLSource, MultipartOptions};
use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, Request as GqlRequest, ServerError};
use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

const MAX_PASSWORD_CHECKS: u64 = 2;

/// Runs one HTTP request within `GUANXI_REQUEST_TIMEOUT_SECS`. On timeout the work is
/// dropped, which rolls back any open transaction.
pub async fn handle(State(s): State<HttpState>, req: axum::extract::Request) -> Response {
    let limit = std::time::Duration::from_secs(s.app.config.request_timeout_secs.max(1));
    let request_id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    match tokio::time::timeout(limit, run(s, req)).await {
        Ok(r) => r,
        Err(_) => {
            tracing::warn!(secs = limit.as_secs(), "request timed out");
            let body = serde_json::json!({
                "errors": [{
                    "message": "the request took longer than the server allows and was stopped",
                    "extensions": { "code": "INTERNAL", "reason": "TIMEOUT", "requestId": request_id }
                }]
            });
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
        }
    }
}

async fn run(s: HttpState, req: axum::extract::Request) -> Response {
    let (parts, body) = req.into_parts();
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0);
    let ip = ClientIp(super::client_ip::client_ip(
        &parts.headers,
        peer,
        s.app.config.trusted_proxy_hops,
    ));
    let request_id = parts
        .headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let refused = |r: Refusal| {
        let request_id = request_id.clone();
        Refusal { request_id, ..r }.into_response()
    };
    let batch = match parts.method {
        Method::GET => {
            let query = parts.uri.query().unwrap_or("");
            if query.is_empty() && s.app.config.graphiql && accepts(&parts.headers, "text/html") {
                return Html(GraphiQLSource::build().endpoint("/graphql").finish()).into_response();
            }
            if query.len() > s.app.config.max_query_bytes {
                return refused(Refusal::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "QUERY_TOO_LARGE",
                    format!(
                        "a query may be at most {} bytes",
                        s.app.config.max_query_bytes
                    ),
                ));
            }
            match read_get(query) {
                Ok(b) => b,
                Err(r) => return refused(r),
            }
        }
        Method::POST => match read_post(&s, &parts.headers, body).await {
            Ok(b) => b,
            Err(r) => return refused(r),
        },
        _ => {
            return refused(Refusal::method_not_allowed(
                "METHOD_NOT_ALLOWED",
                "use POST (or GET for queries)",
                "GET, POST",
            ));
        }
    };
    if matches!(&batch, BatchRequest::Batch(rs) if rs.is_empty()) {
        return axum::Json(serde_json::json!([])).into_response();
    }
    let operations = match &batch {
        BatchRequest::Single(_) => 1,
        BatchRequest::Batch(rs) => rs.len().min(s.app.config.max_batch_size + 1),
    };
    let operations = u32::try_from(operations).unwrap_or(u32::MAX);
    let limits = &s.rate_limits;
    if let Err(e) = limits.check_ip(ip.0, operations) {
        return e.response(request_id.as_deref());
    }
    let sign_ins = match check_limits(&s, &batch) {
        Ok(n) => n,
        Err(r) => return refused(r),
    };
    if let Err(e) = limits.check_sign_in(ip.0, sign_ins) {
        return e.response(request_id.as_deref());
    }
    let auth = match authenticate(&s, &parts.headers, request_id.clone()).await {
        Ok(a) => a,
        Err(e) => return internal(e, request_id.as_deref()),
    };
    if let RequestAuth::Authenticated(actor) = &auth
        && let Err(e) = limits.check_user(actor.id, operations)
    {
        return e.response(request_id.as_deref());
    }
    let (requests, single) = match batch {
        BatchRequest::Single(r) => (vec![r], true),
        BatchRequest::Batch(rs) => (rs, false),
    };
    let sources: Vec<Source> = requests.iter().map(Source::of).collect();
    let media = if accepts(&parts.headers, GRAPHQL_RESPONSE) {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    };
    let rid = request_id.as_deref();
    let responses = futures::future::join_all(requests.into_iter().map(|r| {
        let r = prepare(&s, r.data(ip), &auth);
        let schema = &s.schema;
        async move {
            match super::document::missing_variable(&r) {
                Some(e) => async_graphql::Response::from_errors(vec![e]),
                None => schema.execute(r).await,
            }
        }
    }))
    .await;
    let mut finished = responses
        .into_iter()
        .zip(&sources)
        .map(|(r, src)| finish(&s, src, r, rid));
    let (status, body) = if single {
        let (body, request_error) = finished.next().unwrap_or_default();
        // Per GraphQL over HTTP: a request that never ran is a 4xx, under the new media type
        // only; `application/json` clients expect 200 for every GraphQL answer.
        let status = if request_error && media == GRAPHQL_RESPONSE {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        (status, body)
    } else {
        (
            StatusCode::OK,
            serde_json::Value::Array(finished.map(|(b, _)| b).collect()),
        )
    };
    let mut response = (status, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    response
}

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// What is needed to repair a response after its request was consumed.
struct Source {
    query: String,
    operation_name: Option<String>,
}

impl Source {
    fn of(r: &GqlRequest) -> Source {
        Source {
            query: r.query.clone(),
            operation_name: r.operation_name.clone(),
        }
    }
}

/// The response as JSON, and whether it is a request error (it never ran: parse, validation
/// or variable errors), which carries no `data` at all.
fn finish(
    s: &HttpState,
    src: &Source,
    mut r: async_graphql::Response,
    request_id: Option<&str>,
) -> (serde_json::Value, bool) {
    finish_errors(&mut r.errors, request_id);
    let request_error = !r.errors.is_empty()
        && r.data == async_graphql::Value::Null
        && r.errors.iter().all(|e| e.path.is_empty());
    let mut data = std::mem::take(&mut r.data).into_json().unwrap_or_default();
    if !request_error
        && r.errors.iter().any(|e| !e.path.is_empty())
        && let Ok(doc) = async_graphql::parser::parse_query(&src.query)
    {
        s.shapes
            .propagate(&doc, src.operation_name.as_deref(), &mut data, &r.errors);
    }
    let mut out = serde_json::Map::new();
    if !request_error {
        out.insert("data".into(), data);
    }
    if !r.errors.is_empty() {
        out.insert(
            "errors".into(),
            serde_json::to_value(&r.errors).unwrap_or_default(),
        );
    }
    if !r.extensions.is_empty() {
        out.insert(
            "extensions".into(),
            serde_json::to_value(&r.extensions).unwrap_or_default(),
        );
    }
    (serde_json::Value::Object(out), request_error)
}

fn accepts(headers: &HeaderMap, media: &str) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|m| {
            let mut parts = m.split(';');
            let essence = parts.next().unwrap_or("").trim();
            // `q=0` means "not this one".
            let refused = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            essence.eq_ignore_ascii_case(media) && !refused
        })
}

fn malformed(message: String) -> Refusal {
    Refusal::new(StatusCode::BAD_REQUEST, "MALFORMED_REQUEST", message)
}

/// Reads `query`, `operationName`, `variables` and `extensions` from the query string. An
/// empty `variables=` or `extensions=` is absent, as GraphQL over HTTP has it.
fn read_get(query: &str) -> Result<BatchRequest, Refusal> {
    let params: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|e| malformed(format!("cannot read the query string: {e}")))?;
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let Some(text) = param("query") else {
        return Err(malformed("a GET request needs a `query` parameter".into()));
    };
    let mut request = GqlRequest::new(text);
    if let Some(name) = param("operationName") {
        request = request.operation_name(name);
    }
    if let Some(v) = param("variables") {
        let value: serde_json::Value = serde_json::from_str(v)
            .map_err(|e| malformed(format!("`variables` is not JSON: {e}")))?;
        request = request.variables(async_graphql::Variables::from_json(value));
    }
    if let Some(v) = param("extensions") {
        request.extensions = serde_json::from_str(v)
            .map_err(|e| malformed(format!("`extensions` is not a JSON object: {e}")))?;
    }
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
        return Err(Refusal::method_not_allowed(
            "MUTATION_OVER_GET",
            "mutations must be sent with POST",
            "POST",
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
        // An array is a batch (possibly empty); anything else must be one request object.
        let is_batch = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
        let bad = |e: serde_json::Error| {
            malformed(format!("the body is not a GraphQL request in JSON: {e}"))
        };
        if is_batch {
            serde_json::from_slice::<Vec<GqlRequest>>(&bytes)
                .map(BatchRequest::Batch)
                .map_err(bad)
        } else {
            serde_json::from_slice::<GqlRequest>(&bytes)
                .map(BatchRequest::Single)
                .map_err(bad)
        }
    }
}

/// Refuses a request over a size or cost limit; otherwise gives its sign-in attempts
/// (`login` and `refreshToken` operations), which have a rate limit of their own.
fn check_limits(s: &HttpState, batch: &BatchRequest) -> Result<u32, Refusal> {
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
    let mut sign_ins = 0u64;
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
        let vars = r.variables.iter().map(|(n, v)| (n.as_str(), v));
        if let Some(field) = super::document::nul_field(&doc, vars) {
            return Err(Refusal {
                field: Some(field),
                ..Refusal::new(
                    StatusCode::BAD_REQUEST,
                    "NUL_CHARACTER",
                    "text in the input may not contain the NUL character (U+0000)",
                )
            });
        }
        password_checks = password_checks.saturating_add(cost.password_checks);
        sign_ins = sign_ins.saturating_add(cost.sign_ins);
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
    Ok(u32::try_from(sign_ins).unwrap_or(u32::MAX))
}

pub(super) async fn authenticate(
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
