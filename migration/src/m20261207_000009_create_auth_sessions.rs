use crate::columns::*;
use crate::m20261124_000001_create_users::Users;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuthSessions {
    Table,
    Id,
    UserId,
    CreatedAt,
    EndedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuthSessions::Table)
                    .col(id(AuthSessions::Id))
                    .col(uuid(AuthSessions::UserId))
                    .col(time(AuthSessions::CreatedAt))
                    .col(time_null(AuthSessions::EndedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_auth_sessions_user")
                            .from(AuthSessions::Table, AuthSessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_auth_sessions_user")
                    .table(AuthSessions::Table)
                    .col(AuthSessions::UserId)
                    .to_owned(),
            )
            .await?;
        // Every refresh-token family is a session; one with no usable token left has ended.
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO auth_sessions (id, user_id, created_at, ended_at) \
                 SELECT family_id, user_id, MIN(created_at), \
                   CASE WHEN SUM(CASE WHEN used_at IS NULL AND revoked_at IS NULL THEN 1 ELSE 0 END) > 0 \
                   THEN NULL ELSE MAX(created_at) END \
                 FROM refresh_tokens GROUP BY family_id, user_id",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuthSessions::Table).to_owned())
            .await
    }
}
