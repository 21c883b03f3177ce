//! Customers in the API.

pub mod bulk;
pub mod export_job;
pub mod filter;
pub mod import;
pub mod import_job;
pub mod mutation;
pub mod prefetch;
pub mod query;
pub mod types;
