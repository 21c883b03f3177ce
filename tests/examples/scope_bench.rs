//! Latency of the customer read paths at scale: a release server on a PostgreSQL database
//! holding 100,000 customers (`scripts/bench-data.sql`), signed in as a director whose team
//! owns about half of them. Each scenario is warmed up, then measured in rounds that alternate
//! between the scenarios (one connection, keep-alive, loopback), so a drift of the machine
//! spreads over all of them. Reports median and p99 of the end-to-end latency of each request
//! (HTTP over loopback, so essentially server time) against the targets, then EXPLAIN ANALYZE
//! of the main statement of the list paths, built by the library exactly as the server does.
//!
//! `scripts/bench [requests per scenario]`

mod support;

use guanxi::auth::Actor;
use guanxi::config::Config;
use guanxi::pagination::ordered;
use guanxi::service::customers::query::{CustomerFilter, CustomerOrder, filtered, scoped};
use guanxi::state::AppState;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, QueryFilter, QuerySelect, QueryTrait, Select,
    Statement,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::*;
use uuid::Uuid;

const PAGE: &str = "{ customers(first: 50) { edges { node { id name owner { displayName } contacts { name mobile } access { canEdit } } } } }";
const SEARCH: &str = "{ customers(first: 20, filter: {search: \"科技\"}) { totalCount edges { node { id name } } } }";
const BY_CONTACT: &str = "{ customers(first: 50, orderBy: {field: LAST_CONTACTED_AT, direction: DESC}) { edges { node { id name lastContactedAt } } } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { id ... on Customer { name owner { displayName } access { canEdit } } } }";
const ME: &str = "{ me { id } }";

struct Scenario {
    name: &'static str,
    query: &'static str,
    target: Option<Duration>,
    samples: Vec<Duration>,
}

async fn once(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    query: &str,
    vars: &Value,
) -> (Duration, Answer) {
    let started = Instant::now();
    let a = gql(client, base, Some(token), "127.0.0.1", query, vars.clone())
        .await
        .expect("request");
    let took = started.elapsed();
    assert!(a.ok(), "{query}: {}", a.body);
    (took, a)
}

/// EXPLAIN (ANALYZE) of one statement: its planning and execution time and the plan.
async fn explain(
    db: &sea_orm::DatabaseConnection,
    sql: String,
    values: Option<sea_orm::Values>,
) -> (String, String, String) {
    let explain = format!("EXPLAIN (ANALYZE) {sql}");
    let stmt = match values {
        Some(v) => Statement::from_sql_and_values(DatabaseBackend::Postgres, explain, v),
        None => Statement::from_string(DatabaseBackend::Postgres, explain),
    };
    // The first run reads cold pages; report the second.
    let _ = db.query_all_raw(stmt.clone()).await.expect("explain");
    let rows = db.query_all_raw(stmt).await.expect("explain");
    let plan: Vec<String> = rows
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).expect("plan line"))
        .collect();
    let find = |what: &str| {
        plan.iter()
            .find_map(|l| l.trim().strip_prefix(what))
            .map_or("?".to_string(), |v| v.trim().to_string())
    };
    (
        find("Planning Time:"),
        find("Execution Time:"),
        plan.join("\n"),
    )
}

async fn explain_select(
    db: &sea_orm::DatabaseConnection,
    select: Select<entity::customer::Entity>,
) -> (String, String, String) {
    let stmt = select.build(DatabaseBackend::Postgres);
    explain(db, stmt.sql, stmt.values).await
}

