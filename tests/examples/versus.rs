//! Guanxi against PostGraphile on the same PostgreSQL data, both with row permissions on:
//! Guanxi through its own scope, PostGraphile through row-level-security policies
//! (`scripts/postgraphile/rls.sql`) and a JWT naming the same user. For each scenario, user
//! and connection count, wrk runs the two systems in the order A B B A A B after a warm-up,
//! counting GraphQL `errors` inside HTTP 200 answers as failures; the table gives medians of
//! the three runs, server CPU per request (Guanxi, PostGraphile, PostgreSQL) and peak RSS.
//! The answers of both are compared before anything is timed.
//!
//! Run by `scripts/bench`, which prepares the data, the policies, PostGraphile and wrk.

mod support;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::*;

const POSTGRAPHILE_SECRET: &str = "guanxi-bench-secret";

struct Scenario {
    name: &'static str,
    guanxi: String,
    postgraphile: String,
}

/// The scenarios for one user, around one customer both systems show at position 25 by name.
fn scenarios(gid: &str, uuid: &str, node_id: &str) -> Vec<Scenario> {
    vec![
        Scenario {
            name: "list: 50 customers by name, owner, contacts",
            guanxi: "{ customers(first: 50, orderBy: {field: NAME, direction: ASC}) { edges { node { id name importance owner { displayName } contacts { name mobile } } } } }".into(),
            postgraphile: "{ allCustomers(first: 50, orderBy: NAME_ASC) { nodes { id name importance userByOwnerId { displayName } contactsByCustomerId(orderBy: [IS_PRIMARY_DESC, ID_ASC]) { nodes { name mobile } } } } }".into(),
        },
        Scenario {
            name: "detail: one customer by id, owner, contacts",
            guanxi: format!("{{ customer(id: \"{gid}\") {{ id name importance city owner {{ displayName }} contacts {{ name mobile }} }} }}"),
            postgraphile: format!("{{ customerById(id: \"{uuid}\") {{ id name importance city userByOwnerId {{ displayName }} contactsByCustomerId(orderBy: [IS_PRIMARY_DESC, ID_ASC]) {{ nodes {{ name mobile }} }} }} }}"),
        },
        Scenario {
            name: "search: name contains 科技 + importance + province, 20 rows, totalCount",
            guanxi: "{ customers(first: 20, orderBy: {field: NAME, direction: ASC}, filter: {search: \"科技\", importance: [IMPORTANT], provinces: [\"江苏\"]}) { totalCount edges { node { id name } } } }".into(),
            postgraphile: "{ allCustomers(first: 20, orderBy: NAME_ASC, filter: {or: [{name: {includes: \"科技\"}}, {namePinyin: {includes: \"科技\"}}, {nameInitials: {includes: \"科技\"}}], importance: {equalTo: \"IMPORTANT\"}, province: {equalTo: \"江苏\"}}) { totalCount nodes { id name } } }".into(),
        },
        Scenario {
            name: "node: one customer by global id",
            guanxi: format!("{{ node(id: \"{gid}\") {{ id ... on Customer {{ name }} }} }}"),
            postgraphile: format!("{{ node(nodeId: \"{node_id}\") {{ nodeId ... on Customer {{ name }} }} }}"),
        },
    ]
}

/// What both answers must agree on: names, contact names, owners, counts, in order.
fn essence(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, x) in m {
                let k = match k.as_str() {
                    "userByOwnerId" => "owner",
                    "contactsByCustomerId" => "contacts",
                    "allCustomers" | "customers" => "list",
                    "customerById" | "customer" => "one",
                    other => other,
                };
                if matches!(k, "id" | "nodeId") {
                    continue;
                }
                out.insert(k.to_string(), essence(x));
            }
            // Guanxi's connections have edges { node }, PostGraphile's nodes.
            if let Some(edges) = out.remove("edges") {
                let nodes = edges
                    .as_array()
                    .map(|a| a.iter().map(|e| e["node"].clone()).collect())
                    .unwrap_or_default();
                out.insert("nodes".into(), Value::Array(nodes));
            }
            // A connection with nothing but its rows is its rows.
            if out.len() == 1
                && let Some(n) = out.get("nodes")
            {
                return n.clone();
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(essence).collect()),
        other => other.clone(),
    }
}

