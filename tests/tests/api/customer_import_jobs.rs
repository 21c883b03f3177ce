//! Background imports: started with the file, followed, finished by a worker, cancelled; and
//! the inline import's size limit that sends large files here.

use crate::helpers::*;
use domain::role::Role;
use guanxi::service::jobs::work_once;
use serde_json::json;

const START: &str = "mutation($i: ImportCustomersInput!) { startCustomerImport(input: $i) { import { id state processedRows totalRows } } }";
const FOLLOW: &str = "query($id: ID!) { customerImport(id: $id) { state processedRows totalRows error report { committed totalRows created skipped failed issues { row code } } } }";

fn csv(rows: usize, prefix: &str) -> Vec<u8> {
    let mut s = String::from("客户名称,联系人,手机\n");
    for i in 0..rows {
        s.push_str(&format!(
            "{prefix}{i}号公司,联系人{i},1380000{:04}\n",
            i % 10000
        ));
    }
    s.into_bytes()
}

async fn run_jobs(app: &TestApp) {
    for _ in 0..50 {
        if !work_once(&app.state, "test").await.unwrap() {
            return;
        }
    }
}

#[tokio::test]
async fn a_large_file_is_imported_in_the_background_and_followed_by_its_owner() {
    let app = spawn_app_with(&[("GUANXI_IMPORT_MAX_INLINE_ROWS", "100")]).await;
    let rep = app.user(Role::Sales, None).await;
    let peer = app.user(Role::Sales, None).await;

    // Inline, the file is refused whole and nothing is written.
    let r = app
        .import(&rep, "big.csv", csv(1200, "后台"), json!({}))
        .await;
    assert_eq!(code(&r), "BUSINESS_RULE", "{r}");
    assert_eq!(ext(&r, "rule"), "IMPORT_TOO_LARGE");
    assert_eq!(app.visible_customers(&rep, json!({})).await.1, 0);

    let d = app
        .upload(&rep, START, "big.csv", csv(1200, "后台"), json!({}))
        .await;
    let job = d["data"]["startCustomerImport"]["import"].clone();
    assert_eq!(job["state"], "QUEUED", "{d}");
    let id = job["id"].clone();
    // Someone else cannot follow it, by its query or by node.
    let r = app
        .gql(Some(&peer.token), FOLLOW, json!({ "id": id }))
        .await;
    assert_eq!(code(&r), "NOT_FOUND");
    let n = app
        .ok(
            &peer,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert!(n["node"].is_null());

    run_jobs(&app).await;
    let f = app.ok(&rep, FOLLOW, json!({ "id": id })).await["customerImport"].clone();
    assert_eq!(
        (
            f["state"].as_str(),
            f["processedRows"].as_i64(),
            f["totalRows"].as_i64()
        ),
        (Some("DONE"), Some(1200), Some(1200)),
        "{f}"
    );
    assert_eq!(f["report"]["created"], 1200);
    assert_eq!(f["report"]["committed"], true);
    assert_eq!(app.visible_customers(&rep, json!({})).await.1, 1200);
    let n = app
        .ok(
            &rep,
            "query($id: ID!) { node(id: $id) { ... on CustomerImportJob { state } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(n["node"]["state"], "DONE");

    // The same file again: every row is a duplicate, and nothing new is written.
    let d = app
        .upload(&rep, START, "big.csv", csv(1200, "后台"), json!({}))
        .await;
    let again = d["data"]["startCustomerImport"]["import"]["id"].clone();
    run_jobs(&app).await;
    let f = app.ok(&rep, FOLLOW, json!({ "id": again })).await["customerImport"].clone();
    assert_eq!(
        (
            f["report"]["created"].as_i64(),
            f["report"]["skipped"].as_i64()
        ),
        (Some(0), Some(1200))
    );
    assert_eq!(app.visible_customers(&rep, json!({})).await.1, 1200);
}

#[tokio::test]
async fn a_cancelled_import_writes_nothing_more_and_a_bad_file_fails() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let d = app
        .upload(&rep, START, "a.csv", csv(10, "取消"), json!({}))
        .await;
    let id = d["data"]["startCustomerImport"]["import"]["id"].clone();
    let cancel = "mutation($i: CancelCustomerImportInput!) { cancelCustomerImport(input: $i) { import { state } } }";
    let c = app.ok(&rep, cancel, json!({ "i": { "id": id } })).await;
    assert_eq!(c["cancelCustomerImport"]["import"]["state"], "CANCELLED");
    run_jobs(&app).await;
    assert_eq!(app.visible_customers(&rep, json!({})).await.1, 0);
    let r = app
        .gql(Some(&rep.token), cancel, json!({ "i": { "id": id } }))
        .await;
    assert_eq!(ext(&r, "rule"), "IMPORT_FINISHED");

    let d = app
        .upload(
            &rep,
            START,
            "bad.csv",
            b"\xff\xfe\x00garbage".to_vec(),
            json!({}),
        )
        .await;
    let id = d["data"]["startCustomerImport"]["import"]["id"].clone();
    run_jobs(&app).await;
    let f = app.ok(&rep, FOLLOW, json!({ "id": id })).await["customerImport"].clone();
    assert_eq!(f["state"], "FAILED", "{f}");
    assert!(f["error"].is_string());

    // Roles that may not import cannot start one.
    let wh = app.user(Role::Warehouse, None).await;
    let r = app
        .upload(&wh, START, "a.csv", csv(1, "仓库"), json!({}))
        .await;
    assert_eq!(code(&r), "FORBIDDEN");
}