/// The count behind `totalCount`, as sea-orm's `count` wraps the filtered select.
async fn explain_count(
    db: &sea_orm::DatabaseConnection,
    select: Select<entity::customer::Entity>,
) -> (String, String, String) {
    let stmt = select.build(DatabaseBackend::Postgres);
    explain(
        db,
        format!(
            "SELECT COUNT(*) AS num_items FROM ({}) AS sub_query",
            stmt.sql
        ),
        stmt.values,
    )
    .await
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let n: usize = arg("--requests")
        .and_then(|s| s.parse().ok())
        .unwrap_or(200)
        .max(4);
    let who = arg("--user").expect("pass --user <e-mail of the benchmarked user>");
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL of the bench database");
    let binary = server_binary();
    let dir = scratch("scope-bench");
    let server = Server::start(
        &binary,
        &url,
        &dir,
        &[
            ("GUANXI_DEMO_DATA", "false"),
            ("GUANXI_RATE_LIMIT_PER_IP", "0"),
            ("GUANXI_RATE_LIMIT_PER_USER", "0"),
            ("GUANXI_RATE_LIMIT_SIGN_IN", "0"),
            ("GUANXI_WORKERS", "0"),
            ("GUANXI_JWT_SECRET", "scope-bench-secret-0123456789abcdef"),
            ("RUST_LOG", "warn"),
        ],
    )
    .await;
    let client = reqwest::Client::new();
    let token = sign_in(&client, &server.base, &who).await;

    // A customer id for `node`, from the first page.
    let (_, first) = once(&client, &server.base, &token, PAGE, &json!({})).await;
    let id = first.body["data"]["customers"]["edges"][0]["node"]["id"]
        .as_str()
        .expect("a customer on the first page")
        .to_string();
    let node_vars = json!({ "id": id });

    let mut scenarios = vec![
        Scenario {
            name: "(a) page of 50 + owner, contacts, access",
            query: PAGE,
            target: Some(Duration::from_millis(15)),
            samples: vec![],
        },
        Scenario {
            name: "(b) search \"科技\" first 20 + totalCount",
            query: SEARCH,
            target: Some(Duration::from_millis(30)),
            samples: vec![],
        },
        Scenario {
            name: "(c) 50 by last contacted desc",
            query: BY_CONTACT,
            target: None,
            samples: vec![],
        },
        Scenario {
            name: "(d) node(id:) of one customer",
            query: NODE,
            target: Some(Duration::from_millis(5)),
            samples: vec![],
        },
        Scenario {
            name: "(e) me { id } (floor)",
            query: ME,
            target: None,
            samples: vec![],
        },
    ];
    let vars_of = |s: &Scenario| {
        if s.query == NODE {
            node_vars.clone()
        } else {
            json!({})
        }
    };

    let warm = (n / 5).max(10);
    for s in &scenarios {
        for _ in 0..warm {
            once(&client, &server.base, &token, s.query, &vars_of(s)).await;
        }
    }
    let rounds = 4;
    for r in 0..rounds {
        let per = n / rounds + usize::from(r < n % rounds);
        for s in scenarios.iter_mut() {
            let vars = vars_of(s);
            for _ in 0..per {
                let (took, _) = once(&client, &server.base, &token, s.query, &vars).await;
                s.samples.push(took);
            }
        }
    }

    let customers = first.body["data"]["customers"]["edges"]
        .as_array()
        .map_or(0, Vec::len);
    println!(
        "\nas {who}; {n} requests per scenario in {rounds} alternating rounds after {warm} warm-up \
         requests each; one keep-alive connection over loopback (end-to-end, so server time plus \
         well under 0.1 ms of loopback HTTP). First page held {customers} customers.\n"
    );
    println!("| scenario | median | p99 | target (median) | |\n|---|---|---|---|---|");
    for s in scenarios.iter_mut() {
        s.samples.sort_unstable();
        let (m, p) = (percentile(&s.samples, 50), percentile(&s.samples, 99));
        let (t, verdict) = match s.target {
            Some(t) if m <= t => (format!("< {}", ms(t)), "ok"),
            Some(t) => (format!("< {}", ms(t)), "OVER"),
            None => ("-".into(), ""),
        };
        println!("| {} | {} | {} | {t} | {verdict} |", s.name, ms(m), ms(p));
    }
    drop(server);

    // The main statement of (a)-(d), built by the library exactly as the server builds it.
    let config =
        Config::from_lookup(|k| (k == "DATABASE_URL").then(|| url.clone())).expect("config");
    let db = guanxi::db::connect(&config).await.expect("connect");
    let state = AppState::new(db.clone(), config, Default::default()).expect("state");
    let user: Uuid = {
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT id FROM users WHERE email = $1",
                [who.to_lowercase().into()],
            ))
            .await
            .expect("user")
            .expect("the benchmarked user exists");
        row.try_get_by_index(0).expect("id")
    };
    let actor = Actor::without_session(&db, user).await.expect("actor");
    let all = CustomerFilter::default();
    let search = CustomerFilter {
        search: Some("科技".into()),
        ..Default::default()
    };
    let page = |filter: &CustomerFilter, order: CustomerOrder, limit: u64| {
        let select = filtered(&state, &actor, filter).expect("filter");
        ordered(select, &order.sort(true), false).limit(limit + 1)
    };
    let owned = db
        .query_one_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT count(*) FILTER (WHERE owner_id IN \
             (SELECT descendant_id FROM org_closure WHERE ancestor_id = $1)), \
             count(*) FILTER (WHERE owner_id IS NULL), count(*) FROM customers \
             WHERE deleted_at IS NULL",
            [user.into()],
        ))
        .await
        .expect("count")
        .expect("a row");
    let (team, pool, total): (i64, i64, i64) = (
        owned.try_get_by_index(0).expect("count"),
        owned.try_get_by_index(1).expect("count"),
        owned.try_get_by_index(2).expect("count"),
    );
    println!("\n{who}'s subtree owns {team} of {total} customers; {pool} are in the pool");
    let customer_id = decode_customer_id(&id);
    let statements = vec![
        (
            "(a) page: customers, newest first, limit 51",
            explain_select(&db, page(&all, CustomerOrder::CreatedAt, 50)).await,
        ),
        (
            "(b) search: first 20 matching, limit 21",
            explain_select(&db, page(&search, CustomerOrder::CreatedAt, 20)).await,
        ),
        (
            "(b) search: totalCount",
            explain_count(&db, filtered(&state, &actor, &search).expect("filter")).await,
        ),
        (
            "(c) by last contacted, limit 51",
            explain_select(&db, page(&all, CustomerOrder::LastContactedAt, 50)).await,
        ),
        (
            "(d) node: the visible customer",
            match customer_id {
                Some(cid) => {
                    explain_select(
                        &db,
                        scoped(&state, &actor)
                            .filter(entity::customer::Column::Id.eq(cid))
                            .limit(1),
                    )
                    .await
                }
                None => (
                    "?".into(),
                    "?".into(),
                    "the global id did not decode".into(),
                ),
            },
        ),
    ];
    println!(
        "\nEXPLAIN (ANALYZE) of the main statement, second run, literal parameters (the server's prepared statements may use a cached plan):\n"
    );
    println!("| statement | planning | execution |\n|---|---|---|");
    for (name, (p, e, _)) in &statements {
        println!("| {name} | {p} | {e} |");
    }
    let plans = std::path::Path::new("target/scope_bench-plans.txt");
    let text: String = statements
        .iter()
        .map(|(name, (_, _, plan))| format!("== {name}\n{plan}\n\n"))
        .collect();
    if std::fs::write(plans, text).is_ok() {
        println!("\nplans: {}", plans.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The uuid inside a global id (unpadded URL-safe base64 of `Customer:<uuid>`).
fn decode_customer_id(global: &str) -> Option<Uuid> {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(global)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_else(|| global.to_string());
    raw.rsplit(':').next().and_then(|u| Uuid::parse_str(u).ok())
}
