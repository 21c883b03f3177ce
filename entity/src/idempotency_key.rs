use sea_orm::entity::prelude::*;

/// The stored outcome of a create mutation, keyed by the caller's idempotency key, so a
/// retried request returns the first result instead of creating twice.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub actor_id: Uuid,
    pub key: String,
    pub operation: String,
    /// The id of the record the first request created.
    pub result_id: Uuid,
    /// A hash of the first request's input (empty for keys stored before inputs were
    /// compared).
    pub fingerprint: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
