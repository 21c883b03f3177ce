//! What a resolver gets from the request: the shared state and the actor.

use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use async_graphql::Context;
use std::net::IpAddr;

/// The outcome of reading the request's credentials, kept so that only fields that need an
/// actor fail (logging in works whatever stale token a client still sends).
#[derive(Clone)]
pub enum RequestAuth {
    Anonymous,
    Authenticated(Actor),
    Failed {
        reason: &'static str,
        message: String,
    },
}

/// The address the request came from (through trusted proxies), when known.
#[derive(Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

pub trait ContextExt {
    fn state(&self) -> AppResult<&AppState>;
    fn actor(&self) -> AppResult<&Actor>;
    fn client_ip(&self) -> Option<IpAddr>;
}

impl ContextExt for Context<'_> {
    fn state(&self) -> AppResult<&AppState> {
        self.data::<AppState>()
            .map_err(|_| AppError::internal("application state missing from the schema"))
    }

    fn client_ip(&self) -> Option<IpAddr> {
        self.data_opt::<ClientIp>().and_then(|c| c.0)
    }

    fn actor(&self) -> AppResult<&Actor> {
        match self.data::<RequestAuth>() {
            Ok(RequestAuth::Authenticated(a)) => Ok(a),
            Ok(RequestAuth::Failed { reason, message }) => {
                Err(AppError::unauthenticated(reason, message.clone()))
            }
            _ => Err(AppError::unauthenticated(
                "MISSING_TOKEN",
                "sign in and send the access token as `Authorization: Bearer <token>`",
            )),
        }
    }
}
