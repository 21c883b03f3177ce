use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Trigram indexes for "contains" search over a customer's name, pinyin and initials, on
/// PostgreSQL (`pg_trgm` ships with PostgreSQL and is a trusted extension: the database owner
/// may create it). SQLite has no such index; it keeps scanning, which is fast at its sizes.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            .await?;
        db.execute_unprepared(
            "CREATE INDEX ix_customers_name_trgm ON customers USING gin (LOWER(name) gin_trgm_ops)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX ix_customers_pinyin_trgm ON customers USING gin (name_pinyin gin_trgm_ops)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX ix_customers_initials_trgm ON customers USING gin (name_initials gin_trgm_ops)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for ix in [
            "ix_customers_name_trgm",
            "ix_customers_pinyin_trgm",
            "ix_customers_initials_trgm",
        ] {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {ix}"))
                .await?;
        }
        Ok(())
    }
}
