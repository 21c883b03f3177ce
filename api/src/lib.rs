//! Guanxi: a CRM backend speaking GraphQL.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod graphql;
pub mod http;
pub mod memory;
pub mod pagination;
pub mod permission;
pub mod seed;
pub mod seed_customers;
pub mod service;
pub mod sql;
pub mod startup;
pub mod state;
pub mod telemetry;
