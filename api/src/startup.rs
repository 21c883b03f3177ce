//! Building and running the application, the same way for `guanxi serve` and for tests.

use crate::config::Config;
use crate::state::AppState;
use crate::{db, graphql, http};
use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use tokio::net::TcpListener;

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    state: AppState,
    port: u16,
}

impl Application {
    /// Connects, runs pending migrations and binds the listener (port 0 picks a free port).
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let metrics = std::sync::Arc::new(db::DbMetrics::default());
        let conn = db::connect_with_metrics(&config, metrics.clone())
            .await
            .context("cannot connect to the database (DATABASE_URL)")?;
        Migrator::up(&conn, None)
            .await
            .context("cannot run database migrations")?;
        let listener = TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("cannot listen on {} (GUANXI_BIND)", config.bind))?;
        let port = listener.local_addr()?.port();
        let state =
            AppState::new(conn, config, metrics).map_err(|e| anyhow::anyhow!("{}", e.message()))?;
        crate::service::settings::load(&state)
            .await
            .map_err(|e| anyhow::anyhow!("cannot read the settings: {}", e.message()))?;
        crate::service::jobs::schedule_all(&state)
            .await
            .map_err(|e| anyhow::anyhow!("cannot schedule background tasks: {}", e.message()))?;
        let schema = graphql::build(state.clone());
        let router = http::router(schema, state.clone());
        Ok(Application {
            listener,
            router,
            state,
            port,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGTERM or Ctrl-C, letting in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        tracing::info!(port = self.port, "guanxi listening");
        // Workers and the settings refresher stop with the server, however the server future ends (including being
        // dropped); a job cut short is claimed again when its lease runs out.
        let mut _background: Vec<AbortOnDrop> =
            crate::service::jobs::run_workers(self.state.clone(), self.state.config.workers)
                .await
                .into_iter()
                .map(AbortOnDrop)
                .collect();
        _background.push(AbortOnDrop(crate::service::settings::keep_fresh(
            self.state.clone(),
        )));
        let app = self
            .router
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down; finishing in-flight requests");
}
