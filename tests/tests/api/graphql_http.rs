//! GraphQL over HTTP as the spec and the common clients (Apollo, Relay, urql) expect it:
//! media types, status codes, GET parameters, batches, and error propagation in `data`.

use crate::helpers::*;
use serde_json::{Value, json};

const GQL_RESPONSE: &str = "application/graphql-response+json";

async fn post(
    app: &TestApp,
    accept: &str,
    token: Option<&str>,
    body: Value,
) -> (u16, String, Value) {
    let mut req = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("accept", accept)
        .json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    (status, ct, r.json().await.unwrap())
}

#[tokio::test]
async fn the_graphql_response_media_type_gets_4xx_and_no_data_for_request_errors() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for (query, variables) in [
        ("{ me { ", json!({})),
        ("{ me { noSuchField } }", json!({})),
        (
            "query($n: Int!) { users(first: $n) { totalCount } }",
            json!({ "n": "ten" }),
        ),
        (
            "query($n: Int!) { users(first: $n) { totalCount } }",
            json!({}),
        ),
    ] {
        let (status, ct, body) = post(
            &app,
            GQL_RESPONSE,
            Some(&admin.token),
            json!({ "query": query, "variables": variables }),
        )
        .await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(ct.starts_with(GQL_RESPONSE), "{ct}");
        assert!(body.get("data").is_none(), "{query}: {body}");
        assert_eq!(code(&body), "VALIDATION");
        // The legacy media type keeps 200, still without data.
        let (status, ct, body) = post(
            &app,
            "application/json",
            Some(&admin.token),
            json!({ "query": query, "variables": variables }),
        )
        .await;
        assert_eq!(status, 200, "{query}");
        assert!(ct.starts_with("application/json"), "{ct}");
        assert!(body.get("data").is_none(), "{query}: {body}");
    }
    // A field error is not a request error: 200 with data.
    let (status, ct, body) = post(
        &app,
        &format!("{GQL_RESPONSE}, application/json;q=0.9"),
        None,
        json!({ "query": "{ __typename me { id } }" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(ct.starts_with(GQL_RESPONSE));
    assert!(body.get("data").is_some(), "{body}");
}

#[tokio::test]
async fn a_failing_nullable_field_is_null_and_a_failing_non_null_field_nulls_its_parent() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let r = app
        .gql(
            Some(&admin.token),
            "{ me { id } customer(id: \"garbage\") { id } }",
            json!({}),
        )
        .await;
    assert!(r["data"]["me"]["id"].is_string(), "{r}");
    assert_eq!(r["data"].get("customer"), Some(&Value::Null), "{r}");
    assert_eq!(r["errors"][0]["path"], json!(["customer"]));

    // `me` is non-null: its failure nulls the whole of data.
    let r = app
        .gql(Some("bad-token"), "{ __typename me { id } }", json!({}))
        .await;
    assert_eq!(r["data"], Value::Null, "{r}");
    assert_eq!(code(&r), "UNAUTHENTICATED");

    // Through aliases, fragments and lists: a non-null field inside a list item nulls the
    // item only if the item is nullable, else the list, up to the first nullable place.
    let rep = app.user(Role::Sales, None).await;
    app.customer(&rep, "形状测试").await;
    let q = "query { list: customers { edges { node { ...F } } } }
             fragment F on Customer { nm: name access { canEdit } }";
    let r = app.gql(Some(&rep.token), q, json!({})).await;
    assert!(r.get("errors").is_none(), "{r}");
    assert_eq!(r["data"]["list"]["edges"][0]["node"]["nm"], "形状测试");
}

#[tokio::test]
async fn get_reads_operation_name_and_empty_variables() {
    let app = spawn_app().await;
    let doc = "query A { a: __typename } query B { b: __typename }";
    let r = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", doc), ("operationName", "B"), ("variables", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["data"], json!({ "b": "QueryRoot" }), "{body}");
    let r = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[
            ("query", "query($x: String) { __type(name: $x) { name } }"),
            ("variables", r#"{"x":"User"}"#),
            ("extensions", ""),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["data"]["__type"]["name"], "User", "{body}");
    let r = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", "{ __typename }"), ("variables", "{not json")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(ext(&body, "reason"), "MALFORMED_REQUEST");
}

#[tokio::test]
async fn an_empty_batch_is_an_empty_answer_and_405_says_what_is_allowed() {
    let app = spawn_app().await;
    let (status, _, body) = post(&app, "application/json", None, json!([])).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!([]));
    let r = app
        .client
        .put(format!("{}/graphql", app.address))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET, POST");
    let r = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", "mutation { signOutEverywhere { endedCount } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST");
}
