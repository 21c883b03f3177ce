//! `spawn_app()`: the real server on a free loopback port against a fresh database, and a
//! small typed client for it.

use guanxi::config::Config;
use guanxi::startup::Application;
use guanxi::state::AppState;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::OnceLock;
use uuid::Uuid;

pub use domain::role::Role;

pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";
pub const PASSWORD: &str = "Correct-Horse-42";

pub struct TestApp {
    pub address: String,
    pub state: AppState,
    pub client: reqwest::Client,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: Uuid,
    pub gid: String,
    pub email: String,
    pub token: String,
}

fn init_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var("TEST_LOG").is_ok() {
            guanxi::telemetry::init(guanxi::config::LogFormat::Pretty);
        }
    });
}

/// A fresh database: a new PostgreSQL database when `GUANXI_TEST_POSTGRES_URL` names a
/// server (the README's test command sets it), else a new SQLite file.
async fn fresh_database_url() -> String {
    let name = format!("gx_{}", Uuid::new_v4().simple());
    match std::env::var("GUANXI_TEST_POSTGRES_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let admin = Database::connect(&admin_url)
                .await
                .expect("connect to the PostgreSQL test server");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create a test database");
            let _ = admin.close().await;
            let base = admin_url
                .rsplit_once('/')
                .map(|(b, _)| b.to_string())
                .unwrap_or(admin_url);
            format!("{base}/{name}")
        }
        _ => {
            let dir = std::env::temp_dir().join("guanxi-tests");
            std::fs::create_dir_all(&dir).expect("create the test directory");
            format!("sqlite://{}/{name}.db?mode=rwc", dir.display())
        }
    }
}

pub fn test_config(database_url: String, extra: &[(&str, &str)]) -> Config {
    let mut vars: HashMap<String, String> = [
        ("GUANXI_BIND", "127.0.0.1:0"),
        ("GUANXI_JWT_SECRET", JWT_SECRET),
        ("GUANXI_ARGON2_MEMORY_KIB", "256"),
        ("GUANXI_ARGON2_ITERATIONS", "1"),
        ("GUANXI_DB_MAX_CONNECTIONS", "4"),
        ("GUANXI_DEMO_DATA", "false"),
        // Rate limits have tests of their own; elsewhere they would decide outcomes that the
        // tests are about.
        ("GUANXI_RATE_LIMIT_PER_IP", "0"),
        ("GUANXI_RATE_LIMIT_PER_USER", "0"),
        ("GUANXI_RATE_LIMIT_SIGN_IN", "0"),
        // Tests run jobs one at a time with `work_once`; `jobs.rs` starts real workers.
        ("GUANXI_WORKERS", "0"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    vars.insert("DATABASE_URL".into(), database_url);
    for (k, v) in extra {
        vars.insert(k.to_string(), v.to_string());
    }
    Config::from_lookup(|k| vars.get(k).cloned()).expect("test configuration")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    init_logs();
    let config = test_config(fresh_database_url().await, extra);
    let app = Application::build(config).await.expect("build the app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    let server = tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        state,
        client: reqwest::Client::new(),
        server,
    }
}

impl TestApp {
    /// Stops the server and closes its database connections (for tests that start many apps
    /// in one runtime).
    pub async fn stop(self) {
        self.server.abort();
        let _ = self.server.await;
        let _ = self.state.db.close_by_ref().await;
    }

    /// Posts a GraphQL operation and returns the whole JSON response.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
            .await
            .expect("send")
            .json()
            .await
            .expect("JSON body")
    }

    /// Like `gql` as `user`, asserting there were no errors; returns `data`.
    pub async fn ok(&self, user: &TestUser, query: &str, variables: Value) -> Value {
        let r = self.gql(Some(&user.token), query, variables).await;
        assert!(r.get("errors").is_none(), "unexpected errors: {r:#}");
        r["data"].clone()
    }

    /// Creates a user directly (arrange step) and signs them in.
    pub async fn user(&self, role: Role, manager: Option<&TestUser>) -> TestUser {
        let email = format!(
            "{}-{}@example.com",
            role.as_str().to_lowercase(),
            Uuid::new_v4().simple()
        );
        let model = guanxi::service::users::create(
            &self.state.db,
            &self.state.passwords,
            None,
            guanxi::service::users::NewUser {
                email: email.clone(),
                display_name: format!("{} {}", role.as_str(), &email[..12]),
                phone: None,
                role,
                manager_id: manager.map(|m| m.id),
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("create user: {}", e.message()));
        let token = guanxi::service::session::start(&self.state, &self.state.db, model.clone())
            .await
            .unwrap_or_else(|e| panic!("start a session: {}", e.message()))
            .access_token;
        TestUser {
            id: model.id,
            gid: guanxi::graphql::ids::encode("User", model.id).0,
            email,
            token,
        }
    }

    pub async fn admin(&self) -> TestUser {
        self.user(Role::Admin, None).await
    }
}

/// The `extensions.code` of the first error.
pub fn code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error, got {response:#}"))
}

pub fn ext<'a>(response: &'a Value, key: &str) -> &'a Value {
    &response["errors"][0]["extensions"][key]
}

pub const CREATE_CUSTOMER: &str = "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { clientMutationId customer { id name version inPool owner { id } contacts { id name isPrimary } creditLimit { amount currency } } } }";

impl TestApp {
    /// Creates a customer as `user` through the API; returns its global id.
    pub async fn customer(&self, user: &TestUser, name: &str) -> String {
        let d = self
            .ok(
                user,
                CREATE_CUSTOMER,
                json!({ "i": { "customer": { "name": name } } }),
            )
            .await;
        d["createCustomer"]["customer"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Ids of the customers `user` sees in the list, and the list's `totalCount`.
    pub async fn visible_customers(&self, user: &TestUser, filter: Value) -> (Vec<String>, u64) {
        let d = self
            .ok(
                user,
                "query($f: CustomerFilterInput) { customers(first: 100, filter: $f) { totalCount edges { node { id } } } }",
                json!({ "f": filter }),
            )
            .await;
        let ids = d["customers"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_string())
            .collect();
        (ids, d["customers"]["totalCount"].as_u64().unwrap())
    }
}

pub fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

pub const IMPORT: &str = "mutation($i: ImportCustomersInput!) { importCustomers(input: $i) { dryRun committed totalRows created merged skipped failed issues { row outcome code field message } ignoredHeaders } }";

impl TestApp {
    /// Uploads a file to `importCustomers` with the GraphQL multipart request format.
    pub async fn import(
        &self,
        user: &TestUser,
        filename: &str,
        bytes: Vec<u8>,
        options: Value,
    ) -> Value {
        self.upload(user, IMPORT, filename, bytes, options).await
    }

    /// Sends `query` with `bytes` as the file of its input `$i`, the multipart way.
    pub async fn upload(
        &self,
        user: &TestUser,
        query: &str,
        filename: &str,
        bytes: Vec<u8>,
        options: Value,
    ) -> Value {
        let mut input = options;
        input["file"] = Value::Null;
        let operations = json!({ "query": query, "variables": { "i": input } });
        let form = reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", json!({ "0": ["variables.i.file"] }).to_string())
            .part(
                "0",
                reqwest::multipart::Part::bytes(bytes).file_name(filename.to_string()),
            );
        self.client
            .post(format!("{}/graphql", self.address))
            .bearer_auth(&user.token)
            .multipart(form)
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("JSON body")
    }
}
