use sea_orm::entity::prelude::*;

/// A background import. `state`: `QUEUED`, `RUNNING`, `DONE`, `FAILED` or `CANCELLED`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "imports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Who started it; the only one who may follow or cancel it.
    pub user_id: Uuid,
    pub state: String,
    pub filename: Option<String>,
    /// The uploaded file; dropped once the import has finished.
    pub file: Option<Vec<u8>>,
    pub dry_run: bool,
    /// `SKIP`, `MERGE` or `FAIL`.
    pub on_duplicate: String,
    pub total_rows: Option<i64>,
    pub processed_rows: i64,
    /// The report, as JSON, once finished.
    pub report: Option<String>,
    pub error: Option<String>,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
