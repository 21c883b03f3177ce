//! The HTTP surface: `/graphql`, health checks, request ids, CORS and shutdown.

mod client_ip;
mod document;
mod download;
mod errors;
mod graphql;
mod health;
mod rate_limit;
mod request_id;
mod shape;

use crate::config::Config;
use crate::graphql::AppSchema;
use crate::state::AppState;
use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, Request};
use axum::routing::{any, get};
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Clone)]
pub struct HttpState {
    pub schema: AppSchema,
    pub app: AppState,
    pub shapes: Arc<shape::Shapes>,
    pub rate_limits: Arc<rate_limit::RateLimits>,
}

pub fn router(schema: AppSchema, app: AppState) -> Router {
    let cors = cors(&app.config);
    let shapes = Arc::new(shape::Shapes::from_sdl(&crate::graphql::sdl(&app.config)));
    let rate_limits = Arc::new(rate_limit::RateLimits::new(&app.config));
    sweep_rate_limits(Arc::downgrade(&rate_limits));
    let state = HttpState {
        schema,
        app,
        shapes,
        rate_limits,
    };
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
        .route("/exports/{id}", get(download::export_file))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .fallback(errors::not_found)
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(axum::middleware::map_request(request_id::drop_unacceptable))
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(trace)
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(cors),
        )
}

/// Every minute, until the router is dropped.
fn sweep_rate_limits(limits: std::sync::Weak<rate_limit::RateLimits>) {
    if tokio::runtime::Handle::try_current().is_err() {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        tick.tick().await;
        loop {
            tick.tick().await;
            match limits.upgrade() {
                Some(l) => l.sweep(),
                None => return,
            }
        }
    });
}

fn cors(config: &Config) -> CorsLayer {
    let allowed: Vec<HeaderValue> = config
        .cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    let headers: Vec<HeaderName> = config
        .cors_allow_headers
        .iter()
        .filter_map(|h| HeaderName::from_bytes(h.as_bytes()).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers(headers)
        .expose_headers([REQUEST_ID, axum::http::header::RETRY_AFTER])
        .max_age(Duration::from_secs(config.cors_max_age_secs))
}
