//! What an import matches rows against, loaded once per import.

use super::Existing;
use crate::auth::Actor;
use crate::error::AppResult;
use crate::service::customers::access;
use crate::state::AppState;
use domain::permission::ShareLevel;
use entity::{customer, customer_share, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

pub(super) fn may_edit(
    state: &AppState,
    actor: &Actor,
    ex: &Existing,
    shares: &HashMap<Uuid, ShareLevel>,
    below: &HashSet<Uuid>,
) -> bool {
    access::evaluate(state, actor, ex.owner, below, shares.get(&ex.id).copied()).can_edit
}

pub(super) async fn existing_keys(
    db: &impl ConnectionTrait,
) -> AppResult<HashMap<String, Existing>> {
    let rows: Vec<(Uuid, String, Option<Uuid>)> = customer::Entity::find()
        .select_only()
        .columns([
            customer::Column::Id,
            customer::Column::NameKey,
            customer::Column::OwnerId,
        ])
        .filter(customer::Column::DeletedAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, key, owner)| (key, Existing { id, owner }))
        .collect())
}

pub(super) async fn users_by_email(
    db: &impl ConnectionTrait,
) -> AppResult<HashMap<String, user::Model>> {
    Ok(user::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.email.clone(), u))
        .collect())
}

pub(super) async fn actor_shares(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> AppResult<HashMap<Uuid, ShareLevel>> {
    Ok(customer_share::Entity::find()
        .filter(customer_share::Column::UserId.eq(actor.id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|s| ShareLevel::parse(&s.level).map(|l| (s.customer_id, l)))
        .collect())
}
