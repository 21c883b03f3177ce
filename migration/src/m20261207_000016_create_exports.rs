use crate::columns::*;
use crate::m20261124_000001_create_users::Users;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ExportChunks {
    Table,
    ExportId,
    Seq,
    Content,
}

#[derive(DeriveIden)]
enum Exports {
    Table,
    Id,
    UserId,
    State,
    Filter,
    Rows,
    Error,
    CreatedAt,
    FinishedAt,
    ExpiresAt,
}

/// Exports built in the background: the file is kept in the database (so any replica can
/// serve the download) until it expires, in chunks of one page each, so neither building nor
/// downloading holds more than a page in memory.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Exports::Table)
                    .col(id(Exports::Id))
                    .col(uuid(Exports::UserId))
                    .col(text(Exports::State))
                    .col(text(Exports::Filter))
                    .col(ColumnDef::new(Exports::Rows).big_integer().not_null())
                    .col(text_null(Exports::Error))
                    .col(time(Exports::CreatedAt))
                    .col(time_null(Exports::FinishedAt))
                    .col(time_null(Exports::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_exports_user")
                            .from(Exports::Table, Exports::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_exports_user")
                    .table(Exports::Table)
                    .col(Exports::UserId)
                    .col(Exports::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ExportChunks::Table)
                    .col(uuid(ExportChunks::ExportId))
                    .col(ColumnDef::new(ExportChunks::Seq).integer().not_null())
                    .col(ColumnDef::new(ExportChunks::Content).blob().not_null())
                    .primary_key(
                        Index::create()
                            .col(ExportChunks::ExportId)
                            .col(ExportChunks::Seq),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_export_chunks_export")
                            .from(ExportChunks::Table, ExportChunks::ExportId)
                            .to(Exports::Table, Exports::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ExportChunks::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Exports::Table).to_owned())
            .await
    }
}
