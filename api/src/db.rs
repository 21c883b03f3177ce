//! Connecting to the database (SQLite by default, PostgreSQL in production).

use crate::config::Config;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Counts of what the database did, for telemetry and for tests that prove a request costs
/// a fixed number of queries.
#[derive(Debug, Default)]
pub struct DbMetrics {
    pub queries: AtomicU64,
}

/// Statements slower than this are logged as warnings.
const SLOW_QUERY: Duration = Duration::from_millis(500);

pub async fn connect(config: &Config) -> Result<DatabaseConnection, DbErr> {
    connect_with_metrics(config, Arc::new(DbMetrics::default())).await
}

pub async fn connect_with_metrics(
    config: &Config,
    metrics: Arc<DbMetrics>,
) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(config.database_url.clone());
    opts.max_connections(config.db_max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(15))
        .sqlx_logging(false)
        // WAL lets readers work while a writer commits; the busy timeout makes concurrent
        // writers wait for the lock instead of failing at once.
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        })
        // No statement may hold a connection and its locks for longer than this. JIT is off:
        // a scan the planner over-costs (a search count over 100,000 customers) spent 12 ms
        // compiling to save less than that.
        .map_sqlx_postgres_opts({
            let ms = config.db_statement_timeout_ms.to_string();
            move |o| o.options([("statement_timeout", ms.as_str()), ("jit", "off")])
        });
    let mut db = Database::connect(opts).await?;
    db.set_metric_callback(move |info| {
        metrics.queries.fetch_add(1, Ordering::Relaxed);
        tracing::trace!(sql = %info.statement.sql, elapsed_us = info.elapsed.as_micros() as u64, "query");
        if info.elapsed > SLOW_QUERY {
            tracing::warn!(elapsed_ms = info.elapsed.as_millis() as u64, failed = info.failed, "slow query");
        }
    });
    Ok(db)
}

/// Begins a read-write transaction. On SQLite it takes the write lock at `BEGIN IMMEDIATE`:
/// a deferred transaction that reads first and writes later fails with "database is locked"
/// when another writer got there in between, whatever the busy timeout.
pub async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}
