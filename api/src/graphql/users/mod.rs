//! Users and the org tree in the API: `me`, `users`, `user`, `subordinates`, and the
//! administrator's mutations.

mod mutation;
mod query;

pub use mutation::UserMutation;
pub use query::{UserConnection, UserQuery};

use super::ids;
use super::loaders::Records;
use crate::service::resource::Row;
use crate::service::users::Users;
use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use domain::role::Role as DomainRole;

/// What a user may do; each role is a fixed set of capabilities (see the README).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Role {
    /// Everything: all customers, managing users, restoring deleted customers.
    Admin,
    /// Their own and their team's customers (everyone below them in the org tree), those
    /// shared with them and the pool: creates, edits, deletes, shares, assigns within the team.
    Manager,
    /// A salesperson: own customers, those shared with them and the public pool (公海);
    /// creates, edits own and EDIT-shared ones, shares own, claims and releases.
    Sales,
    /// Reads every customer; changes none.
    Finance,
    /// Reads only names, contacts and addresses of every customer (other fields are null).
    Warehouse,
}

impl From<Role> for DomainRole {
    fn from(r: Role) -> Self {
        match r {
            Role::Admin => DomainRole::Admin,
            Role::Manager => DomainRole::Manager,
            Role::Sales => DomainRole::Sales,
            Role::Finance => DomainRole::Finance,
            Role::Warehouse => DomainRole::Warehouse,
        }
    }
}

impl From<DomainRole> for Role {
    fn from(r: DomainRole) -> Self {
        match r {
            DomainRole::Admin => Role::Admin,
            DomainRole::Manager => Role::Manager,
            DomainRole::Sales => Role::Sales,
            DomainRole::Finance => Role::Finance,
            DomainRole::Warehouse => Role::Warehouse,
        }
    }
}

/// A person who signs in: a salesperson, manager, finance or warehouse clerk, or admin.
#[derive(Clone)]
pub struct User(pub Row<Users>);

/// A person who signs in: a salesperson, manager, finance or warehouse clerk, or admin.
/// Every signed-in user may see the whole company directory.
#[Object]
impl User {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode("User", self.0.id)
    }
    /// Lower-cased e-mail; unique.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// The name colleagues see (1–100 characters).
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// A phone number, free text; null when not given.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// What the user may do.
    async fn role(&self) -> Role {
        DomainRole::parse(&self.0.role)
            .unwrap_or(DomainRole::Sales)
            .into()
    }
    /// The user's manager in the org tree; null at the top.
    async fn manager(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(m) = self.0.manager_id else {
            return Ok(None);
        };
        let loader = ctx.data::<Records<Users>>()?;
        Ok(loader.load_one(m).await?.map(User))
    }
    /// Deactivated users cannot sign in and their tokens stop working at once.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// When the user was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the user was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Send back with updates; a stale version is a `CONFLICT`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}
