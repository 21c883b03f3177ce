use crate::columns::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Kind,
    Payload,
    State,
    RunAfter,
    Attempts,
    MaxAttempts,
    LastError,
    LeaseUntil,
    LockedBy,
    UniqueKey,
    CreatedAt,
    UpdatedAt,
    FinishedAt,
}

/// Work the server does outside requests: claimed by workers under a lease, retried with
/// backoff, dead after its attempts.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(id(Jobs::Id))
                    .col(text(Jobs::Kind))
                    .col(text(Jobs::Payload))
                    .col(text(Jobs::State))
                    .col(time(Jobs::RunAfter))
                    .col(ColumnDef::new(Jobs::Attempts).integer().not_null())
                    .col(ColumnDef::new(Jobs::MaxAttempts).integer().not_null())
                    .col(text_null(Jobs::LastError))
                    .col(time_null(Jobs::LeaseUntil))
                    .col(text_null(Jobs::LockedBy))
                    .col(text_null(Jobs::UniqueKey))
                    .col(time(Jobs::CreatedAt))
                    .col(time(Jobs::UpdatedAt))
                    .col(time_null(Jobs::FinishedAt))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // What a worker looks for: due queued jobs and running ones whose lease ran out.
        db.execute_unprepared("CREATE INDEX ix_jobs_due ON jobs (state, run_after)")
            .await?;
        db.execute_unprepared("CREATE INDEX ix_jobs_created ON jobs (created_at, id)")
            .await?;
        // One pending run per scheduled task, however many replicas schedule it.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_jobs_pending_key ON jobs (unique_key) \
             WHERE state IN ('QUEUED', 'RUNNING')",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Jobs::Table).to_owned())
            .await
    }
}
