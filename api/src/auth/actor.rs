//! The actor: who is asking, resolved once per request.

use crate::error::{AppError, AppResult};
use crate::service::org;
use domain::permission::ActorFacts;
use domain::role::Role;
use entity::user;
use sea_orm::{DatabaseConnection, EntityTrait};
use std::collections::HashSet;
use std::sync::Arc;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Uuid,
    pub role: Role,
    pub display_name: String,
    /// The actor and everyone below them in the org tree, at any depth (computed in SQL).
    pub subtree: Arc<HashSet<Uuid>>,
    pub request_id: Option<String>,
}

impl Actor {
    /// Loads the user behind a verified token. A deactivated or deleted user is refused here,
    /// so their tokens stop working at once.
    pub async fn resolve(
        db: &DatabaseConnection,
        user_id: Uuid,
        request_id: Option<String>,
    ) -> AppResult<Actor> {
        let user = user::Entity::find_by_id(user_id)
            .one(db)
            .await?
            .filter(|u| u.active)
            .ok_or_else(|| {
                AppError::unauthenticated("USER_INACTIVE", "this account is not active")
            })?;
        let role = Role::parse(&user.role)
            .ok_or_else(|| AppError::internal(format!("unknown role {}", user.role)))?;
        let subtree = org::subtree(db, user.id, None)
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        Ok(Actor {
            id: user.id,
            role,
            display_name: user.display_name,
            subtree: Arc::new(subtree),
            request_id,
        })
    }

    /// `user` is strictly below the actor in the org tree.
    pub fn is_above(&self, user: Uuid) -> bool {
        user != self.id && self.subtree.contains(&user)
    }

    pub fn facts(&self) -> ActorFacts {
        ActorFacts {
            id: self.id,
            role: self.role,
        }
    }

    pub fn require_admin(&self) -> AppResult<()> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::forbidden("only administrators may do this"))
        }
    }
}
