use crate::helpers::*;
use serde_json::json;

const SHARE: &str = "mutation($i: ShareCustomersInput!) { shareCustomers(input: $i) { dryRun changedCount skippedCount skipped { customerId reason } } }";
const ASSIGN: &str = "mutation($i: AssignCustomersInput!) { assignCustomers(input: $i) { changedCount skipped { reason } customers { owner { id } } } }";
const CLAIM: &str = "mutation($i: PoolCustomersInput!) { claimCustomers(input: $i) { changedCount skipped { reason } } }";
const RELEASE: &str =
    "mutation($i: PoolCustomersInput!) { releaseCustomers(input: $i) { changedCount } }";

#[tokio::test]
async fn sharing_by_ids_with_dry_run_and_access_reasons() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let peer = app.user(Role::Sales, None).await;
    let c = app.customer(&rep, "共享公司").await;
    let input = |dry: bool, level: &str| json!({ "i": { "customers": { "ids": [c] }, "userIds": [peer.gid], "level": level, "dryRun": dry } });
    let d = app.ok(&rep, SHARE, input(true, "READ")).await;
    assert_eq!(
        (
            d["shareCustomers"]["dryRun"].as_bool(),
            d["shareCustomers"]["changedCount"].as_u64()
        ),
        (Some(true), Some(1))
    );
    assert!(
        app.visible_customers(&peer, json!({})).await.0.is_empty(),
        "a dry run changes nothing"
    );
    app.ok(&rep, SHARE, input(false, "READ")).await;
    assert_eq!(
        app.visible_customers(&peer, json!({})).await.0,
        vec![c.clone()]
    );
    let q = "query($id: ID!) { customer(id: $id) { access { canEdit reasons } } }";
    let d = app.ok(&peer, q, json!({ "id": c })).await;
    assert_eq!(
        d["customer"]["access"],
        json!({ "canEdit": false, "reasons": ["SHARE_READ"] })
    );
    let r = app
        .gql(Some(&peer.token), "mutation($id: ID!) { updateCustomer(input: {id: $id, version: 1, customer: {notes: \"x\"}}) { customer { id } } }", json!({ "id": c }))
        .await;
    assert_eq!(code(&r), "FORBIDDEN");
    app.ok(&rep, SHARE, input(false, "EDIT")).await;
    let d = app.ok(&peer, q, json!({ "id": c })).await;
    assert_eq!(
        d["customer"]["access"],
        json!({ "canEdit": true, "reasons": ["SHARE_EDIT"] })
    );
    // The peer may edit but not pass it on.
    let r = app
        .ok(
            &peer,
            SHARE,
            json!({ "i": { "customers": { "ids": [c] }, "userIds": [rep.gid], "level": "READ" } }),
        )
        .await;
    assert_eq!(r["shareCustomers"]["skipped"][0]["reason"], "FORBIDDEN");
    assert_eq!(r["shareCustomers"]["skipped"][0]["customerId"], c);
    let me = app
        .gql(
            Some(&rep.token),
            SHARE,
            json!({ "i": { "customers": { "ids": [c] }, "userIds": [rep.gid], "level": "READ" } }),
        )
        .await;
    assert_eq!(
        (code(&me), ext(&me, "field").as_str()),
        ("VALIDATION", Some("userIds"))
    );
    app.ok(
        &rep,
        "mutation($i: UnshareCustomersInput!) { unshareCustomers(input: $i) { changedCount } }",
        json!({ "i": { "customers": { "filter": { "owner": "ME" } }, "userIds": [peer.gid] } }),
    )
    .await;
    assert!(app.visible_customers(&peer, json!({})).await.0.is_empty());
}

