//! Fault runs against a real server process: SIGKILL in the middle of an import and of a bulk
//! transfer, then restart and retry; SIGTERM under load. Exits non-zero if any check fails.
//!
//! `scripts/faults` builds the server and runs this; `DATABASE_URL` (a PostgreSQL server URL
//! ending in a database to create) selects PostgreSQL, SQLite otherwise.

mod support;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::*;

const IMPORT: &str = "mutation($i: ImportCustomersInput!) { importCustomers(input: $i) { committed created skipped failed } }";
const TRANSFER: &str = "mutation($i: TransferCustomersInput!) { transferCustomers(input: $i) { changedCount skippedCount } }";

struct Run {
    failures: Vec<String>,
}

impl Run {
    fn check(&mut self, ok: bool, what: impl Into<String>) {
        let what = what.into();
        println!("  {} {what}", if ok { "ok  " } else { "FAIL" });
        if !ok {
            self.failures.push(what);
        }
    }
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("count query")
        .expect("a row");
    row.try_get_by_index::<i64>(0).expect("a count")
}

fn csv(rows: usize, tag: &str, owner: Option<&str>) -> Vec<u8> {
    let mut out = String::from("客户名称,联系人,手机,负责人邮箱\n");
    for i in 0..rows {
        out.push_str(&format!(
            "{tag}客户{i:06},联系人{i},139{:08},{}\n",
            i,
            owner.unwrap_or("")
        ));
    }
    out.into_bytes()
}

async fn import(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    bytes: Vec<u8>,
    mode: &str,
) -> reqwest::Result<Value> {
    let operations =
        json!({ "query": IMPORT, "variables": { "i": { "file": null, "onDuplicate": mode } } });
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({ "0": ["variables.i.file"] }).to_string())
        .part(
            "0",
            reqwest::multipart::Part::bytes(bytes).file_name("customers.csv"),
        );
    client
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await?
        .json()
        .await
}

/// Customers without a contact, or without their creation's audit event: what a half-written
/// import would leave behind.
async fn half_written(db: &DatabaseConnection) -> i64 {
    count(
        db,
        "SELECT COUNT(*) FROM customers c WHERE NOT EXISTS (SELECT 1 FROM contacts k WHERE k.customer_id = c.id) \
         OR NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.entity_id = c.id)",
    )
    .await
}

