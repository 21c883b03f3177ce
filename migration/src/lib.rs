//! Schema migrations, one file per change, never edited once landed. They run unchanged on
//! SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod columns;
mod m20261124_000001_create_users;
mod m20261124_000002_create_refresh_tokens;
mod m20261124_000003_create_customers;
mod m20261124_000004_create_contacts;
mod m20261124_000005_create_customer_shares;
mod m20261124_000006_create_audit_events;
mod m20261124_000007_create_idempotency_keys;
mod m20261124_000008_create_login_failures;
mod m20261207_000009_create_auth_sessions;
mod m20261207_000010_add_idempotency_fingerprint;
mod m20261207_000011_add_login_failure_ip;
mod m20261207_000012_create_org_closure;
mod m20261207_000013_add_search_indexes;
mod m20261207_000014_add_ordering_indexes;
mod m20261207_000015_create_jobs;
mod m20261207_000016_create_exports;
mod m20261207_000017_create_outbox;
mod m20261207_000018_create_settings;
mod m20261207_000019_create_imports;
mod m20261207_000020_add_tag_index;
mod m20261207_000021_add_search_grams_index;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_users::Migration),
            Box::new(m20261124_000002_create_refresh_tokens::Migration),
            Box::new(m20261124_000003_create_customers::Migration),
            Box::new(m20261124_000004_create_contacts::Migration),
            Box::new(m20261124_000005_create_customer_shares::Migration),
            Box::new(m20261124_000006_create_audit_events::Migration),
            Box::new(m20261124_000007_create_idempotency_keys::Migration),
            Box::new(m20261124_000008_create_login_failures::Migration),
            Box::new(m20261207_000009_create_auth_sessions::Migration),
            Box::new(m20261207_000010_add_idempotency_fingerprint::Migration),
            Box::new(m20261207_000011_add_login_failure_ip::Migration),
            Box::new(m20261207_000012_create_org_closure::Migration),
            Box::new(m20261207_000013_add_search_indexes::Migration),
            Box::new(m20261207_000014_add_ordering_indexes::Migration),
            Box::new(m20261207_000015_create_jobs::Migration),
            Box::new(m20261207_000016_create_exports::Migration),
            Box::new(m20261207_000017_create_outbox::Migration),
            Box::new(m20261207_000018_create_settings::Migration),
            Box::new(m20261207_000019_create_imports::Migration),
            Box::new(m20261207_000020_add_tag_index::Migration),
            Box::new(m20261207_000021_add_search_grams_index::Migration),
        ]
    }
}
