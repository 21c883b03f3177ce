//! Background exports: started, followed, downloaded by their owner only, cancelled.

use crate::helpers::*;
use guanxi::service::jobs::work_once;
use serde_json::{Value, json};

const START: &str = "mutation($i: StartCustomerExportInput!) { startCustomerExport(input: $i) { export { id state rowCount downloadUrl } } }";
const FOLLOW: &str =
    "query($id: ID!) { customerExport(id: $id) { state rowCount downloadUrl expiresAt error } }";

async fn run_jobs(app: &TestApp) {
    for _ in 0..50 {
        if !work_once(&app.state, "test").await.unwrap() {
            return;
        }
    }
}

async fn download(app: &TestApp, url: &str, token: Option<&str>) -> (u16, String) {
    let mut req = app.client.get(format!("{}{url}", app.address));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn an_export_is_built_in_the_background_and_only_its_owner_downloads_it() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let other = app.user(Role::Sales, None).await;
    for i in 0..3 {
        app.customer(&rep, &format!("导出客户{i}")).await;
    }
    app.customer(&other, "别人的客户").await;
    let d = app.ok(&rep, START, json!({ "i": {} })).await;
    let e = &d["startCustomerExport"]["export"];
    assert_eq!(
        (e["state"].as_str(), e["downloadUrl"].as_null()),
        (Some("QUEUED"), Some(()))
    );
    let id = e["id"].as_str().unwrap().to_string();
    run_jobs(&app).await;
    let d = app.ok(&rep, FOLLOW, json!({ "id": id })).await;
    let e = &d["customerExport"];
    assert_eq!(
        (e["state"].as_str(), e["rowCount"].as_i64()),
        (Some("DONE"), Some(3)),
        "{e}"
    );
    assert!(e["expiresAt"].is_string());
    let url = e["downloadUrl"].as_str().unwrap().to_string();

    let (status, body) = download(&app, &url, Some(&rep.token)).await;
    assert_eq!(status, 200);
    assert_eq!(
        body.lines().count(),
        4,
        "a header and the rep's three customers: {body}"
    );
    assert!(
        body.contains("导出客户2") && !body.contains("别人的客户"),
        "{body}"
    );
    // Another user, no token, a made-up id: nothing.
    assert_eq!(download(&app, &url, Some(&other.token)).await.0, 404);
    assert_eq!(download(&app, &url, None).await.0, 401);
    assert_eq!(
        download(&app, "/exports/nonsense", Some(&rep.token))
            .await
            .0,
        404
    );
    let r = app
        .gql(Some(&other.token), FOLLOW, json!({ "id": id }))
        .await;
    assert_eq!(code(&r), "NOT_FOUND");
}

#[tokio::test]
async fn a_cancelled_export_writes_nothing_and_a_bad_filter_is_refused_at_once() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    app.customer(&rep, "取消导出").await;
    let d = app.ok(&rep, START, json!({ "i": {} })).await;
    let id = d["startCustomerExport"]["export"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let cancel =
        "mutation($id: ID!) { cancelCustomerExport(input: {id: $id}) { export { state } } }";
    let d = app.ok(&rep, cancel, json!({ "id": id })).await;
    assert_eq!(d["cancelCustomerExport"]["export"]["state"], "CANCELLED");
    run_jobs(&app).await;
    let d = app.ok(&rep, FOLLOW, json!({ "id": id })).await;
    assert_eq!(
        d["customerExport"],
        json!({ "state": "CANCELLED", "rowCount": 0, "downloadUrl": null, "expiresAt": null, "error": null })
    );
    let r = app.gql(Some(&rep.token), cancel, json!({ "id": id })).await;
    assert_eq!(ext(&r, "rule"), "EXPORT_FINISHED");
    let bad: Value = json!({ "i": { "filter": { "ownerIds": ["not-an-id"] } } });
    let r = app.gql(Some(&rep.token), START, bad).await;
    assert_eq!(code(&r), "VALIDATION", "{r}");
}

#[tokio::test]
async fn a_large_export_is_refused_inline_and_served_as_a_file() {
    let app = spawn_app_with(&[("GUANXI_EXPORT_MAX_INLINE_ROWS", "2")]).await;
    let rep = app.user(Role::Sales, None).await;
    for i in 0..3 {
        app.customer(&rep, &format!("大导出{i}")).await;
    }
    let inline = "{ exportCustomers { rowCount } }";
    let r = app.gql(Some(&rep.token), inline, json!({})).await;
    assert_eq!(ext(&r, "rule"), "EXPORT_TOO_LARGE", "{r}");
    let d = app
        .ok(
            &rep,
            inline
                .replace(
                    "exportCustomers",
                    "exportCustomers(filter: {search: \"大导出1\"})",
                )
                .as_str(),
            json!({}),
        )
        .await;
    assert_eq!(d["exportCustomers"]["rowCount"], 1);
    let d = app.ok(&rep, START, json!({ "i": {} })).await;
    let id = d["startCustomerExport"]["export"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    run_jobs(&app).await;
    let d = app.ok(&rep, FOLLOW, json!({ "id": id })).await;
    assert_eq!(d["customerExport"]["rowCount"], 3);
}

#[tokio::test]
async fn a_file_of_many_pages_is_written_and_streamed_in_chunks() {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let now = chrono::Utc::now();
    let rows: Vec<entity::customer::ActiveModel> = (0..2_345)
        .map(|i| {
            let mut m = guanxi::service::customers::patch::blank(now);
            m.name = format!("批量客户{i:05}");
            m.name_key = format!("pl{i:05}");
            m.owner_id = Some(rep.id);
            m.into()
        })
        .collect();
    for chunk in rows.chunks(500) {
        entity::customer::Entity::insert_many(chunk.to_vec())
            .exec(&app.state.db)
            .await
            .unwrap();
    }
    let d = app.ok(&rep, START, json!({ "i": {} })).await;
    let id = d["startCustomerExport"]["export"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    run_jobs(&app).await;
    let d = app.ok(&rep, FOLLOW, json!({ "id": id })).await;
    assert_eq!(d["customerExport"]["rowCount"], 2_345, "{d}");
    let chunks = entity::export_chunk::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(chunks, 3, "one chunk per page of 1,000");
    let url = d["customerExport"]["downloadUrl"].as_str().unwrap();
    let (status, body) = download(&app, url, Some(&rep.token)).await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(
        lines.len(),
        2_346,
        "the header once, then every customer once"
    );
    assert!(lines[0].starts_with("name,"));
    let mut names: Vec<&str> = lines[1..]
        .iter()
        .map(|l| &l[..l.find(',').unwrap()])
        .collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 2_345);
}
