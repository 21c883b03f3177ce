use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `Customer.update`, `Contact.create`, …: the resource and what happened to it.
    pub event_type: String,
    pub resource: String,
    pub resource_id: Uuid,
    /// JSON object: `{ "action", "changes", "actorId" }`.
    pub payload: String,
    pub actor_id: Option<Uuid>,
    pub request_id: Option<String>,
    pub created_at: DateTimeUtc,
    /// Set once every subscriber has it.
    pub published_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
