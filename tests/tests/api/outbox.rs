//! The outbox: every audited change leaves one event for the world outside, written in the
//! change's transaction, so a refused or rolled-back change leaves none.

use crate::helpers::*;
use domain::role::Role;
use entity::outbox_event;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

async fn events(app: &TestApp) -> Vec<outbox_event::Model> {
    outbox_event::Entity::find()
        .filter(outbox_event::Column::Resource.ne("User"))
        .order_by_asc(outbox_event::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
}

const UPDATE: &str =
    "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { customer { version } } }";

#[tokio::test]
async fn each_change_leaves_one_event_and_a_refused_one_none() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let peer = app.user(Role::Sales, None).await;
    let id = app.customer(&rep, "外发公司").await;
    let uuid = entity::customer::Entity::find()
        .filter(entity::customer::Column::Name.eq("外发公司"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let e = events(&app).await;
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0].event_type.as_str(), e[0].resource_id, e[0].actor_id),
        ("Customer.create", uuid, Some(rep.id))
    );
    assert!(e[0].published_at.is_none());

    app.ok(
        &rep,
        UPDATE,
        json!({ "i": { "id": id, "version": 1, "customer": { "city": "杭州" } } }),
    )
    .await;
    let e = events(&app).await;
    assert_eq!(e.len(), 2);
    assert_eq!(e[1].event_type, "Customer.update");
    let payload: Value = serde_json::from_str(&e[1].payload).unwrap();
    assert_eq!(
        payload["changes"]["city"],
        json!({ "old": null, "new": "杭州" })
    );

    // A stale version and a forbidden edit change nothing and announce nothing.
    let r = app
        .gql(
            Some(&rep.token),
            UPDATE,
            json!({ "i": { "id": id, "version": 1, "customer": { "city": "南京" } } }),
        )
        .await;
    assert_eq!(code(&r), "CONFLICT");
    let r = app
        .gql(
            Some(&peer.token),
            UPDATE,
            json!({ "i": { "id": id, "version": 2, "customer": { "city": "南京" } } }),
        )
        .await;
    assert!(r["errors"].is_array());
    assert_eq!(events(&app).await.len(), 2);

    // Bulk changes announce each customer once.
    let other = app.customer(&rep, "外发二号").await;
    app.ok(
        &rep,
        "mutation($i: ShareCustomersInput!) { shareCustomers(input: $i) { changedCount } }",
        json!({ "i": { "customers": { "ids": [id, other] }, "userIds": [peer.gid], "level": "READ" } }),
    )
    .await;
    let shared: Vec<_> = events(&app)
        .await
        .into_iter()
        .filter(|e| e.event_type == "Customer.share")
        .collect();
    assert_eq!(shared.len(), 2);
}

/// A password change goes through the same write path: the version moves on (so a profile
/// update made against the old version is refused instead of writing the old hash back), and
/// the change is announced without the hash.
#[tokio::test]
async fn a_password_change_moves_the_version_and_hides_the_hash() {
    let app = spawn_app().await;
    let u = app.user(Role::Sales, None).await;
    let v0 = app.ok(&u, "{ me { version } }", json!({})).await["me"]["version"]
        .as_i64()
        .unwrap();
    app.ok(
        &u,
        "mutation($c: String!) { changePassword(input: {currentPassword: $c, newPassword: \"Another-Good-One-7\"}) { ok } }",
        json!({ "c": PASSWORD }),
    )
    .await;
    let v1 = app.ok(&u, "{ me { version } }", json!({})).await["me"]["version"]
        .as_i64()
        .unwrap();
    assert_eq!(v1, v0 + 1);
    let r = app
        .gql(
            Some(&u.token),
            "mutation($v: Int!) { updateProfile(input: {version: $v, displayName: \"旧版本\"}) { user { version } } }",
            json!({ "v": v0 }),
        )
        .await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    let e = outbox_event::Entity::find()
        .filter(outbox_event::Column::EventType.eq("User.change_password"))
        .filter(outbox_event::Column::ResourceId.eq(u.id))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("announced");
    let payload: Value = serde_json::from_str(&e.payload).unwrap();
    assert_eq!(
        payload["changes"],
        json!({ "password": { "old": "***", "new": "***" } })
    );
    assert!(!e.payload.contains("argon2"), "{}", e.payload);
}

/// Moving the primary mark changes two contacts, and both changes are announced.
#[tokio::test]
async fn a_new_primary_contact_announces_the_old_one_losing_the_mark() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let customer = app.customer(&rep, "联系人公司").await;
    let add = "mutation($c: ID!, $n: String!, $p: Boolean!) { createContact(input: {customerId: $c, contact: {name: $n}, primary: $p}) { contact { id isPrimary } } }";
    app.ok(
        &rep,
        add,
        json!({ "c": customer, "n": "第一位", "p": false }),
    )
    .await;
    app.ok(
        &rep,
        add,
        json!({ "c": customer, "n": "第二位", "p": true }),
    )
    .await;
    let types: Vec<String> = events(&app)
        .await
        .into_iter()
        .filter(|e| e.resource == "Contact")
        .map(|e| e.event_type)
        .collect();
    assert_eq!(
        types,
        ["Contact.create", "Contact.unset_primary", "Contact.create"]
    );
}
