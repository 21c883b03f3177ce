//! End-to-end tests: each starts the real server against a fresh database and talks HTTP.

mod helpers;

mod auth;
mod http;
mod schema;
mod seed;
mod users;