async fn kill_mid_import(run: &mut Run, server: &mut Server, db: &DatabaseConnection) {
    println!("kill -9 in the middle of an import");
    let client = reqwest::Client::new();
    let token = sign_in(&client, &server.base, "admin@guanxi.demo").await;
    let rows = 20_000;
    let file = csv(rows, "导入", None);
    let base = server.base.clone();
    let pending = tokio::spawn({
        let (client, token, file) = (client.clone(), token.clone(), file.clone());
        async move { import(&client, &base, &token, file, "SKIP").await }
    });
    // Kill once the first batches are in and the rest are not.
    let started = Instant::now();
    let tagged = "SELECT COUNT(*) FROM customers WHERE name LIKE '导入客户%'";
    loop {
        let n = count(db, tagged).await;
        if n > 0 || started.elapsed() > Duration::from_secs(60) || pending.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill9();
    let answered = matches!(pending.await, Ok(Ok(ref v)) if v["data"].is_object());
    let written = count(db, tagged).await;
    run.check(
        !answered && written < rows as i64,
        format!(
            "killed mid-import: {written} of {rows} rows were in, no answer reached the client"
        ),
    );
    run.check(
        half_written(db).await == 0,
        "no customer without its contact or audit event",
    );

    server.restart().await;
    let token = sign_in(&client, &server.base, "admin@guanxi.demo").await;
    let r = import(&client, &server.base, &token, file.clone(), "SKIP")
        .await
        .expect("retry");
    let created = r["data"]["importCustomers"]["created"]
        .as_i64()
        .unwrap_or(-1);
    let skipped = r["data"]["importCustomers"]["skipped"]
        .as_i64()
        .unwrap_or(-1);
    run.check(
        created + skipped == rows as i64 && skipped == written,
        format!("the retried import created {created} and skipped the {skipped} already in"),
    );
    let r = import(&client, &server.base, &token, file, "SKIP")
        .await
        .expect("second retry");
    run.check(
        r["data"]["importCustomers"]["created"] == 0,
        "a second retry creates nothing",
    );
    let total = count(db, tagged).await;
    run.check(
        total == rows as i64,
        format!("every row exactly once: {total}"),
    );
    run.check(half_written(db).await == 0, "still nothing half-written");
}

async fn user_id(client: &reqwest::Client, base: &str, token: &str) -> String {
    let a = gql(
        client,
        base,
        Some(token),
        "127.0.0.1",
        "{ me { id } }",
        json!({}),
    )
    .await
    .expect("me");
    a.body["data"]["me"]["id"]
        .as_str()
        .expect("an id")
        .to_string()
}

async fn kill_mid_transfer(run: &mut Run, server: &mut Server, db: &DatabaseConnection) {
    println!("kill -9 in the middle of a bulk transfer");
    let client = reqwest::Client::new();
    let admin = sign_in(&client, &server.base, "admin@guanxi.demo").await;
    let from_token = sign_in(&client, &server.base, "sales5@guanxi.demo").await;
    let to_token = sign_in(&client, &server.base, "sales6@guanxi.demo").await;
    let from = user_id(&client, &server.base, &from_token).await;
    let to = user_id(&client, &server.base, &to_token).await;
    let rows = 5_000;
    let r = import(
        &client,
        &server.base,
        &admin,
        csv(rows, "转移", Some("sales5@guanxi.demo")),
        "FAIL",
    )
    .await
    .expect("import for the transfer");
    run.check(
        r["data"]["importCustomers"]["created"] == rows,
        format!("{rows} customers owned by one rep: {}", r["data"]),
    );
    let owned_by = |email: &str| {
        format!(
            "SELECT COUNT(*) FROM customers c JOIN users u ON u.id = c.owner_id \
             WHERE u.email = '{email}' AND c.name LIKE '转移客户%'"
        )
    };
    // The demo company gave the rep customers of their own; they move too.
    let all_owned = count(
        db,
        "SELECT COUNT(*) FROM customers c JOIN users u ON u.id = c.owner_id WHERE u.email = 'sales5@guanxi.demo' AND c.deleted_at IS NULL",
    )
    .await;
    let input = json!({ "i": { "fromUserId": from, "toUserId": to } });
    let mut delay = Duration::from_millis(400);
    let mut killed_mid_way = false;
    for _ in 0..5 {
        let base = server.base.clone();
        let pending = tokio::spawn({
            let (client, admin, input) = (client.clone(), admin.clone(), input.clone());
            async move { gql(&client, &base, Some(&admin), "127.0.0.1", TRANSFER, input).await }
        });
        tokio::time::sleep(delay).await;
        server.kill9();
        let answered = matches!(pending.await, Ok(Ok(ref a)) if a.ok());
        let moved = count(db, &owned_by("sales6@guanxi.demo")).await;
        let stayed = count(db, &owned_by("sales5@guanxi.demo")).await;
        run.check(
            (moved == 0 && stayed == rows as i64) || (moved == rows as i64 && stayed == 0),
            format!("all or nothing after the kill: {stayed} stayed, {moved} moved"),
        );
        server.restart().await;
        if !answered && moved == 0 {
            killed_mid_way = true;
            break;
        }
        // It finished before the kill: start over from the first owner and kill sooner.
        let back = json!({ "i": { "fromUserId": to, "toUserId": from } });
        let admin = sign_in(&client, &server.base, "admin@guanxi.demo").await;
        gql(
            &client,
            &server.base,
            Some(&admin),
            "127.0.0.1",
            TRANSFER,
            back,
        )
        .await
        .expect("transfer back");
        delay /= 2;
    }
    run.check(killed_mid_way, "the kill landed while the transfer ran");
    let admin = sign_in(&client, &server.base, "admin@guanxi.demo").await;
    let a = gql(
        &client,
        &server.base,
        Some(&admin),
        "127.0.0.1",
        TRANSFER,
        input.clone(),
    )
    .await
    .expect("retry");
    run.check(
        a.body["data"]["transferCustomers"]["changedCount"] == all_owned,
        format!("the retried transfer moves all {all_owned}: {}", a.body),
    );
    let a = gql(
        &client,
        &server.base,
        Some(&admin),
        "127.0.0.1",
        TRANSFER,
        input,
    )
    .await
    .expect("second retry");
    run.check(
        a.body["data"]["transferCustomers"]["changedCount"] == 0,
        "a second retry moves nothing",
    );
    let audits = count(
        db,
        "SELECT COUNT(*) FROM audit_events a JOIN customers c ON c.id = a.entity_id \
         WHERE c.name LIKE '转移客户%' AND a.action <> 'import'",
    )
    .await;
    run.check(
        audits == rows as i64,
        format!("one transfer audit event per customer: {audits}"),
    );
}

async fn sigterm_under_load(run: &mut Run, server: &mut Server) {
    println!("SIGTERM under load");
    // A connection each, so no request rides on an idle connection the shutdown closes.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("a client");
    let token = sign_in(&client, &server.base, "admin@guanxi.demo").await;
    let query = "{ customers(first: 100) { totalCount edges { node { id name contacts { name } owner { displayName } } } } }";
    let mut pending = Vec::new();
    for i in 0..40 {
        let (client, token, base) = (client.clone(), token.clone(), server.base.clone());
        pending.push(tokio::spawn(async move {
            let ip = format!("10.0.3.{i}");
            gql(&client, &base, Some(&token), &ip, query, json!({})).await
        }));
    }
    tokio::time::sleep(Duration::from_millis(30)).await;
    server.sigterm();
    let (mut complete, mut refused, mut broken) = (0, 0, Vec::new());
    for p in pending {
        match p.await.expect("task") {
            Ok(a) if a.ok() => complete += 1,
            Ok(a) => broken.push(format!("{}: {}", a.status, a.body)),
            Err(e) if e.is_connect() => refused += 1,
            // The server closed a connection whose request it had not read yet: graceful
            // shutdown stops accepting work, it never cuts an answer short.
            Err(e)
                if ["IncompleteMessage", "ConnectionReset"]
                    .iter()
                    .any(|m| format!("{e:?}").contains(m)) =>
            {
                refused += 1
            }
            Err(e) => broken.push(e.to_string()),
        }
    }
    let exit = server.wait_exit(Duration::from_secs(30)).await;
    run.check(
        broken.is_empty(),
        format!("{complete} in-flight requests finished, {refused} arrived after shutdown began, {} broke {broken:?}", broken.len()),
    );
    run.check(complete > 0, "requests were in flight when the signal came");
    run.check(
        exit.is_some_and(|s| s.success()),
        format!("the server exited with {exit:?}"),
    );
}

#[tokio::main]
async fn main() {
    let binary = server_binary();
    let dir = scratch("faults");
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}?mode=rwc", dir.join("faults.db").display()));
    let mut server = Server::start(&binary, &url, &dir, &[("GUANXI_RATE_LIMIT_PER_IP", "0")]).await;
    let db = Database::connect(&url).await.expect("the run's database");
    let mut run = Run {
        failures: Vec::new(),
    };
    let started = Instant::now();
    kill_mid_import(&mut run, &mut server, &db).await;
    kill_mid_transfer(&mut run, &mut server, &db).await;
    sigterm_under_load(&mut run, &mut server).await;
    println!(
        "faults: {} failed, {:.0?}",
        run.failures.len(),
        started.elapsed()
    );
    let _ = std::fs::remove_dir_all(&dir);
    if !run.failures.is_empty() {
        std::process::exit(1);
    }
}
