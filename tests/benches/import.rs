//! Import throughput: 100,000 customers with a contact each, uploaded as CSV through the
//! API on a fresh database (SQLite, or PostgreSQL when `GUANXI_TEST_POSTGRES_URL` is set).
//! Run: `cargo bench -p guanxi-tests --bench import` (`GUANXI_BENCH_ROWS` to change size).

#[path = "../tests/api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use helpers::*;
use serde_json::json;
use std::time::Instant;

fn csv(rows: usize) -> Vec<u8> {
    let mut s = String::from("客户名称,客户级别,行业,省份,城市,标签,联系人,手机,邮箱\n");
    for i in 0..rows {
        s.push_str(&format!(
            "测试企业{i}号有限公司,普通,制造业,江苏省,苏州市,批量;导入,联系人{i},1{:010},c{i}@example.com\n",
            3_000_000_000u64 + i as u64
        ));
    }
    s.into_bytes()
}

#[tokio::main]
async fn main() {
    let rows: usize = std::env::var("GUANXI_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    // The server's default pool size, not the tests' smaller one.
    let app = spawn_app_with(&[("GUANXI_DB_MAX_CONNECTIONS", "10")]).await;
    let rep = app.user(Role::Sales, None).await;
    let bytes = csv(rows);
    let db = if std::env::var("GUANXI_TEST_POSTGRES_URL").is_ok_and(|v| !v.is_empty()) {
        "postgresql"
    } else {
        "sqlite"
    };
    let started = Instant::now();
    let d = app
        .import(&rep, "bench.csv", bytes.clone(), json!({}))
        .await;
    let first = started.elapsed();
    let created = d["data"]["importCustomers"]["created"]
        .as_u64()
        .unwrap_or_default();
    assert_eq!(created, rows as u64, "{d}");
    let started = Instant::now();
    let d = app.import(&rep, "bench.csv", bytes, json!({})).await;
    let again = started.elapsed();
    assert_eq!(d["data"]["importCustomers"]["created"], 0);
    println!(
        "import {db}: {rows} rows in {:.2} s ({:.0} rows/s); re-import (all duplicates) in {:.2} s",
        first.as_secs_f64(),
        rows as f64 / first.as_secs_f64(),
        again.as_secs_f64()
    );
}
