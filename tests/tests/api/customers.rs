use crate::helpers::*;
use entity::customer;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

const UPDATE: &str = "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { customer { id name version tags creditLimit { amount } } } }";
const GET: &str = "query($id: ID!) { customer(id: $id) { id name version tags importance owner { id } creditLimit { amount currency } contacts { name isPrimary } access { canRead canEdit canDelete canShare canTransfer canClaim reasons } } }";

async fn count(app: &TestApp) -> u64 {
    customer::Entity::find().count(&app.state.db).await.unwrap()
}

#[tokio::test]
async fn create_with_a_primary_contact_and_read_it_back() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let d = app
        .ok(
            &rep,
            CREATE_CUSTOMER,
            json!({ "i": {
                "customer": { "name": "北京星辰科技有限公司", "importance": "VIP", "tags": ["华北", "重点", "华北"], "creditLimit": "12345678.9012" },
                "primaryContact": { "name": "李雷", "mobile": "13800138000", "email": "Li.Lei@Example.com" }
            } }),
        )
        .await;
    let c = &d["createCustomer"]["customer"];
    assert_eq!(c["owner"]["id"], rep.gid.as_str());
    assert_eq!(c["creditLimit"]["amount"], "12345678.9012");
    assert_eq!(c["creditLimit"]["currency"], "CNY");
    assert_eq!(c["contacts"][0]["isPrimary"], true);
    let got = app.ok(&rep, GET, json!({ "id": c["id"] })).await;
    assert_eq!(got["customer"]["tags"], json!(["华北", "重点"]));
    assert_eq!(got["customer"]["importance"], "VIP");
    assert_eq!(got["customer"]["access"]["reasons"], json!(["OWNER"]));
    assert_eq!(got["customer"]["access"]["canDelete"], false);
}

#[tokio::test]
async fn a_duplicate_name_is_refused_naming_only_the_customer_and_owner() {
    let app = spawn_app().await;
    let alice = app.user(Role::Sales, None).await;
    let bob = app.user(Role::Sales, None).await;
    app.customer(&alice, "北京星辰科技有限公司").await;
    let before = count(&app).await;
    for variant in [
        "星辰科技（北京）有限公司",
        "北京星辰科技 有限公司",
        "ＢＥＩＪＩＮＧ星辰科技有限公司",
    ] {
        let r = app
            .gql(
                Some(&bob.token),
                CREATE_CUSTOMER,
                json!({ "i": { "customer": { "name": variant } } }),
            )
            .await;
        if variant.starts_with('Ｂ') {
            // A Latin "BEIJING" is not a region prefix: a different name, accepted.
            assert!(r.get("errors").is_none(), "{r}");
            continue;
        }
        assert_eq!(code(&r), "CONFLICT", "{variant}");
        let details = ext(&r, "details");
        assert_eq!(details["existingName"], "北京星辰科技有限公司");
        assert!(details["ownerName"].as_str().unwrap().starts_with("SALES"));
        assert_eq!(
            details.as_object().unwrap().len(),
            3,
            "nothing else is revealed: {details}"
        );
    }
    assert_eq!(count(&app).await, before + 1);
    let d = app
        .ok(&bob, "query { customerDuplicates(name: \"星辰科技(北京)有限公司\") { name ownerName customer { id } } }", json!({}))
        .await;
    assert_eq!(d["customerDuplicates"][0]["name"], "北京星辰科技有限公司");
    assert!(
        d["customerDuplicates"][0]["customer"].is_null(),
        "bob cannot see it"
    );
}

