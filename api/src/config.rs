//! Configuration: one typed struct read from `GUANXI_*` environment variables and
//! `DATABASE_URL`, with defaults that serve a developer.

use std::net::SocketAddr;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub environment: Environment,
    pub bind: SocketAddr,
    pub database_url: String,
    pub db_max_connections: u32,
    pub log_format: LogFormat,
    pub jwt_secret: String,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_token_ttl_secs: i64,
    pub refresh_token_ttl_secs: i64,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub graphiql: bool,
    pub introspection: bool,
    pub cors_origins: Vec<String>,
    pub cors_allow_headers: Vec<String>,
    pub cors_max_age_secs: u64,
    pub max_body_bytes: usize,
    pub max_upload_bytes: usize,
    pub max_query_bytes: usize,
    pub max_query_depth: usize,
    pub max_query_complexity: usize,
    pub max_batch_size: usize,
    pub max_aliases: usize,
    pub max_selections: u64,
    pub max_input_list: usize,
    pub max_filter_values: usize,
    pub max_exports_per_request: u64,
    pub login_max_failures: u64,
    pub request_timeout_secs: u64,
    pub db_statement_timeout_ms: u64,
    pub login_max_failures_per_ip: u64,
    /// Operations per minute; 0 switches a limit off.
    pub rate_limit_per_ip: u32,
    pub rate_limit_per_user: u32,
    pub rate_limit_sign_in: u32,
    pub max_directives: usize,
    pub max_recursive_depth: usize,
    pub max_page_size: u64,
    pub trace_resolvers: bool,
    /// Job workers inside `guanxi serve` (0: none; `guanxi worker` runs them alone).
    pub workers: usize,
    /// Customers `exportCustomers` may return inline; more need `startCustomerExport`.
    pub export_max_inline_rows: u64,
    pub job_poll_ms: u64,
    pub job_lease_secs: u64,
    pub job_retry_base_ms: u64,
    pub job_max_attempts: u32,
    pub login_max_delay_secs: i64,
    pub trusted_proxy_hops: usize,
    pub login_window_secs: i64,
    pub base_currency: String,
    pub pool_days: i64,
    /// How often a replica checks the stored settings for a change.
    pub settings_refresh_ms: u64,
    pub pool_max_owned: u64,
    pub pool_sweep_secs: u64,
    pub sales_can_delete: bool,
    pub import_max_rows: usize,
    /// Rows `importCustomers` takes in one request; larger files go to `startCustomerImport`.
    pub import_max_inline_rows: usize,
    /// Seed the demo company when `serve` starts on an empty database.
    pub demo_data: bool,
}

/// A configuration error always names the variable at fault.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

