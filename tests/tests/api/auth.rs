use crate::helpers::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

const LOGIN: &str = "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken refreshToken user { email role } } }";
const REFRESH: &str = "mutation($t: String!) { refreshToken(input: {refreshToken: $t}) { accessToken refreshToken } }";

async fn login(app: &TestApp, email: &str, password: &str) -> Value {
    app.gql(None, LOGIN, json!({ "e": email, "p": password }))
        .await
}

#[tokio::test]
async fn login_then_me() {
    let app = spawn_app().await;
    let u = app.user(Role::Sales, None).await;
    let r = login(&app, &u.email.to_uppercase(), PASSWORD).await;
    let token = r["data"]["login"]["accessToken"].as_str().unwrap();
    assert_eq!(r["data"]["login"]["user"]["role"], "SALES");
    let me = app.gql(Some(token), "{ me { email } }", json!({})).await;
    assert_eq!(me["data"]["me"]["email"], u.email);
}

#[tokio::test]
async fn wrong_email_and_wrong_password_look_the_same() {
    let app = spawn_app().await;
    let u = app.user(Role::Sales, None).await;
    let a = login(&app, &u.email, "Wrong-password-1").await;
    let b = login(&app, "nobody@example.com", PASSWORD).await;
    let c = login(&app, "not an email", PASSWORD).await;
    for r in [&a, &b, &c] {
        assert_eq!(code(r), "UNAUTHENTICATED");
        assert_eq!(ext(r, "reason"), "INVALID_CREDENTIALS");
        assert_eq!(r["errors"][0]["message"], a["errors"][0]["message"]);
    }
}

