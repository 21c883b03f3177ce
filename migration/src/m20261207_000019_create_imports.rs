use crate::columns::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Imports {
    Table,
    Id,
    UserId,
    State,
    Filename,
    File,
    DryRun,
    OnDuplicate,
    TotalRows,
    ProcessedRows,
    Report,
    Error,
    CreatedAt,
    FinishedAt,
}

/// Imports run in the background: the uploaded file until a worker has read it, the
/// progress, and the report.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Imports::Table)
                    .col(id(Imports::Id))
                    .col(uuid(Imports::UserId))
                    .col(text(Imports::State))
                    .col(text_null(Imports::Filename))
                    .col(ColumnDef::new(Imports::File).blob().null())
                    .col(flag(Imports::DryRun, false))
                    .col(text(Imports::OnDuplicate))
                    .col(ColumnDef::new(Imports::TotalRows).big_integer().null())
                    .col(
                        ColumnDef::new(Imports::ProcessedRows)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(text_null(Imports::Report))
                    .col(text_null(Imports::Error))
                    .col(time(Imports::CreatedAt))
                    .col(time_null(Imports::FinishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("CREATE INDEX ix_imports_user ON imports (user_id, created_at)")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Imports::Table).to_owned())
            .await
    }
}
