//! The actor: who is asking, resolved once per request.

use crate::auth::jwt::Verified;
use crate::error::{AppError, AppResult};
use crate::service::org;
use domain::permission::ActorFacts;
use domain::role::Role;
use entity::{auth_session, user};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use std::collections::HashSet;
use std::sync::Arc;
use uuid::Uuid;

async fn active_user(db: &DatabaseConnection, id: Uuid) -> AppResult<user::Model> {
    user::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|u| u.active)
        .ok_or_else(|| AppError::unauthenticated("USER_INACTIVE", "this account is not active"))
}

#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Uuid,
    pub role: Role,
    pub display_name: String,
    /// The actor and everyone below them in the org tree, at any depth, for checks made in
    /// Rust; SQL scopes join the closure table instead of carrying this list.
    pub subtree: Arc<HashSet<Uuid>>,
    /// The session the request's access token belongs to.
    pub session_id: Uuid,
    pub request_id: Option<String>,
}

impl Actor {
    /// Loads the user behind a verified token. A deactivated user and an ended session
    /// (logout, password change, sign-out everywhere) are refused here, so their tokens stop
    /// working at once.
    pub async fn resolve(
        db: &DatabaseConnection,
        token: &Verified,
        request_id: Option<String>,
    ) -> AppResult<Actor> {
        let user = active_user(db, token.user_id).await?;
        let live = auth_session::Entity::find_by_id(token.session_id)
            .filter(auth_session::Column::UserId.eq(user.id))
            .filter(auth_session::Column::EndedAt.is_null())
            .count(db)
            .await?;
        if live == 0 {
            return Err(AppError::unauthenticated(
                "SESSION_ENDED",
                "this session has ended; sign in again",
            ));
        }
        Actor::build(db, user, token.session_id, request_id).await
    }

    /// The actor for work the server does on a user's behalf without a request (demo data,
    /// the command line): no session.
    pub async fn without_session(db: &DatabaseConnection, user_id: Uuid) -> AppResult<Actor> {
        let user = active_user(db, user_id).await?;
        Actor::build(db, user, Uuid::nil(), None).await
    }

    async fn build(
        db: &DatabaseConnection,
        user: user::Model,
        session_id: Uuid,
        request_id: Option<String>,
    ) -> AppResult<Actor> {
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
            session_id,
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
