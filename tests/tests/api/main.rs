//! End-to-end tests: each starts the real server against a fresh database and talks HTTP.

mod helpers;

mod auth;
mod customer_bulk;
mod customer_export_jobs;
mod customer_import;
mod customer_import_jobs;
mod customer_permissions;
mod customer_search;
mod customers;
mod field_policy;
mod fuzz;
mod graphql_http;
mod http;
mod jobs;
mod org_tree;
mod outbox;
mod query_plans;
mod rate_limits;
mod request_limits;
mod schema;
mod seed;
mod settings;
mod users;
