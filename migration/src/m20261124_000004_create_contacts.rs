use crate::columns::*;
use crate::m20261124_000003_create_customers::Customers;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
    CustomerId,
    Name,
    Title,
    Mobile,
    Phone,
    Email,
    Wechat,
    Notes,
    IsPrimary,
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
                    .table(Contacts::Table)
                    .col(id(Contacts::Id))
                    .col(uuid(Contacts::CustomerId))
                    .col(text(Contacts::Name))
                    .col(text_null(Contacts::Title))
                    .col(text_null(Contacts::Mobile))
                    .col(text_null(Contacts::Phone))
                    .col(text_null(Contacts::Email))
                    .col(text_null(Contacts::Wechat))
                    .col(text_null(Contacts::Notes))
                    .col(flag(Contacts::IsPrimary, false))
                    .col(time(Contacts::CreatedAt))
                    .col(time(Contacts::UpdatedAt))
                    .col(version(Contacts::Version))
                    .col(time_null(Contacts::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_contacts_customer")
                            .from(Contacts::Table, Contacts::CustomerId)
                            .to(Customers::Table, Customers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_contacts_customer")
                    .table(Contacts::Table)
                    .col(Contacts::CustomerId)
                    .col(Contacts::Id)
                    .to_owned(),
            )
            .await?;
        // At most one live primary contact per customer, enforced by the database too.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_contacts_primary ON contacts (customer_id) \
                 WHERE is_primary AND deleted_at IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Contacts::Table).to_owned())
            .await
    }
}