struct Run {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    cpu_ms_server: f64,
    cpu_ms_postgres: f64,
}

fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let n = |i: usize| f.get(i).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
    n(11) + n(12) // utime, stime
}

/// CPU ticks of every PostgreSQL process on the machine (the cluster serves this run alone).
fn postgres_ticks() -> u64 {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        })
        .map(cpu_ticks)
        .sum()
}

fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

fn lua(dir: &Path, token: &str, query: &str) -> PathBuf {
    let body = json!({ "query": query }).to_string();
    let script = format!(
        r#"wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.body = [==[{body}]==]
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args) errors = 0 end
function response(status, headers, body)
  if status ~= 200 or body:find('"errors"', 1, true) then errors = errors + 1 end
end
function done(summary, latency, requests)
  local e = 0
  for _, t in ipairs(threads) do e = e + t:get("errors") end
  io.write(string.format("RESULT %d %d %d %d %d\n", summary.requests, e,
    summary.duration, latency:percentile(50), latency:percentile(99)))
end
"#
    );
    let path = dir.join(format!("{:x}.lua", {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut h = DefaultHasher::new();
        script.hash(&mut h);
        h.finish()
    }));
    std::fs::write(&path, script).expect("lua script");
    path
}

/// One wrk run against `url`; the server's and PostgreSQL's CPU are read around it.
fn wrk(url: &str, script: &Path, connections: u32, seconds: u32, server_pid: u32) -> Run {
    let (cpu0, pg0) = (cpu_ticks(server_pid), postgres_ticks());
    let out = Command::new("wrk")
        .args(["-t", &connections.min(2).to_string()])
        .args(["-c", &connections.to_string()])
        .args(["-d", &format!("{seconds}s")])
        .args(["--timeout", "10s"])
        .arg("-s")
        .arg(script)
        .arg(url)
        .output()
        .expect("wrk (scripts/bench installs it)");
    let (cpu1, pg1) = (cpu_ticks(server_pid), postgres_ticks());
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| {
            panic!(
                "wrk printed no result: {text} {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let n: Vec<f64> = line
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    let (requests, errors, micros, p50, p99) = (n[0], n[1], n[2], n[3], n[4]);
    assert!(
        errors == 0.0,
        "{errors} of {requests} answers to {url} were errors"
    );
    let tick_ms = 1000.0 / 100.0; // USER_HZ
    Run {
        rps: requests / (micros / 1e6),
        p50_ms: p50 / 1000.0,
        p99_ms: p99 / 1000.0,
        cpu_ms_server: cpu1.saturating_sub(cpu0) as f64 * tick_ms / requests,
        cpu_ms_postgres: pg1.saturating_sub(pg0) as f64 * tick_ms / requests,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

struct Summary {
    rps: f64,
    p50: f64,
    p99: f64,
    cpu: f64,
    pg_cpu: f64,
}

fn summarise(runs: &[Run]) -> Summary {
    Summary {
        rps: median(runs.iter().map(|r| r.rps).collect()),
        p50: median(runs.iter().map(|r| r.p50_ms).collect()),
        p99: median(runs.iter().map(|r| r.p99_ms).collect()),
        cpu: median(runs.iter().map(|r| r.cpu_ms_server).collect()),
        pg_cpu: median(runs.iter().map(|r| r.cpu_ms_postgres).collect()),
    }
}

/// One system's cells of a row: req/s, p50, p99, CPU per request (PostgreSQL's).
fn cells(s: &Summary, seconds: u32) -> String {
    if s.rps == 0.0 {
        return format!("none answered within {seconds} s | – | – | –");
    }
    format!(
        "{:.0} | {:.1} ms | {:.1} ms | {:.2} ms ({:.2})",
        s.rps, s.p50, s.p99, s.cpu, s.pg_cpu
    )
}

struct PostGraphile(Child);

impl PostGraphile {
    async fn start(bin: &str, database_url: &str, port: u16, log: &Path) -> PostGraphile {
        let log = std::fs::File::create(log).expect("postgraphile log");
        let child = Command::new(bin)
            .args([
                "-c",
                database_url,
                "--schema",
                "public",
                "--host",
                "127.0.0.1",
            ])
            .args(["--port", &port.to_string()])
            .args([
                "--jwt-secret",
                POSTGRAPHILE_SECRET,
                "--default-role",
                "gx_reader",
            ])
            .args(["--append-plugins", "postgraphile-plugin-connection-filter"])
            .args([
                "--disable-query-log",
                "--disable-graphiql",
                "--max-pool-size",
                "10",
            ])
            .env("NODE_ENV", "production")
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start postgraphile");
        // Dropped on every path out, which kills and reaps it.
        let server = PostGraphile(child);
        let client = reqwest::Client::new();
        let started = Instant::now();
        let url = format!("http://127.0.0.1:{port}/graphql");
        while started.elapsed() < Duration::from_secs(60) {
            let r = client
                .post(&url)
                .json(&json!({ "query": "{ __typename }" }))
                .send()
                .await;
            if r.is_ok_and(|r| r.status().is_success()) {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("postgraphile did not start");
    }
}

impl Drop for PostGraphile {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn postgraphile_token(user_id: &str) -> String {
    let claims = json!({
        "role": "gx_reader", "user_id": user_id, "aud": "postgraphile",
        "exp": chrono::Utc::now().timestamp() + 24 * 3600,
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(POSTGRAPHILE_SECRET.as_bytes()),
    )
    .expect("jwt")
}

async fn post(client: &reqwest::Client, url: &str, token: &str, query: &str) -> Value {
    client
        .post(url)
        .bearer_auth(token)
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

#[tokio::main]
async fn main() {
    let server_bin = server_binary();
    let pgl_bin = arg("--postgraphile").expect("--postgraphile <bin>");
    let users: Vec<String> = arg("--users")
        .expect("--users a@x,b@y")
        .split(',')
        .map(String::from)
        .collect();
    let seconds: u32 = arg("--seconds").map_or(5, |s| s.parse().unwrap());
    let connections: Vec<u32> = arg("--connections")
        .unwrap_or_else(|| "1,16,64".into())
        .split(',')
        .map(|c| c.parse().unwrap())
        .collect();
    let out = PathBuf::from(arg("--out").expect("--out <file.md>"));
    // Scenarios whose name starts with one of these (all by default): "list,detail".
    let only: Vec<String> = arg("--only")
        .map(|o| o.split(',').map(String::from).collect())
        .unwrap_or_default();
    let database_url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let dir = scratch("versus");

    let db = Database::connect(&database_url).await.expect("database");
    let count = |sql: &'static str| {
        let db = &db;
        async move {
            let row = db
                .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index::<i64>(0).unwrap()
        }
    };
    let customers = count("SELECT count(*) FROM customers").await;
    let contacts = count("SELECT count(*) FROM contacts").await;
    let shares = count("SELECT count(*) FROM customer_shares").await;

    let guanxi = Server::start(
        &server_bin,
        &database_url,
        &dir,
        &[
            ("GUANXI_DEMO_DATA", "false"),
            ("GUANXI_DB_MAX_CONNECTIONS", "10"),
            ("GUANXI_RATE_LIMIT_PER_IP", "0"),
            ("GUANXI_RATE_LIMIT_PER_USER", "0"),
            ("GUANXI_RATE_LIMIT_SIGN_IN", "0"),
            ("GUANXI_WORKERS", "0"),
        ],
    )
    .await;
    let pgl_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let pgl = PostGraphile::start(&pgl_bin, &database_url, pgl_port, &dir.join("pgl.log")).await;
    let pgl_pid = pgl.0.id();
    let gx_url = format!("{}/graphql", guanxi.base);
    let pgl_url = format!("http://127.0.0.1:{pgl_port}/graphql");
    let client = reqwest::Client::new();

    let mut md = String::new();
    writeln!(
        md,
        "{customers} customers, {contacts} contacts, {shares} shares.\n"
    )
    .unwrap();
    for email in &users {
        let token = sign_in(&client, &guanxi.base, email).await;
        let me = post(&client, &gx_url, &token, "{ me { id role } }").await;
        let role = me["data"]["me"]["role"].as_str().unwrap().to_string();
        let gid = me["data"]["me"]["id"].as_str().unwrap();
        let decoded = String::from_utf8(URL_SAFE_NO_PAD.decode(gid).unwrap()).unwrap();
        let user_uuid = decoded.split_once(':').unwrap().1.to_string();
        let pgl_token = postgraphile_token(&user_uuid);
        let pick = post(&client, &gx_url, &token, "{ customers(first: 25, orderBy: {field: NAME, direction: ASC}) { totalCount edges { node { id name } } } }").await;
        let pick_pgl = post(
            &client,
            &pgl_url,
            &pgl_token,
            "{ allCustomers(first: 25, orderBy: NAME_ASC) { totalCount nodes { id name } } }",
        )
        .await;
        let visible = pick["data"]["customers"]["totalCount"].as_i64().unwrap();
        assert_eq!(
            Some(visible),
            pick_pgl["data"]["allCustomers"]["totalCount"].as_i64(),
            "the two scopes differ for {email}: {pick_pgl}"
        );
        let c = &pick["data"]["customers"]["edges"][24]["node"];
        let c_pgl = &pick_pgl["data"]["allCustomers"]["nodes"][24];
        assert_eq!(c["name"], c_pgl["name"]);
        let gid = c["id"].as_str().unwrap();
        let uuid = c_pgl["id"].as_str().unwrap();
        let node_id = STANDARD.encode(json!(["customers", uuid]).to_string());
        writeln!(
            md,
            "As {email} ({role}), who may see {visible} customers; medians of 3 runs of {seconds} s each.\n"
        )
        .unwrap();
        for s in scenarios(gid, uuid, &node_id) {
            if !only.is_empty() && !only.iter().any(|o| s.name.starts_with(o.as_str())) {
                continue;
            }
            let a = post(&client, &gx_url, &token, &s.guanxi).await;
            let b = post(&client, &pgl_url, &pgl_token, &s.postgraphile).await;
            assert!(a.get("errors").is_none(), "{}: {a}", s.name);
            assert!(b.get("errors").is_none(), "{}: {b}", s.name);
            let (ea, eb) = (essence(&a["data"]), essence(&b["data"]));
            if ea != eb {
                let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap();
                std::fs::write(dir.join("guanxi.json"), pretty(&ea)).unwrap();
                std::fs::write(dir.join("postgraphile.json"), pretty(&eb)).unwrap();
                panic!("{}: the answers differ; see {}", s.name, dir.display());
            }
            let script_a = lua(&dir, &token, &s.guanxi);
            let script_b = lua(&dir, &pgl_token, &s.postgraphile);
            writeln!(md, "**{}**\n", s.name).unwrap();
            writeln!(md, "| connections | Guanxi req/s | p50 | p99 | CPU/req (PG) | PostGraphile req/s | p50 | p99 | CPU/req (PG) | Guanxi ÷ PostGraphile |").unwrap();
            writeln!(md, "|---|---|---|---|---|---|---|---|---|---|").unwrap();
            for &conns in &connections {
                // Warm-up, then A B B A A B.
                wrk(&gx_url, &script_a, conns, 1, guanxi.pid());
                wrk(&pgl_url, &script_b, conns, 1, pgl_pid);
                let (mut ra, mut rb) = (Vec::new(), Vec::new());
                for first_a in [true, false, true] {
                    let order = if first_a {
                        [true, false]
                    } else {
                        [false, true]
                    };
                    for is_a in order {
                        if is_a {
                            ra.push(wrk(&gx_url, &script_a, conns, seconds, guanxi.pid()));
                        } else {
                            rb.push(wrk(&pgl_url, &script_b, conns, seconds, pgl_pid));
                        }
                    }
                }
                let (a, b) = (summarise(&ra), summarise(&rb));
                writeln!(
                    md,
                    "| {conns} | {} | {} | {} |",
                    cells(&a, seconds),
                    cells(&b, seconds),
                    if b.rps > 0.0 {
                        format!("{:.2}×", a.rps / b.rps)
                    } else {
                        "–".into()
                    }
                )
                .unwrap();
                eprintln!(
                    "{} / {email} / {conns}: {:.0} vs {:.0} req/s",
                    s.name, a.rps, b.rps
                );
            }
            writeln!(md).unwrap();
        }
    }
    writeln!(
        md,
        "Peak RSS: Guanxi {:.0} MiB, PostGraphile {:.0} MiB.\n",
        peak_rss_mib(guanxi.pid()),
        peak_rss_mib(pgl_pid)
    )
    .unwrap();
    std::fs::write(&out, md).expect("write the results");
    println!("results: {}", out.display());
}