#[tokio::test]
async fn a_rep_cannot_take_or_give_away_what_is_not_theirs() {
    let app = spawn_app().await;
    let boss = app.user(Role::Manager, None).await;
    let rep = app.user(Role::Sales, Some(&boss)).await;
    let other = app.user(Role::Sales, Some(&boss)).await;
    let theirs = app.customer(&other, "别人的公司").await;
    let mine = app.customer(&rep, "我的公司").await;
    let r = app
        .ok(
            &rep,
            ASSIGN,
            json!({ "i": { "customers": { "ids": [theirs] }, "ownerId": rep.gid } }),
        )
        .await;
    assert_eq!(r["assignCustomers"]["skipped"][0]["reason"], "NOT_FOUND");
    let r = app
        .gql(
            Some(&rep.token),
            ASSIGN,
            json!({ "i": { "customers": { "ids": [mine] }, "ownerId": other.gid } }),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN");
    // The manager moves customers within the team.
    let d = app
        .ok(
            &boss,
            ASSIGN,
            json!({ "i": { "customers": { "ids": [theirs, mine] }, "ownerId": rep.gid } }),
        )
        .await;
    assert_eq!(d["assignCustomers"]["changedCount"], 1);
    assert_eq!(d["assignCustomers"]["skipped"][0]["reason"], "UNCHANGED");
    assert_eq!(
        sorted(
            app.visible_customers(&rep, json!({ "owner": "ME" }))
                .await
                .0
        ),
        sorted(vec![theirs, mine])
    );
}

#[tokio::test]
async fn transfer_moves_everything_of_a_leaver_and_refuses_bad_targets() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let boss = app.user(Role::Manager, None).await;
    let leaver = app.user(Role::Sales, Some(&boss)).await;
    let heir = app.user(Role::Sales, Some(&boss)).await;
    for i in 0..3 {
        app.customer(&leaver, &format!("离职客户{i}")).await;
    }
    let t = "mutation($i: TransferCustomersInput!) { transferCustomers(input: $i) { dryRun changedCount } }";
    let input = |to: &str, dry: bool| json!({ "i": { "fromUserId": leaver.gid, "toUserId": to, "dryRun": dry } });
    assert_eq!(
        code(&app.gql(Some(&heir.token), t, input(&heir.gid, false)).await),
        "FORBIDDEN"
    );
    let dry = app.ok(&boss, t, input(&heir.gid, true)).await;
    assert_eq!(dry["transferCustomers"]["changedCount"], 3);
    assert_eq!(
        app.visible_customers(&heir, json!({ "owner": "ME" }))
            .await
            .1,
        0
    );
    let gone = app.user(Role::Sales, Some(&boss)).await;
    app.ok(
        &admin,
        "mutation($id: ID!) { deactivateUser(input: {id: $id}) { user { id } } }",
        json!({ "id": gone.gid }),
    )
    .await;
    let r = app.gql(Some(&boss.token), t, input(&gone.gid, false)).await;
    assert_eq!(
        (code(&r), ext(&r, "field").as_str()),
        ("VALIDATION", Some("ownerId"))
    );
    app.ok(&boss, t, input(&heir.gid, false)).await;
    assert_eq!(
        app.visible_customers(&heir, json!({ "owner": "ME" }))
            .await
            .1,
        3
    );
    assert_eq!(
        app.visible_customers(&leaver, json!({ "owner": "ME" }))
            .await
            .1,
        0
    );
}

