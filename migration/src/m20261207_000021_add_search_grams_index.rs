use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A term of one or two characters (`科技`, `kj`) has no trigram, so the trigram indexes cannot
/// answer it and a search with its count read every customer. On PostgreSQL this indexes the
/// set of single characters and character pairs of a customer's lowercased name, pinyin and
/// initials: a customer containing a term contains every pair of the term, so the index finds
/// the candidates and the exact `LIKE` checks them. SQLite keeps scanning.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE FUNCTION guanxi_grams(t text) RETURNS text[] \
             LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ \
               SELECT coalesce(array_agg(DISTINCT g), '{}') FROM ( \
                 SELECT substr(lower(t), i, 1) AS g FROM generate_series(1, char_length(t)) i \
                 UNION ALL \
                 SELECT substr(lower(t), i, 2) FROM generate_series(1, char_length(t) - 1) i \
               ) grams $$",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX ix_customers_search_grams ON customers USING gin \
             (guanxi_grams(name || ' ' || name_pinyin || ' ' || name_initials))",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS ix_customers_search_grams")
            .await?;
        db.execute_unprepared("DROP FUNCTION IF EXISTS guanxi_grams(text)")
            .await?;
        Ok(())
    }
}
