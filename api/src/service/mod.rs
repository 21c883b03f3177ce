//! Use cases: each function takes the actor, runs in one transaction, asks `domain` what is
//! allowed and writes through sea-orm.

pub mod audit;
pub mod contacts;
pub mod customers;
pub mod idempotency;
pub mod jobs;
pub mod org;
pub mod resource;
pub mod session;
pub mod settings;
pub mod users;
pub mod versioned;
pub mod write;