#[tokio::test]
async fn claiming_from_the_pool_respects_the_limit() {
    let app = spawn_app_with(&[("GUANXI_POOL_MAX_OWNED", "2")]).await;
    let admin = app.admin().await;
    let rep = app.user(Role::Sales, None).await;
    let mut pooled = Vec::new();
    for i in 0..3 {
        let d = app
            .ok(
                &admin,
                CREATE_CUSTOMER,
                json!({ "i": { "customer": { "name": format!("公海{i}") }, "toPool": true } }),
            )
            .await;
        pooled.push(
            d["createCustomer"]["customer"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let r = app
        .ok(
            &rep,
            "query($id: ID!) { customer(id: $id) { inPool access { canEdit canClaim reasons } } }",
            json!({ "id": pooled[0] }),
        )
        .await;
    assert_eq!(
        r["customer"]["access"],
        json!({ "canEdit": false, "canClaim": true, "reasons": ["POOL"] })
    );
    let r = app
        .gql(
            Some(&rep.token),
            CLAIM,
            json!({ "i": { "customers": { "filter": { "owner": "POOL" } } } }),
        )
        .await;
    assert_eq!(
        (code(&r), ext(&r, "rule").as_str()),
        ("BUSINESS_RULE", Some("POOL_CLAIM_LIMIT"))
    );
    assert_eq!(
        app.visible_customers(&rep, json!({ "owner": "ME" }))
            .await
            .1,
        0,
        "all or nothing"
    );
    app.ok(
        &rep,
        CLAIM,
        json!({ "i": { "customers": { "ids": [pooled[0], pooled[1]] } } }),
    )
    .await;
    assert_eq!(
        app.visible_customers(&rep, json!({ "owner": "ME" }))
            .await
            .1,
        2
    );
    app.ok(
        &rep,
        RELEASE,
        json!({ "i": { "customers": { "ids": [pooled[0]] } } }),
    )
    .await;
    assert_eq!(
        app.visible_customers(&rep, json!({ "owner": "POOL" }))
            .await
            .1,
        2
    );
}

#[tokio::test]
async fn neglected_customers_return_to_the_pool() {
    let app = spawn_app_with(&[("GUANXI_POOL_DAYS", "30")]).await;
    let rep = app.user(Role::Sales, None).await;
    let old = app.customer(&rep, "久未跟进").await;
    let fresh = app.customer(&rep, "刚跟进").await;
    // Arrange: both were assigned 40 days ago; only one was contacted since.
    use entity::customer;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let long_ago = chrono::Utc::now() - chrono::Duration::days(40);
    customer::Entity::update_many()
        .col_expr(customer::Column::OwnerAssignedAt, Expr::value(long_ago))
        .filter(customer::Column::DeletedAt.is_null())
        .exec(&app.state.db)
        .await
        .unwrap();
    let recent = chrono::Utc::now() - chrono::Duration::days(2);
    app.ok(&rep, "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { customer { id } } }", json!({ "i": { "id": fresh, "version": 1, "customer": { "lastContactedAt": recent.to_rfc3339() } } }))
        .await;
    // A read never sweeps: the neglected customer is still the rep's until the job runs.
    assert_eq!(
        app.visible_customers(&rep, json!({ "owner": "POOL" }))
            .await
            .0,
        Vec::<String>::new()
    );
    let swept = guanxi::service::customers::pool::sweep(&app.state)
        .await
        .unwrap();
    assert_eq!(swept, 1);
    assert_eq!(
        app.visible_customers(&rep, json!({ "owner": "POOL" }))
            .await
            .0,
        vec![old.clone()]
    );
    let q =
        "query($id: ID!) { auditEvents(entityId: $id) { edges { node { action actor { id } } } } }";
    let d = app.ok(&rep, q, json!({ "id": old })).await;
    let last = d["auditEvents"]["edges"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        last["node"],
        json!({ "action": "return_to_pool", "actor": null })
    );
}

#[tokio::test]
async fn merge_moves_contacts_and_shares_into_the_survivor() {
    let app = spawn_app().await;
    let boss = app.user(Role::Manager, None).await;
    let rep = app.user(Role::Sales, Some(&boss)).await;
    let peer = app.user(Role::Sales, None).await;
    let survivor = app
        .ok(&rep, CREATE_CUSTOMER, json!({ "i": { "customer": { "name": "合并甲" }, "primaryContact": { "name": "甲一" } } }))
        .await["createCustomer"]["customer"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let dup = app
        .ok(&rep, CREATE_CUSTOMER, json!({ "i": { "customer": { "name": "合并乙", "phone": "010-1234567", "tags": ["x"] }, "primaryContact": { "name": "乙一" } } }))
        .await["createCustomer"]["customer"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.ok(
        &rep,
        SHARE,
        json!({ "i": { "customers": { "ids": [dup] }, "userIds": [peer.gid], "level": "EDIT" } }),
    )
    .await;
    let m = "mutation($i: MergeCustomersInput!) { mergeCustomers(input: $i) { customer { phone tags contacts { name isPrimary } shares { level user { id } } } } }";
    let input = json!({ "i": { "survivorId": survivor, "duplicateIds": [dup] } });
    assert_eq!(
        code(&app.gql(Some(&rep.token), m, input.clone()).await),
        "FORBIDDEN",
        "reps may not delete"
    );
    let d = app.ok(&boss, m, input).await;
    let c = &d["mergeCustomers"]["customer"];
    assert_eq!(c["phone"], "010-1234567");
    assert_eq!(c["tags"], json!(["x"]));
    assert_eq!(
        c["contacts"],
        json!([{ "name": "甲一", "isPrimary": true }, { "name": "乙一", "isPrimary": false }])
    );
    assert_eq!(
        c["shares"],
        json!([{ "level": "EDIT", "user": { "id": peer.gid } }])
    );
    assert_eq!(
        app.visible_customers(&peer, json!({})).await.0,
        vec![survivor]
    );
    assert_eq!(app.visible_customers(&rep, json!({})).await.1, 1);
}

#[tokio::test]
async fn bad_input_to_merge_bulk_contact_and_profile_mutations_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let rep = app.user(Role::Sales, None).await;
    let a = app.customer(&admin, "甲方").await;
    let b = app.customer(&admin, "乙方").await;
    let merge =
        "mutation($i: MergeCustomersInput!) { mergeCustomers(input: $i) { customer { id } } }";
    for (input, field) in [
        (
            json!({ "survivorId": a, "duplicateIds": [] }),
            "duplicateIds",
        ),
        (
            json!({ "survivorId": a, "duplicateIds": [a] }),
            "duplicateIds",
        ),
        (
            json!({ "survivorId": "not-an-id", "duplicateIds": [b] }),
            "survivorId",
        ),
    ] {
        let r = app
            .gql(Some(&admin.token), merge, json!({ "i": input }))
            .await;
        assert_eq!(
            (code(&r), ext(&r, "field").as_str()),
            ("VALIDATION", Some(field)),
            "{input}"
        );
    }
    let both = json!({ "i": { "customers": { "ids": [a], "filter": {} } } });
    let r = app.gql(Some(&admin.token), RELEASE, both).await;
    assert_eq!(
        (code(&r), ext(&r, "field").as_str()),
        ("VALIDATION", Some("customers"))
    );
    let deleted = json!({ "i": { "customers": { "filter": { "deleted": true } } } });
    assert_eq!(
        code(&app.gql(Some(&admin.token), RELEASE, deleted).await),
        "VALIDATION"
    );
    let restore = "mutation($id: ID!) { restoreCustomer(input: {id: $id}) { customer { id } } }";
    assert_eq!(
        code(
            &app.gql(Some(&admin.token), restore, json!({ "id": a }))
                .await
        ),
        "NOT_FOUND",
        "a live customer is not restorable"
    );
    let add = "mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }";
    let r = app
        .gql(
            Some(&admin.token),
            add,
            json!({ "i": { "customerId": a, "contact": { "title": "无名" } } }),
        )
        .await;
    assert_eq!(
        (code(&r), ext(&r, "field").as_str()),
        ("VALIDATION", Some("name"))
    );
    let profile = "mutation($n: String) { updateProfile(input: {version: 1, displayName: $n}) { user { displayName } } }";
    let r = app
        .gql(Some(&rep.token), profile, json!({ "n": " " }))
        .await;
    assert_eq!(
        (code(&r), ext(&r, "field").as_str()),
        ("VALIDATION", Some("displayName"))
    );
    // Nothing changed: both customers live and owned, no contacts, the name kept.
    assert_eq!(
        app.visible_customers(&admin, json!({ "owner": "ME" }))
            .await
            .1,
        2
    );
    let d = app
        .ok(&admin, "{ contacts { totalCount } }", json!({}))
        .await;
    assert_eq!(d["contacts"]["totalCount"], 0);
    let me = app
        .ok(&rep, "{ me { displayName version } }", json!({}))
        .await;
    assert_eq!(me["me"]["version"], 1);
}
