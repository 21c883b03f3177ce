use sea_orm::entity::prelude::*;

/// One page of an export's CSV, in order of `seq` (the first holds the header).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "export_chunks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub export_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i32,
    pub content: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
