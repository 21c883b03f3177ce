//! Operations per minute per client address, per signed-in user, and for sign-in per address.

use crate::helpers::*;
use serde_json::{Value, json};

/// Posts `body` from `ip` (through one trusted proxy) and returns status, `Retry-After` and JSON.
async fn post_from(
    app: &TestApp,
    ip: &str,
    token: Option<&str>,
    body: Value,
) -> (u16, Option<String>, Value) {
    let mut req = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("x-forwarded-for", ip)
        .json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (status, retry, r.json().await.unwrap())
}

fn typename() -> Value {
    json!({ "query": "{ __typename }" })
}

#[tokio::test]
async fn an_address_over_its_limit_waits_and_others_do_not() {
    let app = spawn_app_with(&[
        ("GUANXI_RATE_LIMIT_PER_IP", "5"),
        ("GUANXI_TRUSTED_PROXY_HOPS", "1"),
    ])
    .await;
    for _ in 0..2 {
        let (status, _, r) = post_from(&app, "198.51.100.1", None, typename()).await;
        assert_eq!(status, 200, "{r}");
    }
    // Each operation of a batch counts.
    let batch = json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }, { "query": "{ __typename }" }]);
    let (status, _, r) = post_from(&app, "198.51.100.1", None, batch).await;
    assert_eq!(status, 200, "{r}");
    let (status, retry, r) = post_from(&app, "198.51.100.1", None, typename()).await;
    assert_eq!(status, 429, "{r}");
    assert_eq!(code(&r), "RATE_LIMITED");
    assert_eq!(ext(&r, "reason"), "PER_IP");
    let wait = ext(&r, "retryAfter").as_u64().unwrap();
    assert!(
        (1..=12).contains(&wait),
        "one of 5 per minute is back within 12 s: {wait}"
    );
    assert_eq!(retry, Some(wait.to_string()));
    assert!(ext(&r, "requestId").is_string());
    assert!(r.get("data").is_none(), "the request never ran: {r}");

    let (status, _, _) = post_from(&app, "198.51.100.2", None, typename()).await;
    assert_eq!(status, 200, "another address has its own allowance");
    let health = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("x-forwarded-for", "198.51.100.1")
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200, "health checks are never limited");
}

#[tokio::test]
async fn a_user_over_their_limit_changes_nothing_and_others_go_on() {
    let app = spawn_app_with(&[("GUANXI_RATE_LIMIT_PER_USER", "3")]).await;
    let rep = app.user(Role::Sales, None).await;
    let other = app.user(Role::Sales, None).await;
    for i in 0..3 {
        app.customer(&rep, &format!("限流客户{i}")).await;
    }
    let r = app
        .gql(
            Some(&rep.token),
            CREATE_CUSTOMER,
            json!({ "i": { "customer": { "name": "一个太多" } } }),
        )
        .await;
    assert_eq!(code(&r), "RATE_LIMITED", "{r}");
    assert_eq!(ext(&r, "reason"), "PER_USER");
    let r = app
        .ok(&other, "{ customers { totalCount } }", json!({}))
        .await;
    assert_eq!(r["customers"]["totalCount"], 0, "{r}");
    let count = app
        .gql(Some(&other.token), "{ me { id } }", json!({}))
        .await;
    assert!(count["data"]["me"]["id"].is_string(), "{count}");
    // The refused create wrote nothing: the three customers are all there is.
    let admin = app.admin().await;
    let r = app
        .ok(&admin, "{ customers { totalCount } }", json!({}))
        .await;
    assert_eq!(r["customers"]["totalCount"], 3, "{r}");
}

#[tokio::test]
async fn sign_in_and_refresh_share_a_tighter_limit_per_address() {
    let app = spawn_app_with(&[
        ("GUANXI_RATE_LIMIT_SIGN_IN", "3"),
        ("GUANXI_TRUSTED_PROXY_HOPS", "1"),
    ])
    .await;
    let rep = app.user(Role::Sales, None).await;
    let login = |password: &str| {
        json!({
            "query": "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { refreshToken } }",
            "variables": { "e": rep.email, "p": password },
        })
    };
    let (_, _, r) = post_from(&app, "203.0.113.9", None, login(PASSWORD)).await;
    let refresh = r["data"]["login"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, _, r) = post_from(&app, "203.0.113.9", None, login("wrong-password-1")).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
    let renew = json!({
        "query": "mutation($t: String!) { refreshToken(input: {refreshToken: $t}) { accessToken } }",
        "variables": { "t": refresh },
    });
    let (status, _, r) = post_from(&app, "203.0.113.9", None, renew.clone()).await;
    assert_eq!(status, 200, "{r}");
    assert!(r["data"]["refreshToken"]["accessToken"].is_string(), "{r}");
    // The fourth attempt is refused, even with the right password.
    let (status, retry, r) = post_from(&app, "203.0.113.9", None, login(PASSWORD)).await;
    assert_eq!((status, code(&r)), (429, "RATE_LIMITED"), "{r}");
    assert_eq!(ext(&r, "reason"), "SIGN_IN");
    assert!(retry.is_some());
    // Other operations from that address and sign-in from another go on.
    let (status, _, _) = post_from(
        &app,
        "203.0.113.9",
        Some(&rep.token),
        json!({ "query": "{ me { id } }" }),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _, r) = post_from(&app, "203.0.113.10", None, login(PASSWORD)).await;
    assert_eq!(status, 200, "{r}");
    assert!(r["data"]["login"]["refreshToken"].is_string(), "{r}");
}
