use crate::columns::*;
use crate::m20261124_000001_create_users::Users;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OrgClosure {
    Table,
    AncestorId,
    DescendantId,
    Depth,
}

/// Every (manager above, person below, distance) pair of the org tree, each person also
/// their own ancestor at depth 0. Scopes then read "everyone below me" as one indexed lookup
/// with the actor as a bind parameter, instead of a recursive walk or a pasted id list.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OrgClosure::Table)
                    .col(uuid(OrgClosure::AncestorId))
                    .col(uuid(OrgClosure::DescendantId))
                    .col(ColumnDef::new(OrgClosure::Depth).integer().not_null())
                    .primary_key(
                        Index::create()
                            .col(OrgClosure::AncestorId)
                            .col(OrgClosure::DescendantId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_org_closure_ancestor")
                            .from(OrgClosure::Table, OrgClosure::AncestorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_org_closure_descendant")
                            .from(OrgClosure::Table, OrgClosure::DescendantId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_org_closure_descendant")
                    .table(OrgClosure::Table)
                    .col(OrgClosure::DescendantId)
                    .col(OrgClosure::Depth)
                    .to_owned(),
            )
            .await?;
        // The tree as it stands, in the same statement on both databases.
        manager
            .get_connection()
            .execute_unprepared(
                "WITH RECURSIVE c(ancestor_id, descendant_id, depth) AS ( \
                   SELECT id, id, 0 FROM users \
                   UNION ALL \
                   SELECT c.ancestor_id, u.id, c.depth + 1 FROM users u \
                   JOIN c ON u.manager_id = c.descendant_id WHERE c.depth < 64 \
                 ) \
                 INSERT INTO org_closure (ancestor_id, descendant_id, depth) \
                 SELECT ancestor_id, descendant_id, MIN(depth) FROM c \
                 GROUP BY ancestor_id, descendant_id",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OrgClosure::Table).to_owned())
            .await
    }
}
