use crate::helpers::*;
use entity::user;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

const CREATE: &str = "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id email role version manager { id } } } }";
const UPDATE: &str = "mutation($i: UpdateUserInput!) { updateUser(input: $i) { user { id role version manager { id } } } }";

fn new_user(email: &str, password: &str) -> Value {
    json!({ "i": { "email": email, "displayName": "新同事", "role": "SALES", "password": password } })
}

async fn user_count(app: &TestApp) -> u64 {
    user::Entity::find().count(&app.state.db).await.unwrap()
}

#[tokio::test]
async fn admin_creates_users_and_emails_are_unique_case_insensitively() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let d = app
        .ok(&admin, CREATE, new_user("Mei.Lin@Example.com", PASSWORD))
        .await;
    assert_eq!(d["createUser"]["user"]["email"], "mei.lin@example.com");
    let before = user_count(&app).await;
    let dup = app
        .gql(
            Some(&admin.token),
            CREATE,
            new_user("MEI.LIN@example.com", PASSWORD),
        )
        .await;
    assert_eq!(code(&dup), "CONFLICT");
    assert_eq!(user_count(&app).await, before);
}

#[tokio::test]
async fn bad_user_input_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let before = user_count(&app).await;
    let r = app
        .gql(
            Some(&admin.token),
            CREATE,
            new_user("not-an-email", PASSWORD),
        )
        .await;
    assert_eq!(
        (code(&r), ext(&r, "field").as_str()),
        ("VALIDATION", Some("email"))
    );
    let r = app
        .gql(
            Some(&admin.token),
            CREATE,
            new_user("a@example.com", "password1"),
        )
        .await;
    assert_eq!(
        (code(&r), ext(&r, "field").as_str()),
        ("VALIDATION", Some("password"))
    );
    let mut nul = new_user("b@example.com", PASSWORD);
    nul["i"]["displayName"] = json!("bad\u{0}name");
    let r = app.gql(Some(&admin.token), CREATE, nul).await;
    assert_eq!(
        (code(&r), ext(&r, "field").as_str()),
        ("VALIDATION", Some("displayName"))
    );
    let mut ghost_manager = new_user("c@example.com", PASSWORD);
    ghost_manager["i"]["managerId"] =
        json!(guanxi::graphql::ids::encode("User", uuid::Uuid::now_v7()).0);
    let r = app.gql(Some(&admin.token), CREATE, ghost_manager).await;
    assert_eq!(
        (code(&r), ext(&r, "field").as_str()),
        ("VALIDATION", Some("managerId"))
    );
    assert_eq!(user_count(&app).await, before);
}

