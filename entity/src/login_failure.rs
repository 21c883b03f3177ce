use sea_orm::entity::prelude::*;

/// A sign-in attempt not (yet) followed by a success, counted per e-mail, per address and per
/// both to slow down password guessing (kept in the database so every replica counts the
/// same).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_failures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Lower-cased as typed, whether or not a user has it.
    pub email: String,
    /// The client's address, when known.
    pub ip: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
