use crate::columns::*;
use crate::m20261124_000001_create_users::Users;
use crate::m20261124_000003_create_customers::Customers;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CustomerShares {
    Table,
    Id,
    CustomerId,
    UserId,
    Level,
    CreatedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CustomerShares::Table)
                    .col(id(CustomerShares::Id))
                    .col(uuid(CustomerShares::CustomerId))
                    .col(uuid(CustomerShares::UserId))
                    .col(text(CustomerShares::Level))
                    .col(uuid_null(CustomerShares::CreatedBy))
                    .col(time(CustomerShares::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_customer_shares_customer")
                            .from(CustomerShares::Table, CustomerShares::CustomerId)
                            .to(Customers::Table, Customers::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_customer_shares_user")
                            .from(CustomerShares::Table, CustomerShares::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_customer_shares_customer_user")
                    .table(CustomerShares::Table)
                    .col(CustomerShares::CustomerId)
                    .col(CustomerShares::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_customer_shares_user")
                    .table(CustomerShares::Table)
                    .col(CustomerShares::UserId)
                    .col(CustomerShares::CustomerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CustomerShares::Table).to_owned())
            .await
    }
}