const DEV_JWT_SECRET: &str = "guanxi-development-secret-do-not-use-in-production";

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the configuration through `lookup`, so tests can supply their own variables.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let env = Vars(&lookup);
        let environment = match env.raw("GUANXI_ENV").as_deref() {
            None | Some("development") | Some("dev") => Environment::Development,
            Some("production") | Some("prod") => Environment::Production,
            Some(other) => {
                return Err(ConfigError {
                    variable: "GUANXI_ENV",
                    message: format!("expected development or production, got {other:?}"),
                });
            }
        };
        let production = environment == Environment::Production;
        let jwt_secret = match (env.raw("GUANXI_JWT_SECRET"), production) {
            (Some(s), true) if s.len() < 32 => {
                return Err(ConfigError {
                    variable: "GUANXI_JWT_SECRET",
                    message: "must be at least 32 bytes in production".into(),
                });
            }
            (None, true) => {
                return Err(ConfigError {
                    variable: "GUANXI_JWT_SECRET",
                    message: "is required in production".into(),
                });
            }
            (Some(s), _) => s,
            (None, false) => DEV_JWT_SECRET.to_string(),
        };
        let log_format = match env.raw("GUANXI_LOG_FORMAT").as_deref() {
            None | Some("pretty") | Some("text") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError {
                    variable: "GUANXI_LOG_FORMAT",
                    message: format!("expected pretty or json, got {other:?}"),
                });
            }
        };
        let cors_origins = env.list("GUANXI_CORS_ORIGINS", "");
        let cors_allow_headers = env.list("GUANXI_CORS_ALLOW_HEADERS", DEFAULT_CORS_HEADERS);
        if let Some(bad) = cors_allow_headers
            .iter()
            .find(|h| axum::http::HeaderName::from_bytes(h.as_bytes()).is_err())
        {
            return Err(ConfigError {
                variable: "GUANXI_CORS_ALLOW_HEADERS",
                message: format!("{bad:?} is not a header name"),
            });
        }
        let config = Config {
            environment,
            bind: env.parse("GUANXI_BIND", "127.0.0.1:8080")?,
            database_url: env
                .raw("DATABASE_URL")
                .unwrap_or_else(|| "sqlite://guanxi.db?mode=rwc".into()),
            db_max_connections: env.parse("GUANXI_DB_MAX_CONNECTIONS", "10")?,
            log_format,
            jwt_secret,
            jwt_issuer: env
                .raw("GUANXI_JWT_ISSUER")
                .unwrap_or_else(|| "guanxi".into()),
            jwt_audience: env
                .raw("GUANXI_JWT_AUDIENCE")
                .unwrap_or_else(|| "guanxi-api".into()),
            access_token_ttl_secs: env.parse("GUANXI_ACCESS_TOKEN_TTL_SECS", "900")?,
            refresh_token_ttl_secs: env.parse("GUANXI_REFRESH_TOKEN_TTL_SECS", "2592000")?,
            argon2_memory_kib: env.parse("GUANXI_ARGON2_MEMORY_KIB", "19456")?,
            argon2_iterations: env.parse("GUANXI_ARGON2_ITERATIONS", "2")?,
            graphiql: env.parse_bool("GUANXI_GRAPHIQL", !production)?,
            introspection: env.parse_bool("GUANXI_INTROSPECTION", !production)?,
            cors_origins,
            cors_allow_headers,
            cors_max_age_secs: env.parse("GUANXI_CORS_MAX_AGE_SECS", "600")?,
            max_body_bytes: env.parse("GUANXI_MAX_BODY_BYTES", "1048576")?,
            max_upload_bytes: env.parse("GUANXI_MAX_UPLOAD_BYTES", "33554432")?,
            max_query_bytes: env.parse("GUANXI_MAX_QUERY_BYTES", "32768")?,
            max_query_depth: env.parse("GUANXI_MAX_QUERY_DEPTH", "12")?,
            max_query_complexity: env.parse("GUANXI_MAX_QUERY_COMPLEXITY", "5000")?,
            max_batch_size: env.parse("GUANXI_MAX_BATCH_SIZE", "10")?,
            max_aliases: env.parse("GUANXI_MAX_ALIASES", "100")?,
            max_selections: env.parse("GUANXI_MAX_SELECTIONS", "2000")?,
            max_input_list: env.parse("GUANXI_MAX_INPUT_LIST", "10000")?,
            max_filter_values: env.parse("GUANXI_MAX_FILTER_VALUES", "100")?,
            max_exports_per_request: env.parse("GUANXI_MAX_EXPORTS_PER_REQUEST", "1")?,
            login_max_failures: env.parse("GUANXI_LOGIN_MAX_FAILURES", "10")?,
            request_timeout_secs: env.parse("GUANXI_REQUEST_TIMEOUT_SECS", "60")?,
            db_statement_timeout_ms: env.parse("GUANXI_DB_STATEMENT_TIMEOUT_MS", "30000")?,
            login_max_failures_per_ip: env.parse("GUANXI_LOGIN_MAX_FAILURES_PER_IP", "50")?,
            rate_limit_per_ip: env.parse("GUANXI_RATE_LIMIT_PER_IP", "3000")?,
            rate_limit_per_user: env.parse("GUANXI_RATE_LIMIT_PER_USER", "1200")?,
            rate_limit_sign_in: env.parse("GUANXI_RATE_LIMIT_SIGN_IN", "60")?,
            max_directives: env.parse("GUANXI_MAX_DIRECTIVES", "10")?,
            max_recursive_depth: env.parse("GUANXI_MAX_RECURSIVE_DEPTH", "32")?,
            max_page_size: env.parse("GUANXI_MAX_PAGE_SIZE", "100")?,
            trace_resolvers: env.parse_bool("GUANXI_TRACE_RESOLVERS", false)?,
            workers: env.parse("GUANXI_WORKERS", "1")?,
            export_max_inline_rows: env.parse("GUANXI_EXPORT_MAX_INLINE_ROWS", "10000")?,
            job_poll_ms: env.parse("GUANXI_JOB_POLL_MS", "1000")?,
            job_lease_secs: env.parse("GUANXI_JOB_LEASE_SECS", "60")?,
            job_retry_base_ms: env.parse("GUANXI_JOB_RETRY_BASE_MS", "1000")?,
            job_max_attempts: env.parse("GUANXI_JOB_MAX_ATTEMPTS", "5")?,
            login_max_delay_secs: env.parse("GUANXI_LOGIN_MAX_DELAY_SECS", "60")?,
            trusted_proxy_hops: env.parse("GUANXI_TRUSTED_PROXY_HOPS", "0")?,
            login_window_secs: env.parse("GUANXI_LOGIN_WINDOW_SECS", "900")?,
            base_currency: env
                .raw("GUANXI_BASE_CURRENCY")
                .unwrap_or_else(|| "CNY".into()),
            pool_days: env.parse("GUANXI_POOL_DAYS", "30")?,
            settings_refresh_ms: env.parse("GUANXI_SETTINGS_REFRESH_MS", "2000")?,
            pool_max_owned: env.parse("GUANXI_POOL_MAX_OWNED", "2000")?,
            pool_sweep_secs: env.parse("GUANXI_POOL_SWEEP_SECS", "300")?,
            sales_can_delete: env.parse_bool("GUANXI_SALES_CAN_DELETE", false)?,
            import_max_rows: env.parse("GUANXI_IMPORT_MAX_ROWS", "200000")?,
            import_max_inline_rows: env.parse("GUANXI_IMPORT_MAX_INLINE_ROWS", "50000")?,
            demo_data: env.parse_bool("GUANXI_DEMO_DATA", !production)?,
        };
        if !(1..=crate::pagination::PAGE_SIZE_CEILING).contains(&config.max_page_size) {
            return Err(ConfigError {
                variable: "GUANXI_MAX_PAGE_SIZE",
                message: format!(
                    "must be between 1 and {}",
                    crate::pagination::PAGE_SIZE_CEILING
                ),
            });
        }
        if config.argon2_memory_kib < 8 {
            return Err(ConfigError {
                variable: "GUANXI_ARGON2_MEMORY_KIB",
                message: "must be at least 8".into(),
            });
        }
        Ok(config)
    }

    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }
}

