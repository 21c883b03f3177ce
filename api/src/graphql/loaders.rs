//! DataLoaders, created per request with the request's actor, so a batch never mixes actors
//! and every load goes through the actor's scope.

use super::context::RequestAuth;
use crate::error::AppError;
use async_graphql::dataloader::{DataLoader, Loader};
use entity::user;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;
use uuid::Uuid;

/// Users by id. The company directory is visible to every signed-in user.
pub struct UserLoader {
    pub db: DatabaseConnection,
}

impl Loader<Uuid> for UserLoader {
    type Value = user::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, user::Model>, Self::Error> {
        let rows = user::Entity::find()
            .filter(user::Column::Id.is_in(keys.iter().copied()))
            .all(&self.db)
            .await
            .map_err(|e| AppError::from(e).to_graphql())?;
        Ok(rows.into_iter().map(|u| (u.id, u)).collect())
    }
}

/// Registers this request's loaders on a GraphQL request.
pub fn attach(
    request: async_graphql::Request,
    db: &DatabaseConnection,
    _auth: &RequestAuth,
) -> async_graphql::Request {
    request.data(DataLoader::new(UserLoader { db: db.clone() }, tokio::spawn))
}
