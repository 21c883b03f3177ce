//! sea-orm entities, one module per table. These are storage rows, never API types.

pub mod audit_event;
pub mod auth_session;
pub mod contact;
pub mod customer;
pub mod customer_share;
pub mod export;
pub mod export_chunk;
pub mod idempotency_key;
pub mod import;
pub mod job;
pub mod login_failure;
pub mod org_closure;
pub mod outbox_event;
pub mod refresh_token;
pub mod setting;
pub mod user;
