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