#[tokio::test]
async fn no_token_malformed_forged_and_alg_none_are_unauthenticated() {
    let app = spawn_app().await;
    let u = app.user(Role::Sales, None).await;
    let me = "{ me { id } }";
    assert_eq!(
        ext(&app.gql(None, me, json!({})).await, "reason"),
        "MISSING_TOKEN"
    );
    assert_eq!(
        code(&app.gql(Some("garbage"), me, json!({})).await),
        "UNAUTHENTICATED"
    );
    let now = chrono::Utc::now().timestamp();
    let claims = json!({ "sub": u.id.to_string(), "iss": "guanxi", "aud": "guanxi-api", "exp": now + 600, "iat": now });
    let forged = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(b"some-other-secret-some-other-secret!"),
    )
    .unwrap();
    let r = app.gql(Some(&forged), me, json!({})).await;
    assert_eq!(ext(&r, "reason"), "INVALID_TOKEN");
    // alg: none, hand-built since no library will sign it.
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let none = format!(
        "{}.{}.",
        b64.encode(br#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(claims.to_string())
    );
    let r = app.gql(Some(&none), me, json!({})).await;
    assert_eq!(ext(&r, "reason"), "INVALID_TOKEN");
    // Right secret, wrong audience.
    let wrong_aud = encode(
        &Header::new(Algorithm::HS256),
        &json!({ "sub": u.id.to_string(), "iss": "guanxi", "aud": "elsewhere", "exp": now + 600 }),
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap();
    assert_eq!(
        ext(&app.gql(Some(&wrong_aud), me, json!({})).await, "reason"),
        "INVALID_TOKEN"
    );
}

#[tokio::test]
async fn expired_token_says_so() {
    let app = spawn_app().await;
    let u = app.user(Role::Sales, None).await;
    let now = chrono::Utc::now().timestamp();
    let expired = encode(
        &Header::new(Algorithm::HS256),
        &json!({ "sub": u.id.to_string(), "sid": uuid::Uuid::now_v7().to_string(), "iss": "guanxi", "aud": "guanxi-api", "exp": now - 10, "iat": now - 910 }),
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap();
    let r = app.gql(Some(&expired), "{ me { id } }", json!({})).await;
    assert_eq!(code(&r), "UNAUTHENTICATED");
    assert_eq!(ext(&r, "reason"), "TOKEN_EXPIRED");
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = spawn_app().await;
    let u = app.user(Role::Sales, None).await;
    let r = login(&app, &u.email, PASSWORD).await;
    let first = r["data"]["login"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app.gql(None, REFRESH, json!({ "t": first })).await;
    let second = r["data"]["refreshToken"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(first, second);
    assert!(r["data"]["refreshToken"]["accessToken"].is_string());
    // The first token again: theft suspected, the whole family dies.
    let r = app.gql(None, REFRESH, json!({ "t": first })).await;
    assert_eq!(ext(&r, "reason"), "REFRESH_TOKEN_REUSED");
    let r = app.gql(None, REFRESH, json!({ "t": second })).await;
    assert_eq!(code(&r), "UNAUTHENTICATED");
    let r = app.gql(None, REFRESH, json!({ "t": "made-up" })).await;
    assert_eq!(ext(&r, "reason"), "INVALID_REFRESH_TOKEN");
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let u = app.user(Role::Sales, None).await;
    let r = login(&app, &u.email, PASSWORD).await;
    let access = r["data"]["login"]["accessToken"].as_str().unwrap();
    let refresh = r["data"]["login"]["refreshToken"].as_str().unwrap();
    let out = app
        .gql(
            Some(access),
            "mutation($t: String!) { logout(input: {refreshToken: $t}) { ok } }",
            json!({ "t": refresh }),
        )
        .await;
    assert_eq!(out["data"]["logout"]["ok"], true);
    let r = app.gql(None, REFRESH, json!({ "t": refresh })).await;
    assert_eq!(code(&r), "UNAUTHENTICATED");
}

#[tokio::test]
async fn change_password_checks_and_revokes_refresh_tokens() {
    let app = spawn_app().await;
    let u = app.user(Role::Sales, None).await;
    let r = login(&app, &u.email, PASSWORD).await;
    let refresh = r["data"]["login"]["refreshToken"].as_str().unwrap();
    let change = "mutation($c: String!, $n: String!) { changePassword(input: {currentPassword: $c, newPassword: $n}) { ok } }";
    let weak = app
        .gql(
            Some(&u.token),
            change,
            json!({ "c": PASSWORD, "n": "short" }),
        )
        .await;
    assert_eq!(code(&weak), "VALIDATION");
    assert_eq!(ext(&weak, "field"), "newPassword");
    let wrong = app
        .gql(
            Some(&u.token),
            change,
            json!({ "c": "Not-it-at-all-9", "n": "Another-Good-One-7" }),
        )
        .await;
    assert_eq!(ext(&wrong, "field"), "currentPassword");
    // Nothing changed so far: the old password still works.
    assert!(login(&app, &u.email, PASSWORD).await["data"]["login"].is_object());
    let ok = app
        .ok(
            &u,
            change,
            json!({ "c": PASSWORD, "n": "Another-Good-One-7" }),
        )
        .await;
    assert_eq!(ok["changePassword"]["ok"], true);
    assert_eq!(
        code(&app.gql(None, REFRESH, json!({ "t": refresh })).await),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        code(&login(&app, &u.email, PASSWORD).await),
        "UNAUTHENTICATED"
    );
    assert!(login(&app, &u.email, "Another-Good-One-7").await["data"]["login"].is_object());
}

#[tokio::test]
async fn deactivated_user_is_locked_out_at_once() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let u = app.user(Role::Sales, None).await;
    let r = login(&app, &u.email, PASSWORD).await;
    let refresh = r["data"]["login"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    app.ok(
        &admin,
        "mutation($id: ID!) { deactivateUser(input: {id: $id}) { user { active } } }",
        json!({ "id": u.gid }),
    )
    .await;
    let me = app.gql(Some(&u.token), "{ me { id } }", json!({})).await;
    assert_eq!(ext(&me, "reason"), "USER_INACTIVE");
    assert_eq!(
        ext(&login(&app, &u.email, PASSWORD).await, "reason"),
        "INVALID_CREDENTIALS"
    );
    assert_eq!(
        code(&app.gql(None, REFRESH, json!({ "t": refresh })).await),
        "UNAUTHENTICATED"
    );
    let r = app
        .gql(
            Some(&admin.token),
            "mutation($id: ID!) { deactivateUser(input: {id: $id}) { user { active } } }",
            json!({ "id": admin.gid }),
        )
        .await;
    assert_eq!(code(&r), "BUSINESS_RULE");
}

#[tokio::test]
async fn repeated_failures_lock_one_email_for_a_while() {
    let app = spawn_app_with(&[("GUANXI_LOGIN_MAX_FAILURES", "3")]).await;
    let u = app.user(Role::Sales, None).await;
    let other = app.user(Role::Sales, None).await;
    for _ in 0..3 {
        assert_eq!(
            ext(&login(&app, &u.email, "Wrong-password-1").await, "reason"),
            "INVALID_CREDENTIALS"
        );
    }
    let r = login(&app, &u.email.to_uppercase(), PASSWORD).await;
    assert_eq!(
        code(&r),
        "RATE_LIMITED",
        "even the right password waits: {r}"
    );
    assert!(login(&app, &other.email, PASSWORD).await["data"]["login"].is_object());
    assert!(ext(&r, "retryAfter").as_u64().unwrap() > 0, "{r}");
}

async fn login_from(app: &TestApp, ip: &str, email: &str, password: &str) -> Value {
    app.client
        .post(format!("{}/graphql", app.address))
        .header("x-forwarded-for", format!("10.9.9.9, {ip}"))
        .json(&json!({ "query": LOGIN, "variables": { "e": email, "p": password } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_guesser_is_stopped_while_the_owner_elsewhere_only_waits() {
    let app = spawn_app_with(&[
        ("GUANXI_LOGIN_MAX_FAILURES", "3"),
        ("GUANXI_LOGIN_MAX_DELAY_SECS", "1"),
        ("GUANXI_TRUSTED_PROXY_HOPS", "1"),
    ])
    .await;
    let u = app.user(Role::Sales, None).await;
    for _ in 0..3 {
        let r = login_from(&app, "198.51.100.6", &u.email, "Wrong-password-1").await;
        assert_eq!(ext(&r, "reason"), "INVALID_CREDENTIALS", "{r}");
    }
    // The guessing address is refused for the window, the right password included.
    let r = login_from(&app, "198.51.100.6", &u.email, PASSWORD).await;
    assert_eq!(code(&r), "RATE_LIMITED", "{r}");
    assert!(ext(&r, "retryAfter").as_u64().unwrap() > 60, "{r}");
    // The owner, elsewhere, waits at most the delay and is let in.
    let mut r = login_from(&app, "203.0.113.7", &u.email, PASSWORD).await;
    if r.get("errors").is_some() {
        assert_eq!(code(&r), "RATE_LIMITED", "{r}");
        assert!(ext(&r, "retryAfter").as_u64().unwrap() <= 1, "{r}");
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        r = login_from(&app, "203.0.113.7", &u.email, PASSWORD).await;
    }
    assert!(r["data"]["login"]["accessToken"].is_string(), "{r}");
}

#[tokio::test]
async fn one_address_spraying_many_emails_is_stopped() {
    let app = spawn_app_with(&[
        ("GUANXI_LOGIN_MAX_FAILURES_PER_IP", "4"),
        ("GUANXI_TRUSTED_PROXY_HOPS", "1"),
    ])
    .await;
    let u = app.user(Role::Sales, None).await;
    for i in 0..4 {
        let r = login_from(&app, "198.51.100.9", &format!("n{i}@example.com"), "x").await;
        assert_eq!(ext(&r, "reason"), "INVALID_CREDENTIALS", "{r}");
    }
    let r = login_from(&app, "198.51.100.9", &u.email, PASSWORD).await;
    assert_eq!(code(&r), "RATE_LIMITED", "{r}");
    let r = login_from(&app, "198.51.100.10", &u.email, PASSWORD).await;
    assert!(r["data"]["login"].is_object(), "{r}");
}

#[tokio::test]
async fn one_request_cannot_try_many_passwords() {
    let app = spawn_app().await;
    let login = |i: usize| {
        format!(
            "a{i}: login(input: {{email: \"x{i}@example.com\", password: \"p\"}}) {{ accessToken }}"
        )
    };
    let many: Vec<String> = (0..3).map(login).collect();
    let r = app
        .gql(
            None,
            &format!("mutation {{ {} }}", many.join(" ")),
            json!({}),
        )
        .await;
    assert_eq!(ext(&r, "reason"), "TOO_MANY_PASSWORD_CHECKS", "{r}");
    // Spreading them over a batch does not help.
    let batch: Vec<serde_json::Value> = (0..3)
        .map(|i| json!({ "query": format!("mutation {{ {} }}", login(i)) }))
        .collect();
    let r: serde_json::Value = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&batch)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ext(&r, "reason"), "TOO_MANY_PASSWORD_CHECKS", "{r}");
    // Two are fine (a wrong one, then a right one, say).
    let two: Vec<String> = (0..2).map(login).collect();
    let r = app
        .gql(
            None,
            &format!("mutation {{ {} }}", two.join(" ")),
            json!({}),
        )
        .await;
    assert_eq!(ext(&r, "reason"), "INVALID_CREDENTIALS", "{r}");
}

const LOGOUT: &str = "mutation($t: String) { logout(input: {refreshToken: $t}) { ok } }";

async fn session(app: &TestApp, u: &TestUser) -> (String, String) {
    let r = login(app, &u.email, PASSWORD).await;
    (
        r["data"]["login"]["accessToken"].as_str().unwrap().into(),
        r["data"]["login"]["refreshToken"].as_str().unwrap().into(),
    )
}

fn reason(r: &Value) -> &str {
    ext(r, "reason").as_str().unwrap_or_default()
}

#[tokio::test]
async fn access_tokens_stop_working_the_moment_their_session_ends() {
    let app = spawn_app().await;
    let u = app.user(Role::Sales, None).await;
    let me = "{ me { id } }";
    let (phone, phone_refresh) = session(&app, &u).await;
    let (laptop, _) = session(&app, &u).await;
    // Logout without a refresh token ends the session the request is signed in with.
    let r = app.gql(Some(&phone), LOGOUT, json!({})).await;
    assert_eq!(r["data"]["logout"]["ok"], true, "{r}");
    assert_eq!(
        reason(&app.gql(Some(&phone), me, json!({})).await),
        "SESSION_ENDED"
    );
    assert_eq!(
        reason(&app.gql(None, REFRESH, json!({ "t": phone_refresh })).await),
        "SESSION_ENDED"
    );
    // Other sessions go on.
    assert!(app.gql(Some(&laptop), me, json!({})).await["data"]["me"].is_object());

    // Password change: every other session ends, this one goes on.
    let (other, other_refresh) = session(&app, &u).await;
    let change = "mutation($c: String!) { changePassword(input: {currentPassword: $c, newPassword: \"Another-Good-One-7\"}) { ok } }";
    let r = app
        .gql(Some(&laptop), change, json!({ "c": PASSWORD }))
        .await;
    assert_eq!(r["data"]["changePassword"]["ok"], true, "{r}");
    assert_eq!(
        reason(&app.gql(Some(&other), me, json!({})).await),
        "SESSION_ENDED"
    );
    assert_eq!(
        code(&app.gql(None, REFRESH, json!({ "t": other_refresh })).await),
        "UNAUTHENTICATED"
    );
    assert!(app.gql(Some(&laptop), me, json!({})).await["data"]["me"].is_object());

    // Sign out everywhere ends this one too.
    let r = app
        .gql(
            Some(&laptop),
            "mutation { signOutEverywhere { endedCount } }",
            json!({}),
        )
        .await;
    assert!(
        r["data"]["signOutEverywhere"]["endedCount"]
            .as_u64()
            .unwrap()
            >= 1,
        "{r}"
    );
    assert_eq!(
        reason(&app.gql(Some(&laptop), me, json!({})).await),
        "SESSION_ENDED"
    );
}

#[tokio::test]
async fn an_admin_ends_a_users_sessions() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let u = app.user(Role::Sales, None).await;
    let me = "{ me { id } }";
    let (a, _) = session(&app, &u).await;
    let end = "mutation($id: ID!) { endUserSessions(input: {userId: $id}) { endedCount } }";
    let r = app
        .gql(Some(&u.token), end, json!({ "id": admin.gid }))
        .await;
    assert_eq!(code(&r), "FORBIDDEN");
    assert!(app.gql(Some(&admin.token), me, json!({})).await["data"]["me"].is_object());
    let d = app.ok(&admin, end, json!({ "id": u.gid })).await;
    // The helper's session and the one signed in above.
    assert_eq!(d["endUserSessions"]["endedCount"], 2);
    assert_eq!(
        reason(&app.gql(Some(&a), me, json!({})).await),
        "SESSION_ENDED"
    );
    assert_eq!(
        reason(&app.gql(Some(&u.token), me, json!({})).await),
        "SESSION_ENDED"
    );
    // They may sign in again.
    let (b, _) = session(&app, &u).await;
    assert!(app.gql(Some(&b), me, json!({})).await["data"]["me"].is_object());
    let audit = app
        .ok(
            &admin,
            "query($id: ID!) { auditEvents(entityId: $id) { edges { node { action } } } }",
            json!({ "id": u.gid }),
        )
        .await;
    assert!(audit.to_string().contains("end_sessions"), "{audit}");
}

#[tokio::test]
async fn a_token_without_a_session_is_invalid() {
    let app = spawn_app().await;
    let u = app.user(Role::Sales, None).await;
    let now = chrono::Utc::now().timestamp();
    let sign = |claims: Value| {
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
        )
        .unwrap()
    };
    let no_sid = sign(
        json!({ "sub": u.id.to_string(), "iss": "guanxi", "aud": "guanxi-api", "exp": now + 600 }),
    );
    let r = app.gql(Some(&no_sid), "{ me { id } }", json!({})).await;
    assert_eq!(reason(&r), "INVALID_TOKEN");
    let unknown = sign(
        json!({ "sub": u.id.to_string(), "sid": uuid::Uuid::now_v7().to_string(), "iss": "guanxi", "aud": "guanxi-api", "exp": now + 600, "iat": now }),
    );
    let r = app.gql(Some(&unknown), "{ me { id } }", json!({})).await;
    assert_eq!(reason(&r), "SESSION_ENDED");
}
