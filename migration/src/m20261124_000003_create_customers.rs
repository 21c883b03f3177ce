use crate::columns::*;
use crate::m20261124_000001_create_users::Users;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Customers {
    Table,
    Id,
    Name,
    NameKey,
    NamePinyin,
    NameInitials,
    Kind,
    Importance,
    LoyaltyStage,
    Source,
    Industry,
    Province,
    City,
    Address,
    Phone,
    Website,
    Tags,
    Notes,
    OwnerId,
    OwnerAssignedAt,
    LastContactedAt,
    NextFollowUpAt,
    CreditLimit,
    OpeningBalance,
    PooledAt,
    MergedIntoId,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    Version,
    DeletedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Customers::Table)
                    .col(id(Customers::Id))
                    .col(text(Customers::Name))
                    .col(text(Customers::NameKey))
                    .col(text(Customers::NamePinyin))
                    .col(text(Customers::NameInitials))
                    .col(text(Customers::Kind))
                    .col(text(Customers::Importance))
                    .col(text(Customers::LoyaltyStage))
                    .col(text_null(Customers::Source))
                    .col(text_null(Customers::Industry))
                    .col(text_null(Customers::Province))
                    .col(text_null(Customers::City))
                    .col(text_null(Customers::Address))
                    .col(text_null(Customers::Phone))
                    .col(text_null(Customers::Website))
                    .col(
                        ColumnDef::new(Customers::Tags)
                            .text()
                            .not_null()
                            .default(""),
                    )
                    .col(text_null(Customers::Notes))
                    .col(uuid_null(Customers::OwnerId))
                    .col(time_null(Customers::OwnerAssignedAt))
                    .col(time_null(Customers::LastContactedAt))
                    .col(time_null(Customers::NextFollowUpAt))
                    .col(amount(Customers::CreditLimit))
                    .col(amount(Customers::OpeningBalance))
                    .col(time_null(Customers::PooledAt))
                    .col(uuid_null(Customers::MergedIntoId))
                    .col(uuid_null(Customers::CreatedBy))
                    .col(time(Customers::CreatedAt))
                    .col(time(Customers::UpdatedAt))
                    .col(version(Customers::Version))
                    .col(time_null(Customers::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_customers_owner")
                            .from(Customers::Table, Customers::OwnerId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_customers_merged_into")
                            .from(Customers::Table, Customers::MergedIntoId)
                            .to(Customers::Table, Customers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // Partial unique index: a deleted or merged customer frees its name. The syntax is
        // the same on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_customers_name_key ON customers (name_key) \
                 WHERE deleted_at IS NULL",
            )
            .await?;
        for (name, cols) in [
            (
                "ix_customers_owner",
                vec![Customers::OwnerId, Customers::Id],
            ),
            (
                "ix_customers_created",
                vec![Customers::CreatedAt, Customers::Id],
            ),
            ("ix_customers_name", vec![Customers::Name, Customers::Id]),
            (
                "ix_customers_last_contacted",
                vec![Customers::LastContactedAt],
            ),
            (
                "ix_customers_next_follow_up",
                vec![Customers::NextFollowUpAt],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Customers::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Customers::Table).to_owned())
            .await
    }
}
