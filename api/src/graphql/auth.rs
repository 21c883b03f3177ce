//! Signing in and out.

use super::context::ContextExt;
use super::ids;
use super::users::User;
use crate::service::session::{self, Session};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

/// The credentials to sign in with.
#[derive(InputObject)]
pub struct LoginInput {
    /// The sign-in e-mail; case does not matter.
    pub email: String,
    /// The user's password.
    pub password: String,
}

/// The refresh token to trade in.
#[derive(InputObject)]
pub struct RefreshTokenInput {
    /// The latest refresh token from `login` or `refreshToken`; each works once.
    pub refresh_token: String,
}

/// The session to end.
#[derive(InputObject)]
pub struct LogoutInput {
    /// The refresh token of the session to end; without it, the session of the access token
    /// the request is signed in with ends.
    pub refresh_token: Option<String>,
}

/// The user whose sessions to end.
#[derive(InputObject)]
pub struct EndUserSessionsInput {
    /// The user's global id.
    pub user_id: ID,
}

/// How many sessions ended.
#[derive(SimpleObject)]
pub struct SessionsEndedPayload {
    /// Sessions that were live and are now ended (their access and refresh tokens stop
    /// working at once).
    pub ended_count: u64,
}

/// The signed-in user's current password and the new one.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    /// The password in use now.
    pub current_password: String,
    /// At least 10 characters mixing letters with digits or symbols; must differ from the
    /// current one.
    pub new_password: String,
}

/// A signed-in session. Send `accessToken` as `Authorization: Bearer …`; when it expires
/// (`UNAUTHENTICATED` with reason `TOKEN_EXPIRED`) call `refreshToken` with `refreshToken`.
/// Each refresh token works once: the call returns a new one.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// A JWT to send as `Authorization: Bearer …`; it lasts 15 minutes unless configured
    /// otherwise.
    pub access_token: String,
    /// When the access token stops working.
    pub access_token_expires_at: DateTime<Utc>,
    /// An opaque, single-use token for `refreshToken` and `logout`; keep it secret.
    pub refresh_token: String,
    /// When the refresh token expires (30 days after it was issued unless configured
    /// otherwise).
    pub refresh_token_expires_at: DateTime<Utc>,
    /// The signed-in user.
    pub user: User,
}

impl From<Session> for AuthPayload {
    fn from(s: Session) -> Self {
        AuthPayload {
            access_token: s.access_token,
            access_token_expires_at: s.access_token_expires_at,
            refresh_token: s.refresh_token,
            refresh_token_expires_at: s.refresh_token_expires_at,
            user: User(s.user),
        }
    }
}

/// The outcome of a mutation that returns no record.
#[derive(SimpleObject)]
pub struct OkPayload {
    /// Always true: a failure is a GraphQL error instead.
    pub ok: bool,
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Signs in. A wrong e-mail and a wrong password give the same error; after repeated
    /// failures for one e-mail, sign-in is refused for a while (`RATE_LIMITED`).
    #[graphql(complexity = 1000)]
    async fn login(
        &self,
        ctx: &Context<'_>,
        input: LoginInput,
    ) -> async_graphql::Result<AuthPayload> {
        let state = ctx.state()?;
        let ip = ctx.client_ip();
        Ok(session::login(state, &input.email, &input.password, ip)
            .await?
            .into())
    }

    /// Trades a refresh token for a new access token and a new refresh token. A refresh token
    /// used twice revokes every token of its session (`REFRESH_TOKEN_REUSED`).
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        input: RefreshTokenInput,
    ) -> async_graphql::Result<AuthPayload> {
        let state = ctx.state()?;
        Ok(session::refresh(state, &input.refresh_token).await?.into())
    }

    /// Ends the session the request is signed in with (and the one the refresh token belongs
    /// to, if given): its access and refresh tokens stop working at once.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        input: LogoutInput,
    ) -> async_graphql::Result<OkPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        session::logout(state, actor, input.refresh_token.as_deref()).await?;
        Ok(OkPayload { ok: true })
    }

    /// Ends every session of the signed-in user, on every device, this one included.
    async fn sign_out_everywhere(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<SessionsEndedPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let ended_count = session::sign_out_everywhere(state, actor).await?;
        Ok(SessionsEndedPayload { ended_count })
    }

    /// Ends every session of a user (administrators only), for a lost phone or a departing
    /// employee; the user may sign in again unless also deactivated.
    async fn end_user_sessions(
        &self,
        ctx: &Context<'_>,
        input: EndUserSessionsInput,
    ) -> async_graphql::Result<SessionsEndedPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let user_id = ids::decode("userId", "User", &input.user_id)?;
        let ended_count = session::end_sessions_of(state, actor, user_id).await?;
        Ok(SessionsEndedPayload { ended_count })
    }

    /// Changes the signed-in user's password and ends every other session; this one goes on.
    #[graphql(complexity = 1000)]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        input: ChangePasswordInput,
    ) -> async_graphql::Result<OkPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        session::change_password(state, actor, &input.current_password, &input.new_password)
            .await?;
        Ok(OkPayload { ok: true })
    }
}
