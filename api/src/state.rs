//! What every request handler shares: the database pool, configuration and keys.

use crate::auth::jwt::JwtKeys;
use crate::auth::password::Passwords;
use crate::config::Config;
use crate::db::DbMetrics;
use crate::error::AppResult;
use domain::role::RoleSettings;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub jwt: JwtKeys,
    pub passwords: Passwords,
    /// The company's settings as this process last read them from the database.
    pub settings: crate::service::settings::Live,
    pub db_metrics: Arc<DbMetrics>,
    /// What each kind of background job does.
    pub jobs: Arc<crate::service::jobs::Registry>,
}

impl AppState {
    pub fn new(
        db: DatabaseConnection,
        config: Config,
        db_metrics: Arc<DbMetrics>,
    ) -> AppResult<AppState> {
        let passwords = Passwords::new(config.argon2_memory_kib, config.argon2_iterations)?;
        let state = AppState {
            jwt: JwtKeys::new(&config),
            settings: crate::service::settings::Live::new(crate::service::settings::from_config(
                &config,
            )),
            db_metrics,
            db,
            passwords,
            config: Arc::new(config),
            jobs: Arc::default(),
        };
        crate::service::jobs::register_builtin(&state);
        Ok(state)
    }

    /// The role settings in force now.
    pub fn role_settings(&self) -> RoleSettings {
        self.settings.get().roles()
    }
}
