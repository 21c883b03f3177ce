use crate::columns::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutboxEvents {
    Table,
    Id,
    EventType,
    Resource,
    ResourceId,
    Payload,
    ActorId,
    RequestId,
    CreatedAt,
    PublishedAt,
}

/// Events for the world outside (webhooks, e-mail), written in the same transaction as the
/// change they announce and delivered afterwards, at least once, in id order.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OutboxEvents::Table)
                    .col(id(OutboxEvents::Id))
                    .col(text(OutboxEvents::EventType))
                    .col(text(OutboxEvents::Resource))
                    .col(uuid(OutboxEvents::ResourceId))
                    .col(text(OutboxEvents::Payload))
                    .col(uuid_null(OutboxEvents::ActorId))
                    .col(text_null(OutboxEvents::RequestId))
                    .col(time(OutboxEvents::CreatedAt))
                    .col(time_null(OutboxEvents::PublishedAt))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // What a dispatcher reads: the undelivered events, oldest first.
        db.execute_unprepared(
            "CREATE INDEX ix_outbox_pending ON outbox_events (id) WHERE published_at IS NULL",
        )
        .await?;
        db.execute_unprepared("CREATE INDEX ix_outbox_resource ON outbox_events (resource_id, id)")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OutboxEvents::Table).to_owned())
            .await
    }
}
