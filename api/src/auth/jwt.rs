//! Short-lived JWT access tokens: HS256 only, `iss`, `aud`, `exp`, `sub` and `sid` (the
//! session) required.

use crate::config::Config;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use uuid::Uuid;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    /// The session the token was issued for; it stops working when the session ends.
    pub sid: String,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
}

pub struct Verified {
    pub user_id: Uuid,
    pub session_id: Uuid,
}

#[derive(Clone)]
pub struct JwtKeys {
    inner: Arc<Inner>,
}

struct Inner {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: Duration,
}

impl JwtKeys {
    pub fn new(config: &Config) -> JwtKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&config.jwt_issuer]);
        validation.set_audience(&[&config.jwt_audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 0;
        JwtKeys {
            inner: Arc::new(Inner {
                encoding: EncodingKey::from_secret(config.jwt_secret.as_bytes()),
                decoding: DecodingKey::from_secret(config.jwt_secret.as_bytes()),
                validation,
                issuer: config.jwt_issuer.clone(),
                audience: config.jwt_audience.clone(),
                ttl: Duration::seconds(config.access_token_ttl_secs),
            }),
        }
    }

    pub fn issue(&self, user_id: Uuid, session_id: Uuid) -> AppResult<(String, DateTime<Utc>)> {
        let now = Utc::now();
        let expires = now + self.inner.ttl;
        let claims = Claims {
            sub: user_id.to_string(),
            sid: session_id.to_string(),
            iss: self.inner.issuer.clone(),
            aud: self.inner.audience.clone(),
            exp: expires.timestamp(),
            iat: now.timestamp(),
        };
        let token = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.inner.encoding,
        )
        .map_err(AppError::internal)?;
        Ok((token, expires))
    }

    /// The user and session a valid token names. Expiry is told apart so clients know to
    /// refresh.
    pub fn verify(&self, token: &str) -> AppResult<Verified> {
        let data =
            decode::<Claims>(token, &self.inner.decoding, &self.inner.validation).map_err(|e| {
                match e.kind() {
                    ErrorKind::ExpiredSignature => {
                        AppError::unauthenticated("TOKEN_EXPIRED", "the access token has expired")
                    }
                    _ => {
                        AppError::unauthenticated("INVALID_TOKEN", "the access token is not valid")
                    }
                }
            })?;
        let invalid =
            |_| AppError::unauthenticated("INVALID_TOKEN", "the access token is not valid");
        Ok(Verified {
            user_id: Uuid::parse_str(&data.claims.sub).map_err(invalid)?,
            session_id: Uuid::parse_str(&data.claims.sid).map_err(invalid)?,
        })
    }
}