/// What browser clients commonly send: auth and content type, our request id, W3C tracing and
/// the Apollo client-awareness headers.
const DEFAULT_CORS_HEADERS: &str = "authorization, content-type, x-request-id, traceparent, \
    tracestate, apollographql-client-name, apollographql-client-version, \
    apollo-require-preflight, x-apollo-operation-name";

struct Vars<'a, F: Fn(&str) -> Option<String>>(&'a F);

impl<F: Fn(&str) -> Option<String>> Vars<'_, F> {
    fn raw(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|v| !v.trim().is_empty())
    }

    /// A comma-separated list, trimmed, without empty items.
    fn list(&self, name: &str, default: &str) -> Vec<String> {
        self.raw(name)
            .unwrap_or_else(|| default.to_string())
            .split(',')
            .map(|o| o.trim().to_ascii_lowercase())
            .filter(|o| !o.is_empty())
            .collect()
    }

    fn parse<T: FromStr>(&self, name: &'static str, default: &str) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        let value = self.raw(name).unwrap_or_else(|| default.to_string());
        value.trim().parse().map_err(|e| ConfigError {
            variable: name,
            message: format!("cannot parse {value:?}: {e}"),
        })
    }

    fn parse_bool(&self, name: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self.raw(name).map(|v| v.trim().to_lowercase()).as_deref() {
            None => Ok(default),
            Some("1" | "true" | "yes" | "on") => Ok(true),
            Some("0" | "false" | "no" | "off") => Ok(false),
            Some(other) => Err(ConfigError {
                variable: name,
                message: format!("expected true or false, got {other:?}"),
            }),
        }
    }
}

#[cfg(test)]
impl Config {
    /// The defaults, as a developer gets them.
    pub(crate) fn for_tests() -> Config {
        Config::from_lookup(|_| None).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_serve_a_developer() {
        let c = with(&[]).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert!(c.graphiql && c.introspection);
        assert_eq!(c.database_url, "sqlite://guanxi.db?mode=rwc");
    }

    #[test]
    fn production_needs_a_strong_secret_and_hides_graphiql() {
        let e = with(&[("GUANXI_ENV", "production")]).unwrap_err();
        assert_eq!(e.variable, "GUANXI_JWT_SECRET");
        let e = with(&[("GUANXI_ENV", "production"), ("GUANXI_JWT_SECRET", "short")]).unwrap_err();
        assert_eq!(e.variable, "GUANXI_JWT_SECRET");
        let c = with(&[
            ("GUANXI_ENV", "production"),
            ("GUANXI_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ])
        .unwrap();
        assert!(!c.graphiql && !c.introspection);
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let e = with(&[("GUANXI_BIND", "nowhere")]).unwrap_err();
        assert_eq!(e.variable, "GUANXI_BIND");
        let e = with(&[("GUANXI_CORS_ALLOW_HEADERS", "content-type, bad header")]).unwrap_err();
        assert_eq!(e.variable, "GUANXI_CORS_ALLOW_HEADERS");
        let e = with(&[("GUANXI_GRAPHIQL", "maybe")]).unwrap_err();
        assert_eq!(e.variable, "GUANXI_GRAPHIQL");
    }
}