#[tokio::test]
async fn only_admins_manage_users() {
    let app = spawn_app().await;
    let manager = app.user(Role::Manager, None).await;
    let r = app
        .gql(
            Some(&manager.token),
            CREATE,
            new_user("x@example.com", PASSWORD),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN");
    let sales = app.user(Role::Sales, Some(&manager)).await;
    let r = app
        .gql(
            Some(&sales.token),
            UPDATE,
            json!({ "i": { "id": sales.gid, "version": 1, "role": "ADMIN" } }),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN");
}

#[tokio::test]
async fn nobody_changes_their_own_role_or_manager() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let boss = app.user(Role::Manager, None).await;
    let r = app
        .gql(
            Some(&admin.token),
            UPDATE,
            json!({ "i": { "id": admin.gid, "version": 1, "role": "SALES" } }),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN");
    let r = app
        .gql(
            Some(&admin.token),
            UPDATE,
            json!({ "i": { "id": admin.gid, "version": 1, "managerId": boss.gid } }),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN");
    // The profile path cannot touch rights at all.
    let d = app
        .ok(&boss, "mutation { updateProfile(input: {version: 1, displayName: \"老板\"}) { user { displayName role } } }", json!({}))
        .await;
    assert_eq!(d["updateProfile"]["user"]["displayName"], "老板");
    assert_eq!(d["updateProfile"]["user"]["role"], "MANAGER");
}

#[tokio::test]
async fn a_cycle_in_the_org_tree_is_refused() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let top = app.user(Role::Manager, None).await;
    let mid = app.user(Role::Manager, Some(&top)).await;
    let low = app.user(Role::Sales, Some(&mid)).await;
    let r = app
        .gql(
            Some(&admin.token),
            UPDATE,
            json!({ "i": { "id": top.gid, "version": 1, "managerId": low.gid } }),
        )
        .await;
    assert_eq!(code(&r), "BUSINESS_RULE");
    assert_eq!(ext(&r, "rule"), "ORG_TREE_CYCLE");
    let r = app
        .gql(
            Some(&admin.token),
            UPDATE,
            json!({ "i": { "id": top.gid, "version": 1, "managerId": top.gid } }),
        )
        .await;
    assert_eq!(code(&r), "BUSINESS_RULE");
    let d = app
        .ok(
            &admin,
            "query($id: ID!) { user(id: $id) { version manager { id } } }",
            json!({ "id": top.gid }),
        )
        .await;
    assert_eq!(d["user"]["version"], 1);
    assert!(d["user"]["manager"].is_null());
}

#[tokio::test]
async fn a_stale_version_is_a_conflict() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let u = app.user(Role::Sales, None).await;
    let d = app
        .ok(
            &admin,
            UPDATE,
            json!({ "i": { "id": u.gid, "version": 1, "role": "MANAGER" } }),
        )
        .await;
    assert_eq!(d["updateUser"]["user"]["version"], 2);
    let r = app
        .gql(
            Some(&admin.token),
            UPDATE,
            json!({ "i": { "id": u.gid, "version": 1, "role": "FINANCE" } }),
        )
        .await;
    assert_eq!(code(&r), "CONFLICT");
    let d = app
        .ok(
            &admin,
            "query($id: ID!) { user(id: $id) { role } }",
            json!({ "id": u.gid }),
        )
        .await;
    assert_eq!(d["user"]["role"], "MANAGER");
}

#[tokio::test]
async fn subordinates_walk_the_tree_to_any_depth() {
    let app = spawn_app().await;
    let top = app.user(Role::Manager, None).await;
    let mid = app.user(Role::Manager, Some(&top)).await;
    let low = app.user(Role::Sales, Some(&mid)).await;
    let _peer = app.user(Role::Sales, None).await;
    let q = "query($d: Int) { subordinates(depth: $d) { depth user { id } } }";
    let all = app.ok(&top, q, json!({})).await;
    let got: Vec<(i64, String)> = all["subordinates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["depth"].as_i64().unwrap(),
                s["user"]["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got, vec![(1, mid.gid.clone()), (2, low.gid.clone())]);
    let one = app.ok(&top, q, json!({ "d": 1 })).await;
    assert_eq!(one["subordinates"].as_array().unwrap().len(), 1);
    assert!(
        app.ok(&low, q, json!({})).await["subordinates"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn users_page_forwards_and_backwards_without_gaps() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for _ in 0..6 {
        app.user(Role::Sales, None).await;
    }
    let q = "query($f: Int, $a: String, $l: Int, $b: String) { users(first: $f, after: $a, last: $l, before: $b, filter: {role: SALES}) { totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage endCursor startCursor } } }";
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let d = app.ok(&admin, q, json!({ "f": 4, "a": after })).await;
        assert_eq!(d["users"]["totalCount"], 6);
        for e in d["users"]["edges"].as_array().unwrap() {
            seen.push(e["node"]["id"].as_str().unwrap().to_string());
        }
        if d["users"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = d["users"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len(), 6);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 6);
    // The last two, then the two before them.
    let d = app.ok(&admin, q, json!({ "l": 2 })).await;
    let last: Vec<&str> = d["users"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(last, vec![seen[4].as_str(), seen[5].as_str()]);
    let before = d["users"]["pageInfo"]["startCursor"].clone();
    let d = app.ok(&admin, q, json!({ "l": 2, "b": before })).await;
    let prev: Vec<&str> = d["users"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(prev, vec![seen[2].as_str(), seen[3].as_str()]);
    let bad = app
        .gql(
            Some(&admin.token),
            q,
            json!({ "f": 2, "a": "bm90LWEtY3Vyc29y" }),
        )
        .await;
    assert_eq!(code(&bad), "VALIDATION");
    // A forged cursor whose value has the wrong type for the ordering is refused, not sent
    // to the database.
    use base64::Engine;
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
        br#"{"s":"users:displayName","v":{"Time":"2026-01-01T00:00:00Z"},"id":"01900000-0000-7000-8000-000000000000"}"#,
    );
    let bad = app
        .gql(Some(&admin.token), q, json!({ "f": 2, "a": forged }))
        .await;
    assert_eq!(code(&bad), "VALIDATION");
}

#[tokio::test]
async fn node_fetches_a_user_by_global_id() {
    let app = spawn_app().await;
    let u = app.user(Role::Finance, None).await;
    let d = app
        .ok(
            &u,
            "query($id: ID!) { node(id: $id) { id ... on User { role } } }",
            json!({ "id": u.gid }),
        )
        .await;
    assert_eq!(d["node"]["role"], "FINANCE");
    let r = app
        .gql(Some(&u.token), "{ node(id: \"!!\") { id } }", json!({}))
        .await;
    assert_eq!(code(&r), "VALIDATION");
}

#[tokio::test]
async fn every_read_needs_a_signed_in_user() {
    let app = spawn_app().await;
    let u = app.user(Role::Sales, None).await;
    for q in [
        "{ users { totalCount } }",
        "{ subordinates { depth } }",
        "{ customers { totalCount } }",
        "{ contacts { totalCount } }",
        "{ exportCustomers { rowCount } }",
    ] {
        assert_eq!(
            code(&app.gql(None, q, json!({})).await),
            "UNAUTHENTICATED",
            "{q}"
        );
    }
    let r = app
        .gql(
            None,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": u.gid }),
        )
        .await;
    assert_eq!(code(&r), "UNAUTHENTICATED");
}
