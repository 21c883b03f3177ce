//! Guanxi's business rules: pure functions and types, no database, no HTTP, no async.

pub mod customer;
pub mod fields;
pub mod import;
pub mod money;
pub mod permission;
pub mod role;
pub mod settings;
pub mod spreadsheet;
pub mod text;
pub mod user;
