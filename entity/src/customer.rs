use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// Duplicate-control key (`domain::customer::match_key`); unique among live rows.
    pub name_key: String,
    pub name_pinyin: String,
    pub name_initials: String,
    pub kind: String,
    pub importance: String,
    pub loyalty_stage: String,
    pub source: Option<String>,
    pub industry: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    /// Tags as `|a|b|`, so one tag is matched with `LIKE '%|a|%'` on any database.
    pub tags: String,
    pub notes: Option<String>,
    pub owner_id: Option<Uuid>,
    /// When the current owner got the customer; the pool clock starts here.
    pub owner_assigned_at: Option<DateTimeUtc>,
    pub last_contacted_at: Option<DateTimeUtc>,
    pub next_follow_up_at: Option<DateTimeUtc>,
    /// Money in ten-thousandths (see `domain::money`).
    pub credit_limit: i64,
    pub opening_balance: i64,
    /// When the customer last entered the public pool.
    pub pooled_at: Option<DateTimeUtc>,
    pub merged_into_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
