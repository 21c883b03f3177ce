//! What the actor may do with one customer, from `domain::permission`.

use super::query;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::service::org;
use crate::state::AppState;
use domain::permission::{Access, CustomerFacts, ShareLevel, customer_access};
use entity::{customer, customer_share};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// The policy's answer for a customer owned by `owner`; `below` holds people strictly below
/// the actor (at least those who own the customers asked about).
pub fn evaluate(
    state: &AppState,
    actor: &Actor,
    owner: Option<Uuid>,
    below: &HashSet<Uuid>,
    share: Option<ShareLevel>,
) -> Access {
    let facts = CustomerFacts {
        owner,
        owner_below_actor: owner.is_some_and(|o| below.contains(&o)),
        share,
    };
    customer_access(actor.facts(), facts, &state.role_settings())
}

/// Access to each of these customers (id, owner), in two statements whatever their number.
pub async fn evaluate_many(
    state: &AppState,
    actor: &Actor,
    customers: &[(Uuid, Option<Uuid>)],
) -> AppResult<HashMap<(Uuid, Option<Uuid>), Access>> {
    let ids: Vec<Uuid> = customers.iter().map(|(id, _)| *id).collect();
    let shares = share_levels(state, actor, &ids).await?;
    let below =
        org::strictly_below(&state.db, actor.id, customers.iter().filter_map(|c| c.1)).await?;
    Ok(customers
        .iter()
        .map(|&(id, owner)| {
            let a = evaluate(state, actor, owner, &below, shares.get(&id).copied());
            ((id, owner), a)
        })
        .collect())
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
        .filter(crate::sql::among(
            customer_share::Column::CustomerId,
            customer_ids,
            state.db.get_database_backend(),
        ))
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
    let below = org::strictly_below(db, actor.id, m.owner_id).await?;
    Ok(evaluate(state, actor, m.owner_id, &below, share))
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
