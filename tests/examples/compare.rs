//! Side-by-side latency of two server configurations on the same data: A and B are started
//! from the same binary on copies of one seeded SQLite database (or on one PostgreSQL
//! database), then each scenario runs in rounds A B B A, one connection, keep-alive, after a
//! warm-up. Prints per scenario the median of the round medians, p99 and the ratio B / A.
//!
//! `scripts/compare 'GUANXI_X=1' 'GUANXI_X=2' [requests per round]`

mod support;

use serde_json::json;
use std::time::{Duration, Instant};
use support::*;

const SCENARIOS: [(&str, &str); 4] = [
    (
        "list 50 with owner and contacts",
        "{ customers(first: 50) { edges { node { id name importance owner { displayName } contacts { name mobile } access { canEdit } } } } }",
    ),
    (
        "search with totalCount",
        "{ customers(first: 20, filter: {search: \"科技\"}) { totalCount edges { node { id name } } } }",
    ),
    ("me", "{ me { id displayName role } }"),
    ("typename", "{ __typename }"),
];

fn env_pairs(arg: &str) -> Vec<(String, String)> {
    arg.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn round(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    query: &str,
    n: usize,
) -> Vec<Duration> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        let a = gql(client, base, Some(token), "127.0.0.1", query, json!({}))
            .await
            .expect("request");
        out.push(started.elapsed());
        assert!(a.ok(), "{}", a.body);
    }
    out.sort_unstable();
    out
}

async fn start(
    binary: &std::path::Path,
    dir: &std::path::Path,
    env: &[(String, String)],
    name: &str,
) -> Server {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}?mode=rwc", dir.join(name).display()));
    let mut all: Vec<(&str, &str)> = vec![
        ("GUANXI_RATE_LIMIT_PER_IP", "0"),
        ("GUANXI_RATE_LIMIT_PER_USER", "0"),
    ];
    all.extend(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    Server::start(binary, &url, dir, &all).await
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let a_env = env_pairs(
        args.iter()
            .skip_while(|a| *a != "--a")
            .nth(1)
            .map_or("", |s| s),
    );
    let b_env = env_pairs(
        args.iter()
            .skip_while(|a| *a != "--b")
            .nth(1)
            .map_or("", |s| s),
    );
    let n: usize = arg("--requests")
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let binary = server_binary();
    let dir = scratch("compare");
    let a = start(&binary, &dir, &a_env, "a.db").await;
    let b = start(&binary, &dir, &b_env, "b.db").await;
    let client = reqwest::Client::new();
    let who = arg("--user").unwrap_or_else(|| "director@guanxi.demo".into());
    let ta = sign_in(&client, &a.base, &who).await;
    let tb = sign_in(&client, &b.base, &who).await;
    println!("A: {a_env:?}\nB: {b_env:?}\nas {who}, {n} requests per round, rounds A B B A");
    println!(
        "| scenario | A median | A p99 | B median | B p99 | B / A |\n|---|---|---|---|---|---|"
    );
    for (name, query) in SCENARIOS {
        round(&client, &a.base, &ta, query, n / 5).await;
        round(&client, &b.base, &tb, query, n / 5).await;
        let (mut am, mut bm, mut a99, mut b99) = (vec![], vec![], vec![], vec![]);
        for first_a in [true, false, false, true] {
            let (base, token) = if first_a {
                (&a.base, &ta)
            } else {
                (&b.base, &tb)
            };
            let r = round(&client, base, token, query, n).await;
            let (m, p) = (percentile(&r, 50), percentile(&r, 99));
            if first_a {
                am.push(m);
                a99.push(p);
            } else {
                bm.push(m);
                b99.push(p);
            }
        }
        let med = |mut v: Vec<Duration>| {
            v.sort_unstable();
            percentile(&v, 50)
        };
        let (am, bm, a99, b99) = (med(am), med(bm), med(a99), med(b99));
        println!(
            "| {name} | {am:.2?} | {a99:.2?} | {bm:.2?} | {b99:.2?} | {:.2} |",
            bm.as_secs_f64() / am.as_secs_f64().max(1e-9)
        );
    }
    drop((a, b));
    let _ = std::fs::remove_dir_all(&dir);
}
