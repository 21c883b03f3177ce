//! A real `guanxi` server process for the soak and fault runs: started on a free port with
//! its own database, signalled and killed like an operator (or the kernel) would.

#![allow(dead_code)]

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub const DEMO_PASSWORD: &str = "Demo-Kehu-2026";

pub fn arg(name: &str) -> Option<String> {
    let mut args = std::env::args();
    while let Some(a) = args.next() {
        if a == name {
            return args.next();
        }
    }
    None
}

pub fn server_binary() -> PathBuf {
    arg("--server")
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("pass --server <path to the guanxi binary>"))
}

/// A scratch directory for one run (databases, server logs).
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("guanxi-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

pub struct Server {
    binary: PathBuf,
    pub database_url: String,
    env: Vec<(String, String)>,
    log: PathBuf,
    pub port: u16,
    pub base: String,
    child: Option<Child>,
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    l.local_addr().expect("its address").port()
}

impl Server {
    /// Starts the server on `database_url` (created and migrated on first start) and waits
    /// until it is ready.
    pub async fn start(
        binary: &Path,
        database_url: &str,
        dir: &Path,
        env: &[(&str, &str)],
    ) -> Server {
        let port = free_port();
        let mut s = Server {
            binary: binary.to_path_buf(),
            database_url: database_url.to_string(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            log: dir.join("server.log"),
            port,
            base: format!("http://127.0.0.1:{port}"),
            child: None,
        };
        s.spawn().await;
        s
    }

    async fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("server log");
        let mut cmd = Command::new(&self.binary);
        cmd.arg("serve")
            .env("DATABASE_URL", &self.database_url)
            .env("GUANXI_BIND", format!("127.0.0.1:{}", self.port))
            .env("GUANXI_DEMO_DATA", "true")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::from(log.try_clone().expect("log handle")))
            .stderr(Stdio::from(log));
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        self.child = Some(cmd.spawn().expect("start the server"));
        self.wait_ready().await;
    }

    async fn wait_ready(&self) {
        let client = reqwest::Client::new();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(120) {
            if let Ok(r) = client.get(format!("{}/readyz", self.base)).send().await
                && r.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "the server did not become ready; see {}",
            self.log.display()
        );
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// SIGKILL: no shutdown code runs, as when the machine loses power or the OOM killer strikes.
    pub fn kill9(&mut self) {
        let mut child = self.child.take().expect("running");
        child.kill().expect("SIGKILL");
        let _ = child.wait();
    }

    pub fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits for the process to end by itself.
    pub async fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        let child = self.child.as_mut()?;
        while started.elapsed() < limit {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    pub async fn restart(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        self.spawn().await;
    }

    /// Resident memory of the server process, in KiB (Linux).
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// One GraphQL answer: the HTTP status and the body (`Value::Null` when it was not JSON).
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    pub fn ok(&self) -> bool {
        self.status == 200 && self.body.get("errors").is_none() && self.body.get("data").is_some()
    }

    pub fn code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"].as_str()
    }
}

pub async fn gql(
    client: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    ip: &str,
    query: &str,
    variables: Value,
) -> reqwest::Result<Answer> {
    let mut req = client
        .post(format!("{base}/graphql"))
        .header("x-forwarded-for", ip)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await?;
    let status = r.status().as_u16();
    let text = r.text().await?;
    Ok(Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    })
}

/// Signs a demo user in and returns the access token.
pub async fn sign_in(client: &reqwest::Client, base: &str, email: &str) -> String {
    let a = gql(
        client,
        base,
        None,
        "127.0.0.1",
        "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken } }",
        json!({ "e": email, "p": DEMO_PASSWORD }),
    )
    .await
    .expect("sign in");
    a.body["data"]["login"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("sign-in of {email} failed: {}", a.body))
        .to_string()
}

/// The `p`-th percentile of sorted samples.
pub fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = (sorted.len() * p).div_ceil(100).saturating_sub(1);
    sorted[i.min(sorted.len() - 1)]
}