#[tokio::test]
async fn bad_customer_input_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let admin = app.admin().await;
    let long = "长".repeat(1000);
    let ghost = guanxi::graphql::ids::encode("User", uuid::Uuid::now_v7()).0;
    let inactive = app.user(Role::Sales, None).await;
    app.ok(
        &admin,
        "mutation($id: ID!) { deactivateUser(input: {id: $id}) { user { id } } }",
        json!({ "id": inactive.gid }),
    )
    .await;
    let cases = [
        (json!({ "customer": { "name": "   " } }), "name"),
        (json!({ "customer": { "name": long } }), "name"),
        (json!({ "customer": { "name": "bad\u{0}name" } }), "name"),
        (
            json!({ "customer": { "name": "ok", "creditLimit": "-1" } }),
            "creditLimit",
        ),
        (
            json!({ "customer": { "name": "ok", "creditLimit": "1.00001" } }),
            "creditLimit",
        ),
        (
            json!({ "customer": { "name": "ok", "tags": ["a|b"] } }),
            "tags",
        ),
        (
            json!({ "customer": { "name": "ok" }, "primaryContact": { "name": "x", "email": "not-an-email" } }),
            "email",
        ),
        (
            json!({ "customer": { "name": "ok" }, "primaryContact": { "name": "x", "mobile": "call me" } }),
            "mobile",
        ),
        (
            json!({ "customer": { "name": "ok" }, "ownerId": ghost }),
            "ownerId",
        ),
        (
            json!({ "customer": { "name": "ok" }, "ownerId": inactive.gid }),
            "ownerId",
        ),
    ];
    for (input, field) in cases {
        let r = app
            .gql(Some(&admin.token), CREATE_CUSTOMER, json!({ "i": input }))
            .await;
        assert_eq!(code(&r), "VALIDATION", "{input}: {r}");
        assert_eq!(ext(&r, "field"), field, "{input}");
    }
    let r = app
        .gql(
            Some(&rep.token),
            CREATE_CUSTOMER,
            json!({ "i": { "customer": { "name": "ok" }, "ownerId": admin.gid } }),
        )
        .await;
    assert_eq!(
        code(&r),
        "FORBIDDEN",
        "a rep cannot give a customer to someone else"
    );
    assert_eq!(count(&app).await, 0);
}

#[tokio::test]
async fn retried_create_with_the_same_key_creates_once() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let input =
        json!({ "i": { "customer": { "name": "重试科技" }, "clientMutationId": "mobile-42" } });
    let a = app.ok(&rep, CREATE_CUSTOMER, input.clone()).await;
    let b = app.ok(&rep, CREATE_CUSTOMER, input).await;
    assert_eq!(
        a["createCustomer"]["customer"]["id"],
        b["createCustomer"]["customer"]["id"]
    );
    assert_eq!(b["createCustomer"]["clientMutationId"], "mobile-42");
    assert_eq!(count(&app).await, 1);
    // The same input spelled in another order, with an explicit null, is the same request.
    let c = app
        .ok(
            &rep,
            CREATE_CUSTOMER,
            json!({ "i": { "clientMutationId": "mobile-42", "primaryContact": null, "customer": { "name": "重试科技" } } }),
        )
        .await;
    assert_eq!(
        a["createCustomer"]["customer"]["id"],
        c["createCustomer"]["customer"]["id"]
    );
}

#[tokio::test]
async fn a_key_reused_with_another_input_is_a_conflict_and_keys_expire_after_a_day() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let input = |name: &str| json!({ "i": { "customer": { "name": name }, "clientMutationId": "tablet-7" } });
    app.ok(&rep, CREATE_CUSTOMER, input("第一家")).await;
    let r = app
        .gql(Some(&rep.token), CREATE_CUSTOMER, input("第二家"))
        .await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    assert_eq!(count(&app).await, 1);
    // Another user's key space is their own.
    let peer = app.user(Role::Sales, None).await;
    app.ok(&peer, CREATE_CUSTOMER, input("第三家")).await;
    assert_eq!(count(&app).await, 2);

    let day_ago = chrono::Utc::now() - chrono::Duration::hours(25);
    entity::idempotency_key::Entity::update_many()
        .col_expr(
            entity::idempotency_key::Column::CreatedAt,
            sea_orm::sea_query::Expr::value(day_ago),
        )
        .exec(&app.state.db)
        .await
        .unwrap();
    let d = app.ok(&rep, CREATE_CUSTOMER, input("第二家")).await;
    assert_eq!(d["createCustomer"]["customer"]["name"], "第二家");
    assert_eq!(count(&app).await, 3);
}

