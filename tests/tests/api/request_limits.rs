//! Requests that would cost the server far more than they cost the client are refused
//! before they run.

use crate::helpers::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Each fragment spreads the previous one twice: 2^depth fields from a short document.
fn fragment_bomb(depth: usize) -> String {
    let mut q = String::from("query { me { ...F0 } }\nfragment F0 on User { id }\n");
    for i in 1..=depth {
        q.push_str(&format!(
            "fragment F{i} on User {{ ...F{p} manager {{ ...F{p} }} }}\n",
            p = i - 1
        ));
    }
    q.replace("{ me { ...F0 } }", &format!("{{ me {{ ...F{depth} }} }}"))
}

#[tokio::test]
async fn fragment_bombs_are_refused_quickly() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let started = Instant::now();
    let r = app
        .gql(Some(&admin.token), &fragment_bomb(40), json!({}))
        .await;
    assert_eq!(code(&r), "VALIDATION");
    assert_eq!(ext(&r, "reason"), "TOO_MANY_SELECTIONS", "{r}");
    // Counting is linear in the document, not in its expansion (a guard, not a benchmark).
    assert!(started.elapsed() < Duration::from_secs(5));
    // The server still answers.
    let r = app
        .gql(Some(&admin.token), &fragment_bomb(3), json!({}))
        .await;
    assert!(r["data"]["me"]["id"].is_string(), "{r}");
}

#[tokio::test]
async fn long_lists_in_variables_or_literals_are_refused() {
    let app = spawn_app_with(&[("GUANXI_MAX_INPUT_LIST", "50")]).await;
    let admin = app.admin().await;
    let q = "query($t: [String!]) { customers(filter: {tagsAny: $t}) { totalCount } }";
    let tags: Vec<String> = (0..51).map(|i| format!("t{i}")).collect();
    let r = app.gql(Some(&admin.token), q, json!({ "t": tags })).await;
    assert_eq!(ext(&r, "reason"), "LIST_TOO_LONG", "{r}");

    let literal = format!(
        "{{ customers(filter: {{tagsAny: [{}]}}) {{ totalCount }} }}",
        (0..51)
            .map(|i| format!("\"t{i}\""))
            .collect::<Vec<_>>()
            .join(",")
    );
    let r = app.gql(Some(&admin.token), &literal, json!({})).await;
    assert_eq!(ext(&r, "reason"), "LIST_TOO_LONG", "{r}");

    // A million nested brackets in the variables do not take the server down.
    let deep: Value =
        serde_json::from_str(&format!("{}{}", "[".repeat(100), "]".repeat(100))).unwrap();
    let r = app.gql(Some(&admin.token), q, json!({ "t": deep })).await;
    assert_eq!(code(&r), "VALIDATION", "{r}");
    assert!(
        app.gql(Some(&admin.token), "{ me { id } }", json!({}))
            .await["data"]["me"]
            .is_object()
    );
}

#[tokio::test]
async fn filters_take_a_bounded_number_of_values_and_stay_correct_at_the_bound() {
    let app = spawn_app_with(&[("GUANXI_MAX_FILTER_VALUES", "100")]).await;
    let rep = app.user(Role::Sales, None).await;
    app.ok(
        &rep,
        CREATE_CUSTOMER,
        json!({ "i": { "customer": { "name": "标签客户", "tags": ["t99"] } } }),
    )
    .await;
    let q = "query($t: [String!]) { customers(filter: {tagsAny: $t}) { totalCount } }";
    let at_bound: Vec<String> = (0..100).map(|i| format!("t{i}")).collect();
    let d = app.ok(&rep, q, json!({ "t": at_bound })).await;
    assert_eq!(d["customers"]["totalCount"], 1);
    let over: Vec<String> = (0..101).map(|i| format!("t{i}")).collect();
    let r = app.gql(Some(&rep.token), q, json!({ "t": over })).await;
    assert_eq!(code(&r), "VALIDATION");
    assert_eq!(ext(&r, "field"), "filter.tagsAny");
}

