//! The administrator's user mutations and the user's own profile.

use super::{Role, User};
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::service::users;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};

/// A new user (administrators only).
#[derive(InputObject)]
pub struct CreateUserInput {
    /// The sign-in e-mail; stored lower-cased and unique.
    pub email: String,
    /// The name colleagues see (1–100 characters).
    pub display_name: String,
    /// A phone number, free text up to 40 characters.
    pub phone: Option<String>,
    /// What the user may do.
    pub role: Role,
    /// Their manager, an active user; leave out to put them at the top of the org tree.
    pub manager_id: Option<ID>,
    /// At least 10 characters mixing letters with digits or symbols.
    pub password: String,
}

/// Changes to a user (administrators only); a field left out keeps its value.
#[derive(InputObject)]
pub struct UpdateUserInput {
    /// The user's global id.
    pub id: ID,
    /// The version the change was made against.
    pub version: i32,
    /// The new name (1–100 characters).
    pub display_name: Option<String>,
    /// Null clears the phone; leave it out to keep it.
    pub phone: MaybeUndefined<String>,
    /// The new role; nobody changes their own.
    pub role: Option<Role>,
    /// Null moves the user to the top of the tree; leave it out to keep the manager.
    pub manager_id: MaybeUndefined<ID>,
}

/// Changes to the signed-in user's own profile; a field left out keeps its value.
#[derive(InputObject)]
pub struct UpdateProfileInput {
    /// The version the change was made against; a stale one is a `CONFLICT`.
    pub version: i32,
    /// The new name (1–100 characters).
    pub display_name: Option<String>,
    /// Null clears the phone; leave it out to keep it.
    pub phone: MaybeUndefined<String>,
}

/// The user to deactivate or reactivate.
#[derive(InputObject)]
pub struct SetUserActiveInput {
    /// The user's global id.
    pub id: ID,
}

/// The user a mutation created or changed.
#[derive(SimpleObject)]
pub struct UserPayload {
    /// The user after the change.
    pub user: User,
}

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Creates a user (administrators only).
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> async_graphql::Result<UserPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let manager_id = ids::decode_opt("managerId", "User", input.manager_id.as_ref())
            .map_err(|_| AppError::validation("managerId", "no active user has this id"))?;
        let model = users::create(
            &state.db,
            &state.passwords,
            Some(actor),
            users::NewUser {
                email: input.email,
                display_name: input.display_name,
                phone: input.phone,
                role: input.role.into(),
                manager_id,
                password: input.password,
            },
        )
        .await?;
        Ok(UserPayload { user: User(model) })
    }

    /// Changes a user's name, phone, role or manager (administrators only; nobody changes
    /// their own role or manager). A change that would make a cycle is refused.
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        input: UpdateUserInput,
    ) -> async_graphql::Result<UserPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let id = ids::decode("id", "User", &input.id)?;
        let manager_id = match crate::graphql::change(input.manager_id) {
            Some(Some(m)) => Some(Some(ids::decode("managerId", "User", &m).map_err(
                |_| AppError::validation("managerId", "no active user has this id"),
            )?)),
            Some(None) => Some(None),
            None => None,
        };
        let model = users::update(
            &state.db,
            actor,
            users::UserUpdate {
                id,
                version: input.version,
                display_name: input.display_name,
                phone: crate::graphql::change(input.phone),
                role: input.role.map(Into::into),
                manager_id,
            },
        )
        .await?;
        Ok(UserPayload { user: User(model) })
    }

    /// Changes the signed-in user's own name or phone.
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        input: UpdateProfileInput,
    ) -> async_graphql::Result<UserPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let model = users::update_profile(
            &state.db,
            actor,
            input.version,
            input.display_name,
            crate::graphql::change(input.phone),
        )
        .await?;
        Ok(UserPayload { user: User(model) })
    }

    /// Deactivates a user (administrators only): they can no longer sign in and their
    /// tokens stop working at once.
    async fn deactivate_user(
        &self,
        ctx: &Context<'_>,
        input: SetUserActiveInput,
    ) -> async_graphql::Result<UserPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let id = ids::decode("id", "User", &input.id)?;
        let model = users::set_active(&state.db, actor, id, false).await?;
        Ok(UserPayload { user: User(model) })
    }

    /// Lets a deactivated user sign in again (administrators only).
    async fn reactivate_user(
        &self,
        ctx: &Context<'_>,
        input: SetUserActiveInput,
    ) -> async_graphql::Result<UserPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let id = ids::decode("id", "User", &input.id)?;
        let model = users::set_active(&state.db, actor, id, true).await?;
        Ok(UserPayload { user: User(model) })
    }
}
