//! The one error type of the service and its mapping to stable GraphQL error codes.
//!
//! `AppError` deliberately does not implement `Display`: async-graphql converts anything
//! displayable into an error with its text, which would bypass this mapping and could
//! leak database details. Every conversion to a client error goes through `to_graphql`.

use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, SqlErr, TransactionError};
use serde_json::Value;

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug)]
pub enum AppError {
    /// No valid credentials. `reason` tells clients what to do (e.g. `TOKEN_EXPIRED`: refresh).
    Unauthenticated {
        reason: &'static str,
        message: String,
    },
    Forbidden(String),
    /// Also what a record the actor may not see looks like: existence is never leaked.
    NotFound(String),
    Validation {
        field: String,
        message: String,
    },
    Conflict {
        message: String,
        details: Option<Value>,
    },
    BusinessRule {
        rule: &'static str,
        message: String,
    },
    /// Try again after this many seconds.
    RateLimited {
        retry_after_secs: u64,
    },
    /// Logged with the request id; the client sees only `INTERNAL`.
    Internal(String),
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated { .. } => "UNAUTHENTICATED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::Validation { .. } => "VALIDATION",
            AppError::Conflict { .. } => "CONFLICT",
            AppError::BusinessRule { .. } => "BUSINESS_RULE",
            AppError::RateLimited { .. } => "RATE_LIMITED",
            AppError::Internal(_) => "INTERNAL",
        }
    }

    pub fn unauthenticated(reason: &'static str, message: impl Into<String>) -> AppError {
        AppError::Unauthenticated {
            reason,
            message: message.into(),
        }
    }

    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(what: &str) -> AppError {
        AppError::NotFound(format!("{what} not found"))
    }

    pub fn forbidden(message: impl Into<String>) -> AppError {
        AppError::Forbidden(message.into())
    }

    pub fn conflict(message: impl Into<String>) -> AppError {
        AppError::Conflict {
            message: message.into(),
            details: None,
        }
    }

    pub fn rule(rule: &'static str, message: impl Into<String>) -> AppError {
        AppError::BusinessRule {
            rule,
            message: message.into(),
        }
    }

    pub fn internal(cause: impl std::fmt::Debug) -> AppError {
        AppError::Internal(format!("{cause:?}"))
    }

    /// The stale-`version` error every update returns.
    pub fn stale(what: &str) -> AppError {
        AppError::conflict(format!(
            "{what} was changed by someone else; reload it and apply your change again"
        ))
    }

    pub fn message(&self) -> String {
        match self {
            AppError::Unauthenticated { message, .. } => message.clone(),
            AppError::Forbidden(m) | AppError::NotFound(m) => m.clone(),
            AppError::Validation { field, message } => format!("{field}: {message}"),
            AppError::Conflict { message, .. } | AppError::BusinessRule { message, .. } => {
                message.clone()
            }
            AppError::RateLimited { retry_after_secs } => {
                format!("too many attempts; try again in {retry_after_secs} s")
            }
            AppError::Internal(_) => "internal error".into(),
        }
    }

    pub fn to_graphql(&self) -> async_graphql::Error {
        if let AppError::Internal(cause) = self {
            tracing::error!(%cause, "internal error");
        }
        async_graphql::Error::new(self.message()).extend_with(|_, e| {
            e.set("code", self.code());
            match self {
                AppError::Unauthenticated { reason, .. } => e.set("reason", *reason),
                AppError::Validation { field, .. } => e.set("field", field.as_str()),
                AppError::BusinessRule { rule, .. } => e.set("rule", *rule),
                AppError::RateLimited { retry_after_secs } => {
                    e.set("retryAfter", *retry_after_secs)
                }
                AppError::Conflict {
                    details: Some(d), ..
                } => {
                    if let Ok(v) = async_graphql::Value::from_json(d.clone()) {
                        e.set("details", v);
                    }
                }
                _ => {}
            }
        })
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(e: AppError) -> Self {
        e.to_graphql()
    }
}

impl From<DbErr> for AppError {
    fn from(e: DbErr) -> Self {
        AppError::internal(e)
    }
}

impl From<TransactionError<AppError>> for AppError {
    fn from(e: TransactionError<AppError>) -> Self {
        match e {
            TransactionError::Connection(db) => db.into(),
            TransactionError::Transaction(app) => app,
        }
    }
}

/// Names the unique index a database error violated, if that is what it is.
pub fn violated_unique(e: &DbErr) -> Option<String> {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(msg)) => Some(msg),
        _ => None,
    }
}

impl From<domain::text::TextError> for AppError {
    fn from(e: domain::text::TextError) -> Self {
        AppError::validation("input", e.to_string())
    }
}

/// Attaches the field name to a domain validation error.
pub trait FieldContext<T> {
    fn field(self, field: &str) -> AppResult<T>;
}

impl<T, E: std::fmt::Display> FieldContext<T> for Result<T, E> {
    fn field(self, field: &str) -> AppResult<T> {
        self.map_err(|e| AppError::validation(field, e.to_string()))
    }
}
