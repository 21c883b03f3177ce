//! A soak run against a real server process on loopback: honest clients reading and writing
//! at a steady pace, hostile clients sending what the limits exist for, a prober timing
//! `/healthz` every 100 ms and a sampler reading the server's resident memory. Passes when no
//! honest request failed, no request got a 5xx, `/healthz` p99 stayed under 50 ms and memory
//! stayed flat; then SIGTERM must end the server with exit code 0.
//!
//! `scripts/soak [seconds]` builds a release server and runs this (300 s by default).

mod support;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use support::*;
use tokio::sync::Mutex;

const HONEST_USERS: [&str; 8] = [
    "sales1@guanxi.demo",
    "sales2@guanxi.demo",
    "sales3@guanxi.demo",
    "sales4@guanxi.demo",
    "sales5@guanxi.demo",
    "sales6@guanxi.demo",
    "manager@guanxi.demo",
    "director@guanxi.demo",
];

const LIST: &str = "query($after: String) { customers(first: 20, after: $after) { totalCount pageInfo { endCursor hasNextPage } edges { node { id name version owner { displayName } contacts { name mobile } tags } } } }";
const SEARCH: &str = "query($q: String!) { customers(first: 10, filter: {search: $q}) { edges { node { id name } } } }";
const ONE: &str =
    "query($id: ID!) { customer(id: $id) { id name version notes contacts { name } } }";
const CREATE: &str =
    "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { customer { id version } } }";
const UPDATE: &str =
    "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { customer { id version } } }";

#[derive(Default)]
struct Tally {
    honest_ok: AtomicU64,
    hostile: AtomicU64,
    hostile_refused: AtomicU64,
    server_errors: AtomicU64,
    honest_failures: Mutex<Vec<String>>,
}

async fn honest(
    base: String,
    email: &'static str,
    worker: usize,
    until: Instant,
    tally: Arc<Tally>,
) {
    let client = reqwest::Client::new();
    let token = sign_in(&client, &base, email).await;
    let ip = format!("10.1.0.{worker}");
    let mut rng = StdRng::seed_from_u64(worker as u64);
    let mut mine: Vec<(String, i64)> = Vec::new();
    let mut n = 0u64;
    while Instant::now() < until {
        n += 1;
        let pick = rng.random_range(0..100);
        let (query, vars) = if pick < 35 || mine.is_empty() && pick >= 85 {
            (LIST, json!({}))
        } else if pick < 50 {
            let q = ["客户", "贸易", "zhang", "138", "soak"][rng.random_range(0..5)];
            (SEARCH, json!({ "q": q }))
        } else if pick < 65 && !mine.is_empty() {
            let (id, _) = &mine[rng.random_range(0..mine.len())];
            (ONE, json!({ "id": id }))
        } else if pick < 85 {
            (
                CREATE,
                json!({ "i": {
                "customer": { "name": format!("soak{worker}-{n}"), "tags": ["soak"] },
                "primaryContact": { "name": format!("联系人{n}"), "mobile": format!("139{:08}", worker * 10_000_000 + n as usize % 10_000_000) },
            } }),
            )
        } else {
            let i = rng.random_range(0..mine.len());
            let (id, version) = mine[i].clone();
            (
                UPDATE,
                json!({ "i": { "id": id, "version": version, "customer": { "notes": format!("soak note {n}") } } }),
            )
        };
        match gql(&client, &base, Some(&token), &ip, query, vars).await {
            Ok(a) if a.ok() => {
                tally.honest_ok.fetch_add(1, Ordering::Relaxed);
                if query == CREATE {
                    let c = &a.body["data"]["createCustomer"]["customer"];
                    mine.push((
                        c["id"].as_str().unwrap_or_default().to_string(),
                        c["version"].as_i64().unwrap_or(1),
                    ));
                } else if query == UPDATE {
                    let c = &a.body["data"]["updateCustomer"]["customer"];
                    if let Some(m) = mine.iter_mut().find(|m| c["id"] == m.0.as_str()) {
                        m.1 = c["version"].as_i64().unwrap_or(m.1);
                    }
                }
            }
            Ok(a) => {
                if a.status >= 500 {
                    tally.server_errors.fetch_add(1, Ordering::Relaxed);
                }
                tally
                    .honest_failures
                    .lock()
                    .await
                    .push(format!("{email}: {} {}", a.status, a.body));
            }
            Err(e) => tally
                .honest_failures
                .lock()
                .await
                .push(format!("{email}: {e}")),
        }
        // About 12 operations a second per user, a busy person's app.
        tokio::time::sleep(Duration::from_millis(80)).await;
    }
}

fn fragment_bomb(depth: usize) -> String {
    let mut q = format!("query {{ ...F{depth} }}\nfragment F0 on QueryRoot {{ __typename }}\n");
    for i in 1..=depth {
        q.push_str(&format!(
            "fragment F{i} on QueryRoot {{ ...F{p} ...F{p} }}\n",
            p = i - 1
        ));
    }
    q
}

