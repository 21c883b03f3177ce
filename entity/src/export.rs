use sea_orm::entity::prelude::*;

/// A background export; its file is in `export_chunks`. `state`: `QUEUED`, `RUNNING`, `DONE`,
/// `FAILED` or `CANCELLED`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Who asked; the only one who may read or download it.
    pub user_id: Uuid,
    pub state: String,
    /// The customer filter, as JSON.
    pub filter: String,
    /// Rows written so far.
    pub rows: i64,
    pub error: Option<String>,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    pub expires_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