#[tokio::test]
async fn password_checks_hidden_in_fragments_still_count() {
    let app = spawn_app().await;
    let q = r#"
        mutation { ...L }
        fragment L on MutationRoot {
            a: login(input: {email: "a@example.com", password: "x"}) { accessToken }
            b: login(input: {email: "b@example.com", password: "x"}) { accessToken }
            c: login(input: {email: "c@example.com", password: "x"}) { accessToken }
        }"#;
    let r = app.gql(None, q, json!({})).await;
    assert_eq!(ext(&r, "reason"), "TOO_MANY_PASSWORD_CHECKS", "{r}");
}

#[tokio::test]
async fn one_export_per_request() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let r = app
        .gql(
            Some(&admin.token),
            "{ a: exportCustomers { rowCount } b: exportCustomers { rowCount } }",
            json!({}),
        )
        .await;
    assert_eq!(ext(&r, "reason"), "TOO_MANY_EXPORTS", "{r}");
    let d = app
        .ok(&admin, "{ exportCustomers { rowCount } }", json!({}))
        .await;
    assert_eq!(d["exportCustomers"]["rowCount"], 0);
}

#[tokio::test]
async fn exported_cells_never_run_as_formulas() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    app.customer(&rep, "=1+2").await;
    app.customer(&rep, "@SUM(A1)").await;
    app.customer(&rep, "普通客户").await;
    let d = app.ok(&rep, "{ exportCustomers { csv } }", json!({})).await;
    let csv = d["exportCustomers"]["csv"].as_str().unwrap();
    let mut names: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, vec!["'=1+2", "'@SUM(A1)", "普通客户"]);
}

#[tokio::test]
async fn production_refuses_introspection_with_a_reason() {
    let app = spawn_app_with(&[("GUANXI_ENV", "production")]).await;
    let r = app
        .gql(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(ext(&r, "reason"), "INTROSPECTION_DISABLED", "{r}");
    let r = app
        .gql(
            None,
            "query { ...T } fragment T on QueryRoot { __type(name: \"User\") { name } }",
            json!({}),
        )
        .await;
    assert_eq!(ext(&r, "reason"), "INTROSPECTION_DISABLED", "{r}");
    let r = app.gql(None, "{ __typename }", json!({})).await;
    assert_eq!(r["data"]["__typename"], "QueryRoot");
}

#[tokio::test]
async fn a_page_costs_what_its_nodes_cost() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let fields: String = (0..60).map(|i| format!("f{i}: name ")).collect();
    let q = |first: u32| {
        format!("{{ customers(first: {first}) {{ edges {{ node {{ {fields} }} }} }} }}")
    };
    let r = app.gql(Some(&admin.token), &q(100), json!({})).await;
    assert_eq!(code(&r), "VALIDATION", "{r}");
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("complex"),
        "{r}"
    );
    let r = app.gql(Some(&admin.token), &q(10), json!({})).await;
    assert!(r.get("errors").is_none(), "{r}");
}

#[tokio::test]
async fn a_request_that_runs_too_long_is_stopped_with_a_code() {
    // A sign-in hashing with far more memory and passes than the tests normally use.
    let app = spawn_app_with(&[
        ("GUANXI_REQUEST_TIMEOUT_SECS", "1"),
        ("GUANXI_ARGON2_MEMORY_KIB", "262144"),
        ("GUANXI_ARGON2_ITERATIONS", "6"),
    ])
    .await;
    let started = Instant::now();
    let r = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": "mutation { login(input: {email: \"a@example.com\", password: \"x\"}) { accessToken } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let body: Value = r.json().await.unwrap();
    assert_eq!(ext(&body, "reason"), "TIMEOUT", "{body}");
    assert!(started.elapsed() < Duration::from_secs(5));
    let r = app.gql(None, "{ __typename }", json!({})).await;
    assert_eq!(r["data"]["__typename"], "QueryRoot");
}

#[tokio::test]
async fn postgres_statements_have_a_timeout() {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    let app = spawn_app_with(&[("GUANXI_DB_STATEMENT_TIMEOUT_MS", "1234")]).await;
    let db = &app.state.db;
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return;
    }
    let row = db
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SHOW statement_timeout",
        ))
        .await
        .unwrap()
        .unwrap();
    let value: String = row.try_get("", "statement_timeout").unwrap();
    assert_eq!(value, "1234ms");
}

