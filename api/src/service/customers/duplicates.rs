//! Duplicate control: one match key (`domain::customer::match_key`) behind the unique index,
//! the create/update check, the import match and the `customerDuplicates` query.

use crate::auth::Actor;
use crate::error::{AppError, AppResult, FieldContext};
use crate::state::AppState;
use domain::customer::{CustomerName, match_key};
use entity::{customer, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

/// The live customer holding `key`, whoever may see it. Only its name and owner's name ever
/// reach a client that cannot see it (see [`conflict`]).
pub async fn holder_of(
    db: &impl ConnectionTrait,
    key: &str,
    except: Option<Uuid>,
) -> AppResult<Option<customer::Model>> {
    let mut q = customer::Entity::find()
        .filter(customer::Column::NameKey.eq(key))
        .filter(customer::Column::DeletedAt.is_null());
    if let Some(id) = except {
        q = q.filter(customer::Column::Id.ne(id));
    }
    Ok(q.one(db).await?)
}

pub async fn owner_name(
    db: &impl ConnectionTrait,
    c: &customer::Model,
) -> AppResult<Option<String>> {
    Ok(match c.owner_id {
        Some(o) => user::Entity::find_by_id(o)
            .one(db)
            .await?
            .map(|u| u.display_name),
        None => None,
    })
}

/// The deliberate exception to "invisible means not found": a duplicate names the existing
/// customer and its owner, so two salespeople learn they are after the same client. Nothing
/// else of it is revealed.
pub async fn conflict(
    db: &impl ConnectionTrait,
    existing: &customer::Model,
) -> AppResult<AppError> {
    let owner = owner_name(db, existing).await?;
    let message = match &owner {
        Some(o) => format!("customer \"{}\" already exists (owner: {o})", existing.name),
        None => format!(
            "customer \"{}\" already exists (in the public pool)",
            existing.name
        ),
    };
    Ok(AppError::Conflict {
        message,
        details: Some(json!({
            "rule": "DUPLICATE_CUSTOMER",
            "existingName": existing.name,
            "ownerName": owner,
        })),
    })
}

/// Refuses `key` if another live customer holds it.
pub async fn ensure_unique(
    db: &impl ConnectionTrait,
    key: &str,
    except: Option<Uuid>,
) -> AppResult<()> {
    match holder_of(db, key, except).await? {
        Some(existing) => Err(conflict(db, &existing).await?),
        None => Ok(()),
    }
}

/// An existing customer a name would duplicate.
pub struct Candidate {
    pub name: String,
    pub owner_name: Option<String>,
    /// The customer itself, only when the actor may see it.
    pub visible: Option<customer::Model>,
}

/// What `name` would duplicate: by the one match key, whoever may see it, with only its name
/// and owner's name revealed to those who cannot.
pub async fn candidates(state: &AppState, actor: &Actor, name: &str) -> AppResult<Vec<Candidate>> {
    let name = CustomerName::parse(name).field("name")?;
    let Some(found) = holder_of(&state.db, &match_key(name.as_str()), None).await? else {
        return Ok(vec![]);
    };
    Ok(vec![Candidate {
        name: found.name.clone(),
        owner_name: owner_name(&state.db, &found).await?,
        visible: super::query::visible(&state.db, state, actor, found.id).await?,
    }])
}
