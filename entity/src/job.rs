use sea_orm::entity::prelude::*;

/// A unit of background work. `state`: `QUEUED`, `RUNNING`, `DONE` or `DEAD`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: String,
    /// JSON.
    pub payload: String,
    pub state: String,
    pub run_after: DateTimeUtc,
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: Option<String>,
    /// A running job whose lease has passed is claimed again (its worker died).
    pub lease_until: Option<DateTimeUtc>,
    pub locked_by: Option<String>,
    /// Scheduled tasks carry their name here: one pending run each.
    pub unique_key: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
