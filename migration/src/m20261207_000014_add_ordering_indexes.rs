use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// An index for every ordering the customer list offers, in the exact form the list sorts by:
/// nullable dates as `(col IS NULL), col, id` in both directions (nulls last either way), so a
/// page is read in index order instead of sorting every visible row. The syntax is the same on
/// both databases.
const INDEXES: [(&str, &str); 5] = [
    (
        "ix_customers_last_contacted_desc",
        "(last_contacted_at IS NULL), last_contacted_at DESC, id DESC",
    ),
    (
        "ix_customers_last_contacted_asc",
        "(last_contacted_at IS NULL), last_contacted_at, id",
    ),
    (
        "ix_customers_next_follow_up_desc",
        "(next_follow_up_at IS NULL), next_follow_up_at DESC, id DESC",
    ),
    (
        "ix_customers_next_follow_up_asc",
        "(next_follow_up_at IS NULL), next_follow_up_at, id",
    ),
    ("ix_customers_updated", "updated_at, id"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, cols) in INDEXES {
            db.execute_unprepared(&format!(
                "CREATE INDEX {name} ON customers ({cols}) WHERE deleted_at IS NULL"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        Ok(())
    }
}