#[tokio::test]
async fn updates_check_versions_and_duplicates() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let a = app.customer(&rep, "甲公司").await;
    app.customer(&rep, "乙公司").await;
    let d = app
        .ok(&rep, UPDATE, json!({ "i": { "id": a, "version": 1, "customer": { "tags": ["新"], "creditLimit": "100.5" } } }))
        .await;
    assert_eq!(d["updateCustomer"]["customer"]["version"], 2);
    assert_eq!(
        d["updateCustomer"]["customer"]["creditLimit"]["amount"],
        "100.50"
    );
    let stale = app
        .gql(
            Some(&rep.token),
            UPDATE,
            json!({ "i": { "id": a, "version": 1, "customer": { "tags": [] } } }),
        )
        .await;
    assert_eq!(code(&stale), "CONFLICT");
    let dup = app
        .gql(
            Some(&rep.token),
            UPDATE,
            json!({ "i": { "id": a, "version": 2, "customer": { "name": "乙 公司" } } }),
        )
        .await;
    assert_eq!(code(&dup), "CONFLICT");
    let got = app.ok(&rep, GET, json!({ "id": a })).await;
    assert_eq!(got["customer"]["name"], "甲公司");
    assert_eq!(got["customer"]["tags"], json!(["新"]));
}

#[tokio::test]
async fn edit_and_delete_are_separate_rights() {
    let app = spawn_app().await;
    let boss = app.user(Role::Manager, None).await;
    let rep = app.user(Role::Sales, Some(&boss)).await;
    let peer = app.user(Role::Sales, None).await;
    let c = app.customer(&rep, "可删公司").await;
    let del = "mutation($id: ID!) { deleteCustomer(input: {id: $id}) { customer { deletedAt } } }";
    assert_eq!(
        code(&app.gql(Some(&rep.token), del, json!({ "id": c })).await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(&app.gql(Some(&peer.token), del, json!({ "id": c })).await),
        "NOT_FOUND"
    );
    let edit = app
        .gql(
            Some(&peer.token),
            UPDATE,
            json!({ "i": { "id": c, "version": 1, "customer": { "notes": "x" } } }),
        )
        .await;
    assert_eq!(code(&edit), "NOT_FOUND", "existence is not leaked");
    let d = app.ok(&boss, del, json!({ "id": c })).await;
    assert!(d["deleteCustomer"]["customer"]["deletedAt"].is_string());
    assert!(app.ok(&rep, GET, json!({ "id": c })).await["customer"].is_null());
    // The name is free again, and an admin can restore only while it is.
    let admin = app.admin().await;
    let restore =
        "mutation($id: ID!) { restoreCustomer(input: {id: $id}) { customer { name deletedAt } } }";
    assert_eq!(
        code(
            &app.gql(Some(&boss.token), restore, json!({ "id": c }))
                .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        app.visible_customers(&admin, json!({ "deleted": true }))
            .await
            .0,
        vec![c.clone()]
    );
    let r = app
        .gql(
            Some(&boss.token),
            "{ customers(filter: {deleted: true}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN");
    let d = app.ok(&admin, restore, json!({ "id": c })).await;
    assert!(d["restoreCustomer"]["customer"]["deletedAt"].is_null());
}

#[tokio::test]
async fn contacts_keep_exactly_one_primary() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let c = app.customer(&rep, "联系人公司").await;
    let add = "mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id isPrimary } } }";
    let first = app
        .ok(
            &rep,
            add,
            json!({ "i": { "customerId": c, "contact": { "name": "甲" } } }),
        )
        .await;
    assert_eq!(first["createContact"]["contact"]["isPrimary"], true);
    let second = app
        .ok(
            &rep,
            add,
            json!({ "i": { "customerId": c, "contact": { "name": "乙" } } }),
        )
        .await;
    assert_eq!(second["createContact"]["contact"]["isPrimary"], false);
    let second_id = second["createContact"]["contact"]["id"].clone();
    app.ok(
        &rep,
        "mutation($id: ID!) { setPrimaryContact(input: {id: $id}) { contact { isPrimary } } }",
        json!({ "id": second_id }),
    )
    .await;
    let got = app.ok(&rep, GET, json!({ "id": c })).await;
    assert_eq!(
        got["customer"]["contacts"],
        json!([{ "name": "乙", "isPrimary": true }, { "name": "甲", "isPrimary": false }])
    );
    app.ok(
        &rep,
        "mutation($id: ID!) { deleteContact(input: {id: $id}) { contact { id } } }",
        json!({ "id": second_id }),
    )
    .await;
    let got = app.ok(&rep, GET, json!({ "id": c })).await;
    assert_eq!(
        got["customer"]["contacts"],
        json!([{ "name": "甲", "isPrimary": true }])
    );
    let stale = app
        .gql(Some(&rep.token), "mutation($id: ID!) { updateContact(input: {id: $id, version: 9, contact: {title: \"x\"}}) { contact { id } } }", json!({ "id": first["createContact"]["contact"]["id"] }))
        .await;
    assert_eq!(code(&stale), "CONFLICT");
}

#[tokio::test]
async fn search_by_substring_and_pinyin_and_filters_combine() {
    let app = spawn_app().await;
    let boss = app.user(Role::Manager, None).await;
    let rep = app.user(Role::Sales, Some(&boss)).await;
    let a = app.customer(&rep, "星辰科技有限公司").await;
    let b = app.customer(&boss, "华信电子").await;
    let pool = app
        .ok(&boss, CREATE_CUSTOMER, json!({ "i": { "customer": { "name": "公海百分百_公司", "tags": ["x"] }, "toPool": true } }))
        .await["createCustomer"]["customer"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.ok(&rep, UPDATE, json!({ "i": { "id": a, "version": 1, "customer": { "tags": ["华北", "重点"], "importance": "VIP" } } }))
        .await;
    for (filter, expected) in [
        (json!({ "search": "xckj" }), vec![a.clone()]),
        (json!({ "search": "XingChen" }), vec![a.clone()]),
        (json!({ "search": "星辰" }), vec![a.clone()]),
        (json!({ "search": "百分百_" }), vec![pool.clone()]),
        (json!({ "search": "%" }), vec![]),
        (json!({ "search": "_" }), vec![pool.clone()]),
        (json!({ "owner": "POOL" }), vec![pool.clone()]),
        (json!({ "owner": "ME" }), vec![b.clone()]),
        (json!({ "owner": "MY_TEAM" }), vec![a.clone(), b.clone()]),
        (
            json!({ "tagsAll": ["华北", "重点"], "importance": ["VIP"] }),
            vec![a.clone()],
        ),
        (
            json!({ "tagsAny": ["重点", "x"] }),
            vec![a.clone(), pool.clone()],
        ),
        (json!({ "tagsAll": ["华北", "x"] }), vec![]),
        (
            json!({ "ownerIds": [rep.gid], "search": "xc" }),
            vec![a.clone()],
        ),
    ] {
        let (ids, total) = app.visible_customers(&boss, filter.clone()).await;
        assert_eq!(sorted(ids), sorted(expected.clone()), "{filter}");
        assert_eq!(total, expected.len() as u64, "{filter}");
    }
    let r = app
        .gql(
            Some(&boss.token),
            "{ customers(filter: {search: \"a\\u0000b\"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&r), "VALIDATION");
}

#[tokio::test]
async fn ordering_pages_through_equal_keys_without_gaps() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let mut all = Vec::new();
    for i in 0..7 {
        all.push(app.customer(&rep, &format!("客户{i}")).await);
    }
    let q = "query($a: String, $o: CustomerOrderBy) { customers(first: 3, after: $a, orderBy: $o) { edges { node { id } } pageInfo { hasNextPage endCursor } } }";
    for order in [
        json!({ "field": "NAME", "direction": "ASC" }),
        json!({ "field": "LAST_CONTACTED_AT" }),
        json!(null),
    ] {
        let mut seen = Vec::new();
        let mut after = serde_json::Value::Null;
        loop {
            let d = app.ok(&rep, q, json!({ "a": after, "o": order })).await;
            for e in d["customers"]["edges"].as_array().unwrap() {
                seen.push(e["node"]["id"].as_str().unwrap().to_string());
            }
            if d["customers"]["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = d["customers"]["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(sorted(seen), sorted(all.clone()), "{order}");
    }
    let d = app.ok(&rep, "{ customers(first: 3, orderBy: {field: NAME, direction: ASC}) { edges { node { name } } } }", json!({})).await;
    assert_eq!(d["customers"]["edges"][0]["node"]["name"], "客户0");
}

#[tokio::test]
async fn audit_events_record_old_and_new_values_for_those_who_may_see() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let peer = app.user(Role::Sales, None).await;
    let c = app.customer(&rep, "审计公司").await;
    app.ok(
        &rep,
        UPDATE,
        json!({ "i": { "id": c, "version": 1, "customer": { "name": "审计有限公司" } } }),
    )
    .await;
    let q = "query($id: ID!) { auditEvents(entityId: $id) { totalCount edges { node { action actor { id } changes } } } }";
    let d = app.ok(&rep, q, json!({ "id": c })).await;
    let events = &d["auditEvents"]["edges"];
    assert_eq!(d["auditEvents"]["totalCount"], 2);
    assert_eq!(events[0]["node"]["action"], "create");
    assert_eq!(
        events[1]["node"]["changes"]["name"],
        json!({ "old": "审计公司", "new": "审计有限公司" })
    );
    assert_eq!(events[1]["node"]["actor"]["id"], rep.gid.as_str());
    assert_eq!(
        code(&app.gql(Some(&peer.token), q, json!({ "id": c })).await),
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn concurrent_writers_all_succeed() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let base = app.customer(&rep, "并发基准").await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (client, address, token, base) = (
            app.client.clone(),
            app.address.clone(),
            rep.token.clone(),
            base.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let (query, vars) = if i % 2 == 0 {
                (CREATE_CUSTOMER, json!({ "i": { "customer": { "name": format!("并发客户{i}") }, "primaryContact": { "name": "甲" } } }))
            } else {
                ("mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }", json!({ "i": { "customerId": base, "contact": { "name": format!("联系人{i}") } } }))
            };
            let r: serde_json::Value = client
                .post(format!("{address}/graphql"))
                .bearer_auth(token)
                .json(&json!({ "query": query, "variables": vars }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            r
        }));
    }
    for t in tasks {
        let r = t.await.unwrap();
        assert!(r.get("errors").is_none(), "{r}");
    }
    assert_eq!(count(&app).await, 7);
}

#[tokio::test]
async fn a_page_of_customers_with_relations_costs_a_fixed_number_of_queries() {
    let app = spawn_app().await;
    let boss = app.user(Role::Manager, None).await;
    let rep = app.user(Role::Sales, Some(&boss)).await;
    let peer = app.user(Role::Sales, None).await;
    let q = "{ customers(first: 50) { totalCount edges { node { name owner { displayName manager { displayName } } contacts { name } primaryContact { mobile } shares { level user { displayName } } access { canEdit reasons } } } } }";
    let mut costs = Vec::new();
    for (round, n) in [(0, 5), (1, 45)] {
        for i in 0..n {
            let d = app
                .ok(&rep, CREATE_CUSTOMER, json!({ "i": { "customer": { "name": format!("批量{round}-{i}") }, "primaryContact": { "name": "甲", "mobile": "13800000000" } } }))
                .await;
            let id = d["createCustomer"]["customer"]["id"].clone();
            app.ok(&rep, "mutation($i: ShareCustomersInput!) { shareCustomers(input: $i) { changedCount } }", json!({ "i": { "customers": { "ids": [id] }, "userIds": [peer.gid], "level": "READ" } }))
                .await;
        }
        // A first read opens the pool's connections, which would count.
        app.ok(&boss, q, json!({})).await;
        let before = app
            .state
            .db_metrics
            .queries
            .load(std::sync::atomic::Ordering::Relaxed);
        let d = app.ok(&boss, q, json!({})).await;
        let after = app
            .state
            .db_metrics
            .queries
            .load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(
            d["customers"]["edges"].as_array().unwrap().len(),
            if round == 0 { 5 } else { 50 }
        );
        costs.push(after - before);
    }
    // Actor (user and session in one), count, page, then one batch per loader, the page's
    // loaders asked all at once (owners, contacts, shares, the actor's shares and the owners
    // below them), then the owners' managers and the share users: 9. Only those last two
    // levels can split when the machine is busy; one query per row would be 50+.
    assert!(
        costs.iter().all(|c| *c <= 11),
        "5 and 50 customers cost the same bounded number of queries: {costs:?}"
    );
}

#[tokio::test]
async fn contact_writes_follow_the_customer_rights() {
    let app = spawn_app().await;
    let owner = app.user(Role::Sales, None).await;
    let reader = app.user(Role::Sales, None).await;
    let editor = app.user(Role::Sales, None).await;
    let stranger = app.user(Role::Sales, None).await;
    let c = app.customer(&owner, "联系人权限").await;
    let share = "mutation($i: ShareCustomersInput!) { shareCustomers(input: $i) { changedCount } }";
    app.ok(
        &owner,
        share,
        json!({ "i": { "customers": { "ids": [c] }, "userIds": [reader.gid], "level": "READ" } }),
    )
    .await;
    app.ok(
        &owner,
        share,
        json!({ "i": { "customers": { "ids": [c] }, "userIds": [editor.gid], "level": "EDIT" } }),
    )
    .await;
    let add = "mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }";
    let input = |key: &str| json!({ "i": { "customerId": c, "contact": { "name": "新人" }, "clientMutationId": key } });
    assert_eq!(
        code(&app.gql(Some(&stranger.token), add, input("s")).await),
        "NOT_FOUND"
    );
    assert_eq!(
        code(&app.gql(Some(&reader.token), add, input("r")).await),
        "FORBIDDEN"
    );
    let first = app.ok(&editor, add, input("e")).await;
    let again = app.ok(&editor, add, input("e")).await;
    assert_eq!(first, again, "a retried create returns the first contact");
    let list = "query($id: ID!) { contacts(filter: {customerId: $id}) { totalCount } }";
    assert_eq!(
        app.ok(&reader, list, json!({ "id": c })).await["contacts"]["totalCount"],
        1
    );
    assert_eq!(
        app.ok(&stranger, list, json!({ "id": c })).await["contacts"]["totalCount"],
        0
    );
    let id = first["createContact"]["contact"]["id"].clone();
    let del = "mutation($id: ID!) { deleteContact(input: {id: $id}) { contact { id } } }";
    assert_eq!(
        code(
            &app.gql(Some(&stranger.token), del, json!({ "id": id }))
                .await
        ),
        "NOT_FOUND"
    );
    assert_eq!(
        code(&app.gql(Some(&reader.token), del, json!({ "id": id })).await),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn keyset_pages_match_the_full_order_in_both_directions_with_ties_and_nulls() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let t1 = "2026-01-05T08:00:00Z";
    let t2 = "2026-03-01T08:00:00Z";
    for i in 0..7 {
        app.customer(&rep, &format!("排序{i}")).await;
    }
    // Three share one contact time, two another, two were never contacted.
    let all = app.visible_customers(&rep, json!({})).await.0;
    let q_ver = "query($id: ID!) { customer(id: $id) { version } }";
    for (i, id) in all.iter().enumerate() {
        let when = [Some(t1), Some(t1), Some(t1), Some(t2), Some(t2), None, None][i];
        let v = app.ok(&rep, q_ver, json!({ "id": id })).await["customer"]["version"].clone();
        app.ok(
            &rep,
            "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { customer { id } } }",
            json!({ "i": { "id": id, "version": v, "customer": { "lastContactedAt": when } } }),
        )
        .await;
    }
    let q = "query($f: Int, $a: String, $l: Int, $b: String, $o: CustomerOrderBy) { customers(first: $f, after: $a, last: $l, before: $b, orderBy: $o) { edges { node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
    let ids = |d: &serde_json::Value| -> Vec<String> {
        d["customers"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_string())
            .collect()
    };
    for order in [
        json!({ "field": "LAST_CONTACTED_AT", "direction": "ASC" }),
        json!({ "field": "LAST_CONTACTED_AT", "direction": "DESC" }),
        json!({ "field": "NAME", "direction": "DESC" }),
        json!({ "field": "NAME", "direction": "ASC" }),
    ] {
        let full = ids(&app.ok(&rep, q, json!({ "f": 100, "o": order })).await);
        assert_eq!(full.len(), 7);
        let mut forward = Vec::new();
        let mut after = serde_json::Value::Null;
        loop {
            let d = app
                .ok(&rep, q, json!({ "f": 2, "a": after, "o": order }))
                .await;
            forward.extend(ids(&d));
            if d["customers"]["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = d["customers"]["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(forward, full, "forward {order}");
        let mut backward: Vec<String> = Vec::new();
        let mut before = serde_json::Value::Null;
        loop {
            let d = app
                .ok(&rep, q, json!({ "l": 2, "b": before, "o": order }))
                .await;
            let mut page = ids(&d);
            page.extend(backward);
            backward = page;
            if d["customers"]["pageInfo"]["hasPreviousPage"] != true {
                break;
            }
            before = d["customers"]["pageInfo"]["startCursor"].clone();
        }
        assert_eq!(backward, full, "backward {order}");
    }
}
