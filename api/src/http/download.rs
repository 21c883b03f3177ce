//! `GET /exports/{id}`: the file of a finished background export, for the user who started
//! it, signed in the same way as for `/graphql`. Anyone else gets 404, as if it did not exist.

use super::errors::refuse;
use super::graphql::authenticate;
use super::{HttpState, REQUEST_ID};
use crate::graphql::context::RequestAuth;
use crate::graphql::ids;
use crate::service::customers::export_job;
use async_graphql::ID;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub async fn export_file(
    State(s): State<HttpState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let request_id = headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let actor = match authenticate(&s, &headers, request_id).await {
        Ok(RequestAuth::Authenticated(a)) => a,
        Ok(RequestAuth::Failed { reason, message }) => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                reason,
                &message,
            );
        }
        Ok(RequestAuth::Anonymous) => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "MISSING_TOKEN",
                "sign in and send the access token as `Authorization: Bearer <token>`",
            );
        }
        Err(_) => {
            return refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "INTERNAL",
                "internal error",
            );
        }
    };
    let not_found = || {
        refuse(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "NO_EXPORT",
            "no such export",
        )
    };
    let Ok(uuid) = ids::decode("id", "CustomerExportJob", &ID(id)) else {
        return not_found();
    };
    let export = match export_job::find(&s.app, &actor, uuid).await {
        Ok(e) => e,
        Err(_) => return not_found(),
    };
    if export.state != export_job::DONE {
        return refuse(
            StatusCode::CONFLICT,
            "BUSINESS_RULE",
            "EXPORT_NOT_READY",
            "this export has no file yet; see its state",
        );
    }
    // Chunk by chunk: one page of the file in memory at a time, however large it is.
    let app = s.app.clone();
    let chunks = futures::stream::unfold(Some(0i32), move |next| {
        let app = app.clone();
        async move {
            let seq = next?;
            match export_job::chunk(&app, uuid, seq).await {
                Ok(Some(bytes)) => Some((Ok(bytes), Some(seq + 1))),
                Ok(None) => None,
                Err(e) => Some((Err(std::io::Error::other(e.message())), None)),
            }
        }
    });
    let name = format!(
        "attachment; filename=\"customers-{}.csv\"",
        export.created_at.format("%Y%m%d-%H%M%S")
    );
    let mut r = (StatusCode::OK, Body::from_stream(chunks)).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&name) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    r
}
