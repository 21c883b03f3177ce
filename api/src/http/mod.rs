//! The HTTP surface: `/graphql`, health checks, request ids, CORS and shutdown.

mod document;
mod errors;
mod graphql;
mod health;

use crate::graphql::AppSchema;
use crate::state::AppState;
use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, Request, header};
use axum::routing::{any, get};
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Clone)]
pub struct HttpState {
    pub schema: AppSchema,
    pub app: AppState,
}

pub fn router(schema: AppSchema, app: AppState) -> Router {
    let cors = cors(&app.config.cors_origins);
    let state = HttpState { schema, app };
    let trace = TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
        let id = req
            .headers()
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
    });
    Router::new()
        .route("/graphql", any(graphql::handle))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .fallback(errors::not_found)
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(trace)
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(cors),
        )
}

fn cors(origins: &[String]) -> CorsLayer {
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, REQUEST_ID])
        .expose_headers([REQUEST_ID])
}