#[tokio::test]
async fn nul_characters_are_refused_on_every_database() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let r = app
        .gql(
            None,
            r#"mutation { login(input: {email: "a\u0000b@example.com", password: "x"}) { user { id } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(code(&r), "VALIDATION", "{r}");
    assert_eq!(ext(&r, "reason"), "NUL_CHARACTER", "{r}");
    assert_eq!(ext(&r, "field"), "email", "{r}");
    assert!(
        ext(&r, "requestId").is_string(),
        "refusals carry the request id: {r}"
    );
    let q = "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { customer { id } } }";
    let r = app
        .gql(
            Some(&admin.token),
            q,
            json!({ "i": { "customer": { "name": "Nul\u{0} Trading" } } }),
        )
        .await;
    assert_eq!(ext(&r, "reason"), "NUL_CHARACTER", "{r}");
    assert_eq!(ext(&r, "field"), "name", "{r}");
    let r = app
        .gql(
            Some(&admin.token),
            "{ customers { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(r["data"]["customers"]["totalCount"], 0, "{r}");
}

#[tokio::test]
async fn directives_per_field_are_a_setting() {
    let two = "{ __typename @include(if: true) @skip(if: false) }";
    let app = spawn_app().await;
    let r = app.gql(None, two, json!({})).await;
    assert_eq!(r["data"]["__typename"], "QueryRoot", "{r}");
    let app = spawn_app_with(&[("GUANXI_MAX_DIRECTIVES", "1")]).await;
    let r = app.gql(None, two, json!({})).await;
    assert_eq!(code(&r), "VALIDATION", "{r}");
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("directives"),
        "{r}"
    );
}

#[tokio::test]
async fn the_parser_recursion_depth_is_a_setting() {
    let deep = format!(
        "{{ me {{ {}id{} }} }}",
        "manager { ".repeat(6),
        " }".repeat(6)
    );
    let app = spawn_app().await;
    let admin = app.admin().await;
    let r = app.gql(Some(&admin.token), &deep, json!({})).await;
    assert!(r.get("errors").is_none(), "{r}");
    let app = spawn_app_with(&[("GUANXI_MAX_RECURSIVE_DEPTH", "4")]).await;
    let admin = app.admin().await;
    let r = app.gql(Some(&admin.token), &deep, json!({})).await;
    assert_eq!(code(&r), "VALIDATION", "{r}");
}

#[tokio::test]
async fn the_page_size_is_a_setting() {
    let app = spawn_app_with(&[("GUANXI_MAX_PAGE_SIZE", "2")]).await;
    let rep = app.user(Role::Sales, None).await;
    for i in 0..3 {
        app.customer(&rep, &format!("分页{i}")).await;
    }
    let q =
        "{ customers(first: 50) { totalCount edges { node { id } } pageInfo { hasNextPage } } }";
    let d = app.ok(&rep, q, json!({})).await;
    assert_eq!(d["customers"]["edges"].as_array().unwrap().len(), 2, "{d}");
    assert_eq!(d["customers"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(d["customers"]["totalCount"], 3);
    let bad = guanxi::config::Config::from_lookup(|k| {
        (k == "GUANXI_MAX_PAGE_SIZE").then(|| "5000".to_string())
    });
    assert_eq!(bad.unwrap_err().variable, "GUANXI_MAX_PAGE_SIZE");
}
