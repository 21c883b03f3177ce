use crate::columns::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    Email,
    DisplayName,
    Phone,
    Role,
    ManagerId,
    Active,
    PasswordHash,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(id(Users::Id))
                    .col(text(Users::Email))
                    .col(text(Users::DisplayName))
                    .col(text_null(Users::Phone))
                    .col(text(Users::Role))
                    .col(uuid_null(Users::ManagerId))
                    .col(flag(Users::Active, true))
                    .col(text(Users::PasswordHash))
                    .col(time(Users::CreatedAt))
                    .col(time(Users::UpdatedAt))
                    .col(version(Users::Version))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_users_manager")
                            .from(Users::Table, Users::ManagerId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_users_email")
                    .table(Users::Table)
                    .col(Users::Email)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_users_manager")
                    .table(Users::Table)
                    .col(Users::ManagerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}
