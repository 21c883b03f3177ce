//! What the actor may do with one customer, from `domain::permission`.

use super::query;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use domain::permission::{Access, CustomerFacts, ShareLevel, customer_access};
use entity::{customer, customer_share};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;
use uuid::Uuid;

pub fn evaluate(
    state: &AppState,
    actor: &Actor,
    m: &customer::Model,
    share: Option<ShareLevel>,
) -> Access {
    let facts = CustomerFacts {
        owner: m.owner_id,
        owner_below_actor: m.owner_id.is_some_and(|o| actor.is_above(o)),
        share,
    };
    customer_access(actor.facts(), facts, &state.role_settings)
}

pub async fn share_level(
    db: &impl ConnectionTrait,
    customer_id: Uuid,
    user_id: Uuid,
) -> AppResult<Option<ShareLevel>> {
    Ok(customer_share::Entity::find()
        .filter(customer_share::Column::CustomerId.eq(customer_id))
        .filter(customer_share::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .and_then(|s| ShareLevel::parse(&s.level)))
}

/// The actor's own share level of each of these customers, in one statement.
pub async fn share_levels(
    state: &AppState,
    actor: &Actor,
    customer_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, ShareLevel>> {
    Ok(customer_share::Entity::find()
        .filter(customer_share::Column::UserId.eq(actor.id))
        .filter(customer_share::Column::CustomerId.is_in(customer_ids.iter().copied()))
        .all(&state.db)
        .await?
        .into_iter()
        .filter_map(|s| ShareLevel::parse(&s.level).map(|l| (s.customer_id, l)))
        .collect())
}

pub async fn of(
    db: &impl ConnectionTrait,
    state: &AppState,
    actor: &Actor,
    m: &customer::Model,
) -> AppResult<Access> {
    let share = share_level(db, m.id, actor.id).await?;
    Ok(evaluate(state, actor, m, share))
}

/// Loads a customer the actor may read and checks one permission: `NOT_FOUND` when the
/// customer is invisible, `FORBIDDEN` when it is visible but the action is not allowed.
pub async fn require(
    db: &impl ConnectionTrait,
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    allowed: fn(&Access) -> bool,
    what: &str,
) -> AppResult<(customer::Model, Access)> {
    let m = query::find_visible(db, state, actor, id).await?;
    let access = of(db, state, actor, &m).await?;
    if !allowed(&access) {
        return Err(AppError::forbidden(format!(
            "you may not {what} this customer"
        )));
    }
    Ok((m, access))
}
