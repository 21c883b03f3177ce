//! The `guanxi` command line.

use crate::config::Config;
use crate::startup::Application;
use crate::state::AppState;
use crate::{db, graphql, seed, service};
use anyhow::{Context, anyhow};
use clap::{Parser, Subcommand};
use domain::role::Role;
use migration::{Migrator, MigratorTrait};

#[derive(Parser)]
#[command(name = "guanxi", version, about = "Guanxi CRM: a GraphQL CRM backend")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run pending migrations, then serve the API (the default).
    Serve,
    /// Run pending migrations and exit.
    Migrate,
    /// Run background job workers only, without the API (`GUANXI_WORKERS` of them, at least
    /// one), until SIGTERM or Ctrl-C.
    Worker,
    /// Print the GraphQL schema (SDL) to stdout.
    Schema,
    /// Create or refresh the demo company (idempotent) and print its sign-ins.
    SeedDemo,
    /// Create a user, typically the first administrator of an empty database.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// ADMIN, MANAGER, SALES, FINANCE or WAREHOUSE.
        #[arg(long, default_value = "ADMIN")]
        role: String,
        /// Read from GUANXI_NEW_USER_PASSWORD so it stays out of shell history.
        #[arg(long, env = "GUANXI_NEW_USER_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

pub async fn run(cli: Cli, config: Config) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let demo = config.demo_data;
            let app = Application::build(config).await?;
            if demo && seed::is_empty(app.state()).await.unwrap_or(false) {
                let report = seed::seed_demo(app.state())
                    .await
                    .map_err(|e| anyhow!("seeding failed: {}", e.message()))?;
                println!("{report}");
            }
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            let conn = db::connect(&config).await?;
            Migrator::up(&conn, None).await?;
            println!("migrations applied");
        }
        Command::Worker => {
            let state = migrated_state(config).await?;
            service::jobs::schedule_all(&state)
                .await
                .map_err(|e| anyhow!("cannot schedule background tasks: {}", e.message()))?;
            let count = state.config.workers.max(1);
            let fresh = service::settings::keep_fresh(state.clone());
            let workers = service::jobs::run_workers(state, count).await;
            tracing::info!(count, "job workers running");
            crate::startup::shutdown_signal().await;
            // A job cut short here is claimed again once its lease runs out.
            workers.iter().for_each(|w| w.abort());
            fresh.abort();
        }
        Command::Schema => print!("{}", graphql::sdl(&config)),
        Command::SeedDemo => {
            let state = migrated_state(config).await?;
            let report = seed::seed_demo(&state)
                .await
                .map_err(|e| anyhow!("seeding failed: {}", e.message()))?;
            println!("{report}");
        }
        Command::CreateUser {
            email,
            name,
            role,
            password,
        } => {
            let role = Role::parse(&role).ok_or_else(|| anyhow!("unknown role {role}"))?;
            let state = migrated_state(config).await?;
            let user = service::users::create(
                &state.db,
                &state.passwords,
                None,
                service::users::NewUser {
                    email,
                    display_name: name,
                    phone: None,
                    role,
                    manager_id: None,
                    password,
                },
            )
            .await
            .map_err(|e| anyhow!("{}: {}", e.code(), e.message()))?;
            println!("created {} ({})", user.email, user.role);
        }
    }
    Ok(())
}

async fn migrated_state(config: Config) -> anyhow::Result<AppState> {
    let conn = db::connect(&config)
        .await
        .context("cannot connect to the database")?;
    Migrator::up(&conn, None).await?;
    let state =
        AppState::new(conn, config, Default::default()).map_err(|e| anyhow!("{}", e.message()))?;
    service::settings::load(&state)
        .await
        .map_err(|e| anyhow!("cannot read the settings: {}", e.message()))?;
    Ok(state)
}
