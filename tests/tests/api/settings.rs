//! Settings in the database: typed, validated, audited, for administrators, and seen by every
//! replica within seconds.

use crate::helpers::*;
use domain::role::Role;
use serde_json::json;
use std::time::{Duration, Instant};

const READ: &str = "{ settings { id version salesCanDelete poolDays poolMaxOwned baseCurrency company { legalName taxNumber logoUrl } } }";
const UPDATE: &str = "mutation($i: UpdateSettingsInput!) { updateSettings(input: $i) { settings { version salesCanDelete poolDays baseCurrency company { legalName taxNumber } } } }";

#[tokio::test]
async fn administrators_read_and_change_the_settings_and_the_change_applies_at_once() {
    let app = spawn_app_with(&[("GUANXI_POOL_DAYS", "45")]).await;
    let admin = app.admin().await;
    let rep = app.user(Role::Sales, None).await;
    let s = app.ok(&admin, READ, json!({})).await["settings"].clone();
    // First-run values come from the environment.
    assert_eq!(
        (
            s["version"].as_i64(),
            s["poolDays"].as_i64(),
            s["baseCurrency"].as_str()
        ),
        (Some(1), Some(45), Some("CNY"))
    );
    assert_eq!(s["salesCanDelete"], false);
    assert_eq!(
        code(&app.gql(Some(&rep.token), READ, json!({})).await),
        "FORBIDDEN"
    );
    let r = app
        .gql(
            Some(&rep.token),
            UPDATE,
            json!({ "i": { "version": 1, "poolDays": 1 } }),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN");

    let c = app.customer(&rep, "设置删除测试").await;
    let delete =
        "mutation($i: DeleteCustomerInput!) { deleteCustomer(input: $i) { customer { id } } }";
    let r = app
        .gql(Some(&rep.token), delete, json!({ "i": { "id": c } }))
        .await;
    assert_eq!(code(&r), "FORBIDDEN");

    let u = app
        .ok(
            &admin,
            UPDATE,
            json!({ "i": { "version": 1, "salesCanDelete": true, "company": {
                "legalName": " 关系科技有限公司 ", "taxNumber": "91310000MA1FL0000X" } } }),
        )
        .await["updateSettings"]["settings"]
        .clone();
    assert_eq!(
        u,
        json!({ "version": 2, "salesCanDelete": true, "poolDays": 45, "baseCurrency": "CNY",
                "company": { "legalName": "关系科技有限公司", "taxNumber": "91310000MA1FL0000X" } })
    );
    // The same replica applies it to the next request.
    app.ok(&rep, delete, json!({ "i": { "id": c } })).await;

    // Audited, with the fields that changed.
    let h = app
        .ok(
            &admin,
            "query($id: ID!) { auditEvents(entityId: $id) { edges { node { action changes } } } }",
            json!({ "id": s["id"] }),
        )
        .await;
    let e = &h["auditEvents"]["edges"][0]["node"];
    assert_eq!(e["action"], "update");
    assert_eq!(
        e["changes"]["salesCanDelete"],
        json!({ "old": false, "new": true })
    );
    assert_eq!(
        e["changes"]["company.legalName"],
        json!({ "old": null, "new": "关系科技有限公司" })
    );
    assert!(e["changes"].get("poolDays").is_none());
}

#[tokio::test]
async fn bad_settings_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for (input, field) in [
        (json!({ "poolDays": -1 }), "poolDays"),
        (json!({ "poolDays": 3651 }), "poolDays"),
        (json!({ "poolMaxOwned": 0 }), "poolMaxOwned"),
        (json!({ "baseCurrency": "RMB1" }), "baseCurrency"),
        (
            json!({ "company": { "logoUrl": "http://example.cn/logo.png" } }),
            "company.logoUrl",
        ),
        (
            json!({ "company": { "taxNumber": "9".repeat(41) } }),
            "company.taxNumber",
        ),
    ] {
        let mut i = input.clone();
        i["version"] = json!(1);
        let r = app.gql(Some(&admin.token), UPDATE, json!({ "i": i })).await;
        assert_eq!(code(&r), "VALIDATION", "{input}: {r}");
        assert_eq!(ext(&r, "field"), field, "{input}");
    }
    // The wrong type never reaches the service.
    let r = app
        .gql(
            Some(&admin.token),
            UPDATE,
            json!({ "i": { "version": 1, "poolDays": "thirty" } }),
        )
        .await;
    assert!(r["errors"].is_array() && r["data"].is_null(), "{r}");
    // A stale version is a conflict.
    app.ok(
        &admin,
        UPDATE,
        json!({ "i": { "version": 1, "baseCurrency": "usd" } }),
    )
    .await;
    let r = app
        .gql(
            Some(&admin.token),
            UPDATE,
            json!({ "i": { "version": 1, "poolDays": 10 } }),
        )
        .await;
    assert_eq!(code(&r), "CONFLICT");
    let s = app.ok(&admin, READ, json!({})).await;
    assert_eq!(
        (
            s["settings"]["version"].as_i64(),
            s["settings"]["poolDays"].as_i64(),
            s["settings"]["baseCurrency"].as_str()
        ),
        (Some(2), Some(30), Some("USD"))
    );
}

#[tokio::test]
async fn another_replica_sees_a_change_within_seconds() {
    let a = spawn_app_with(&[("GUANXI_SETTINGS_REFRESH_MS", "200")]).await;
    let url = a.state.config.database_url.clone();
    let b = spawn_app_with(&[
        ("DATABASE_URL", &url),
        ("GUANXI_SETTINGS_REFRESH_MS", "200"),
    ])
    .await;
    let admin = a.admin().await;
    assert_eq!(b.state.settings.get().base_currency, "CNY");
    a.ok(
        &admin,
        UPDATE,
        json!({ "i": { "version": 1, "baseCurrency": "EUR" } }),
    )
    .await;
    let start = Instant::now();
    while b.state.settings.get().base_currency != "EUR" {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "replica b never saw the change"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // And its API answers in the new currency.
    let rep = b.user(Role::Sales, None).await;
    let d = b
        .ok(
            &rep,
            CREATE_CUSTOMER,
            json!({ "i": { "customer": { "name": "欧元客户", "creditLimit": "10" } } }),
        )
        .await;
    assert_eq!(
        d["createCustomer"]["customer"]["creditLimit"]["currency"],
        "EUR"
    );
}
