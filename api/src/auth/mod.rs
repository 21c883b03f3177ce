//! Authentication: password hashing, access tokens, refresh tokens, and resolving the actor.

pub mod actor;
pub mod jwt;
pub mod password;
pub mod refresh;

pub use actor::Actor;
