use crate::helpers::*;
use serde_json::{Value, json};

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("x-request-id").is_some());
    let r = app
        .client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn unknown_route_is_a_json_not_found() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/nope", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(code(&body), "NOT_FOUND");
}

#[tokio::test]
async fn malformed_json_gets_a_graphql_error() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(code(&body), "VALIDATION");
    assert_eq!(ext(&body, "reason"), "MALFORMED_REQUEST");
}

#[tokio::test]
async fn wrong_content_type_is_refused_as_json() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "text/plain")
        .body(r#"{"query":"{ __typename }"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let body: Value = r.json().await.unwrap();
    assert_eq!(ext(&body, "reason"), "UNSUPPORTED_MEDIA_TYPE");
}

#[tokio::test]
async fn oversized_body_is_refused_as_json() {
    let app = spawn_app().await;
    let big = "x".repeat(2 * 1024 * 1024);
    let r = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": big }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body: Value = r.json().await.unwrap();
    assert_eq!(ext(&body, "reason"), "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn get_runs_queries_but_refuses_mutations() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", "{ __typename }")])
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["data"]["__typename"], "QueryRoot");
    let r = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[(
            "query",
            r#"mutation { login(input: {email: "a@b.cn", password: "x"}) { accessToken } }"#,
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let body: Value = r.json().await.unwrap();
    assert_eq!(ext(&body, "reason"), "MUTATION_OVER_GET");
}

#[tokio::test]
async fn graphiql_is_served_to_browsers_in_development_only() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/graphql", app.address))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().to_lowercase().contains("graphiql"));

    let prod = spawn_app_with(&[("GUANXI_ENV", "production")]).await;
    let r = prod
        .client
        .get(format!("{}/graphql", prod.address))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), 200);
    let body = prod
        .gql(None, "{ __schema { types { name } } }", json!({}))
        .await;
    assert!(
        body["data"]["__schema"].is_null(),
        "introspection must be off: {body}"
    );
}

#[tokio::test]
async fn syntax_errors_and_deep_queries_carry_codes() {
    let app = spawn_app().await;
    let body = app.gql(None, "{ me { ", json!({})).await;
    assert_eq!(code(&body), "VALIDATION");
    let admin = app.admin().await;
    let deep = format!("{{ me {} id {} }}", "{ manager ".repeat(15), "}".repeat(15));
    let body = app.gql(Some(&admin.token), &deep, json!({})).await;
    assert_eq!(code(&body), "VALIDATION");
    assert!(body["errors"][0]["extensions"]["requestId"].is_string());
}

#[tokio::test]
async fn every_response_names_its_request() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("x-request-id", "trace-me-123")
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "trace-me-123");
    let body: Value = r.json().await.unwrap();
    assert_eq!(code(&body), "UNAUTHENTICATED");
    assert_eq!(ext(&body, "requestId"), "trace-me-123");
}

#[tokio::test]
async fn unacceptable_request_ids_are_replaced() {
    let app = spawn_app().await;
    for bad in [
        "x".repeat(65),
        "has space".into(),
        "<script>".into(),
        "ünï".into(),
    ] {
        let r = app
            .client
            .post(format!("{}/graphql", app.address))
            .header("x-request-id", bad.as_bytes())
            .json(&json!({ "query": "{ me { id } }" }))
            .send()
            .await
            .unwrap();
        let echoed = r.headers()["x-request-id"].to_str().unwrap().to_string();
        assert_ne!(echoed.as_bytes(), bad.as_bytes());
        assert!(uuid::Uuid::parse_str(&echoed).is_ok(), "{echoed}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(ext(&body, "requestId"), echoed.as_str());
    }
}

#[tokio::test]
async fn cors_answers_only_allowed_origins() {
    let app = spawn_app_with(&[(
        "GUANXI_CORS_ORIGINS",
        "https://app.example.com, https://m.example.com",
    )])
    .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let ok = preflight("https://m.example.com").await.unwrap();
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://m.example.com"
    );
    assert_eq!(ok.headers()["access-control-max-age"], "600");
    let allowed = ok.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(allowed.contains("apollographql-client-name") && allowed.contains("traceparent"));
    let other = preflight("https://evil.example.com").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn cors_max_age_and_headers_are_settings() {
    let app = spawn_app_with(&[
        ("GUANXI_CORS_ORIGINS", "https://app.example.com"),
        ("GUANXI_CORS_MAX_AGE_SECS", "86400"),
        (
            "GUANXI_CORS_ALLOW_HEADERS",
            "authorization, content-type, x-tenant",
        ),
    ])
    .await;
    let r = app
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "x-tenant")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["access-control-max-age"], "86400");
    let allowed = r.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap();
    assert!(allowed.contains("x-tenant") && !allowed.contains("traceparent"));
}

#[tokio::test]
async fn database_failures_are_internal_with_a_request_id_and_no_details() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    use sea_orm::ConnectionTrait;
    app.state
        .db
        .execute_unprepared("DROP TABLE audit_events")
        .await
        .unwrap();
    let r = app
        .gql(
            Some(&rep.token),
            CREATE_CUSTOMER,
            json!({ "i": { "customer": { "name": "不会成功" } } }),
        )
        .await;
    assert_eq!(code(&r), "INTERNAL");
    assert_eq!(r["errors"][0]["message"], "internal error");
    assert!(ext(&r, "requestId").is_string());
    let text = r.to_string().to_lowercase();
    assert!(
        !text.contains("audit") && !text.contains("table") && !text.contains("sql"),
        "{text}"
    );
    // The transaction rolled back: no customer without its audit event.
    assert_eq!(app.visible_customers(&rep, json!({})).await.1, 0);
}

#[tokio::test]
async fn too_many_aliases_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let many: Vec<String> = (0..101).map(|i| format!("a{i}: me {{ id }}")).collect();
    let r = app
        .gql(
            Some(&admin.token),
            &format!("{{ {} }}", many.join(" ")),
            json!({}),
        )
        .await;
    assert_eq!(code(&r), "VALIDATION");
    assert_eq!(ext(&r, "reason"), "TOO_MANY_ALIASES");
    let few: Vec<String> = (0..5).map(|i| format!("a{i}: me {{ id }}")).collect();
    let r = app
        .gql(
            Some(&admin.token),
            &format!("{{ {} }}", few.join(" ")),
            json!({}),
        )
        .await;
    assert!(r["data"]["a4"]["id"].is_string(), "{r}");
}
