//! The actor: who is asking, resolved once per request in one statement (the user and their
//! live session). Where they stand in the org tree is asked of the closure table in SQL, where it
//! is needed.

use crate::auth::jwt::Verified;
use crate::error::{AppError, AppResult};
use domain::permission::ActorFacts;
use domain::role::Role;
use entity::{auth_session, user};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
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
        // One statement on every request: the user, if active and if the session is live.
        let live_session = Query::select()
            .expr(Expr::val(1))
            .from(auth_session::Entity)
            .and_where(auth_session::Column::Id.eq(token.session_id))
            .and_where(
                Expr::col((auth_session::Entity, auth_session::Column::UserId))
                    .equals((user::Entity, user::Column::Id)),
            )
            .and_where(auth_session::Column::EndedAt.is_null())
            .to_owned();
        let found = user::Entity::find_by_id(token.user_id)
            .filter(user::Column::Active.eq(true))
            .filter(Expr::exists(live_session))
            .one(db)
            .await?;
        match found {
            Some(user) => Actor::build(user, token.session_id, request_id),
            // Refused: a second look says why.
            None => {
                active_user(db, token.user_id).await?;
                Err(AppError::unauthenticated(
                    "SESSION_ENDED",
                    "this session has ended; sign in again",
                ))
            }
        }
    }

    /// The actor for work the server does on a user's behalf without a request (demo data,
    /// the command line): no session.
    pub async fn without_session(db: &DatabaseConnection, user_id: Uuid) -> AppResult<Actor> {
        let user = active_user(db, user_id).await?;
        Actor::build(user, Uuid::nil(), None)
    }

    fn build(user: user::Model, session_id: Uuid, request_id: Option<String>) -> AppResult<Actor> {
        let role = Role::parse(&user.role)
            .ok_or_else(|| AppError::internal(format!("unknown role {}", user.role)))?;
        Ok(Actor {
            id: user.id,
            role,
            display_name: user.display_name,
            session_id,
            request_id,
        })
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