async fn hostile(base: String, worker: usize, until: Instant, tally: Arc<Tally>) {
    let client = reqwest::Client::new();
    let stolen = sign_in(&client, &base, "sales1@guanxi.demo").await;
    let mut rng = StdRng::seed_from_u64(1000 + worker as u64);
    let mut n = 0u32;
    while Instant::now() < until {
        n = n.wrapping_add(1);
        let ip = format!("10.2.{}.{}", worker, n % 250);
        let tags: Vec<String> = (0..20_000).map(|i| format!("t{i}")).collect();
        let deep = format!("{{ me {}{} }}", "{ manager ".repeat(40), "}".repeat(40));
        let aliases: String = (0..500).map(|i| format!("a{i}: __typename ")).collect();
        let (token, body): (Option<&str>, Value) = match rng.random_range(0..8) {
            0 => (None, json!({ "query": fragment_bomb(30) })),
            1 => (
                Some(&stolen),
                json!({ "query": "query($t: [String!]) { customers(filter: {tagsAny: $t}) { totalCount } }", "variables": { "t": tags } }),
            ),
            2 => (None, json!({ "query": deep })),
            3 => (Some("not-a-token"), json!({ "query": "{ me { id } }" })),
            4 => (
                None,
                json!({ "query": "mutation { login(input: {email: \"admin@guanxi.demo\", password: \"guess-1234567\"}) { accessToken } }" }),
            ),
            5 => (None, json!({ "query": format!("{{ {aliases} }}") })),
            6 => (
                None,
                Value::Array(vec![json!({ "query": "{ __typename }" }); 50]),
            ),
            _ => (
                None,
                json!({ "query": "{ customers(first: 100) { edges { node { id } } } " }),
            ),
        };
        let mut req = client
            .post(format!("{base}/graphql"))
            .header("x-forwarded-for", &ip)
            .json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        tally.hostile.fetch_add(1, Ordering::Relaxed);
        if let Ok(r) = req.send().await {
            let status = r.status().as_u16();
            if status >= 500 {
                tally.server_errors.fetch_add(1, Ordering::Relaxed);
            } else if status >= 400 || r.text().await.is_ok_and(|t| t.contains("\"errors\"")) {
                tally.hostile_refused.fetch_add(1, Ordering::Relaxed);
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn probe(base: String, until: Instant) -> (Vec<Duration>, u64) {
    let client = reqwest::Client::new();
    let mut samples = Vec::new();
    let mut failed = 0;
    while Instant::now() < until {
        let started = Instant::now();
        match client.get(format!("{base}/healthz")).send().await {
            Ok(r) if r.status().is_success() => samples.push(started.elapsed()),
            _ => failed += 1,
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (samples, failed)
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let secs: u64 = arg("--secs").and_then(|s| s.parse().ok()).unwrap_or(300);
    let dir = scratch("soak");
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}?mode=rwc", dir.join("soak.db").display()));
    let mut server = Server::start(
        &server_binary(),
        &url,
        &dir,
        &[
            ("GUANXI_TRUSTED_PROXY_HOPS", "1"),
            ("GUANXI_ENV", "development"),
        ],
    )
    .await;
    let tally = Arc::new(Tally::default());
    let until = Instant::now() + Duration::from_secs(secs);
    let mut workers = Vec::new();
    for (i, email) in HONEST_USERS.iter().enumerate() {
        workers.push(tokio::spawn(honest(
            server.base.clone(),
            email,
            i,
            until,
            tally.clone(),
        )));
    }
    for i in 0..2 {
        workers.push(tokio::spawn(hostile(
            server.base.clone(),
            i,
            until,
            tally.clone(),
        )));
    }
    let prober = tokio::spawn(probe(server.base.clone(), until));
    let mut rss = Vec::new();
    while Instant::now() < until {
        if let Some(kib) = server.rss_kib() {
            rss.push(kib);
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    for w in workers {
        let _ = w.await;
    }
    let (mut health, health_failed) = prober.await.expect("prober");
    health.sort_unstable();
    server.sigterm();
    let exit = server.wait_exit(Duration::from_secs(30)).await;

    // Memory is compared between the second fifth of the run (after warm-up) and the last.
    let fifth = rss.len() / 5;
    let early = median(rss.get(fifth..2 * fifth).unwrap_or_default().to_vec());
    let late = median(rss.get(4 * fifth..).unwrap_or_default().to_vec());
    let failures = tally.honest_failures.lock().await;
    let p50 = percentile(&health, 50);
    let p99 = percentile(&health, 99);
    let max = health.last().copied().unwrap_or_default();
    println!(
        "soak: {secs} s on {}",
        if url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    println!(
        "  honest operations: {} ok, {} failed",
        tally.honest_ok.load(Ordering::Relaxed),
        failures.len()
    );
    println!(
        "  hostile requests: {} sent, {} refused",
        tally.hostile.load(Ordering::Relaxed),
        tally.hostile_refused.load(Ordering::Relaxed)
    );
    println!(
        "  5xx answers: {}",
        tally.server_errors.load(Ordering::Relaxed)
    );
    println!(
        "  /healthz: {} probes, {health_failed} failed, p50 {p50:.1?}, p99 {p99:.1?}, max {max:.1?}",
        health.len()
    );
    println!(
        "  memory (RSS): after warm-up {} MiB, at the end {} MiB, peak {} MiB",
        early / 1024,
        late / 1024,
        rss.iter().max().copied().unwrap_or(0) / 1024
    );
    println!("  exit after SIGTERM: {exit:?}");
    for f in failures.iter().take(5) {
        println!("  failure: {f}");
    }
    let flat = late <= early + early / 4 + 8 * 1024;
    let ok = failures.is_empty()
        && tally.server_errors.load(Ordering::Relaxed) == 0
        && health_failed == 0
        && p99 < Duration::from_millis(50)
        && flat
        && exit.is_some_and(|s| s.success());
    println!("soak: {}", if ok { "passed" } else { "FAILED" });
    let _ = std::fs::remove_dir_all(&dir);
    if !ok {
        std::process::exit(1);
    }
}
