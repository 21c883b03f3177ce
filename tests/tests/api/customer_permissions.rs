//! Row permissions: role examples, then a property test over random org trees, owners and
//! shares checking every customer read path against `domain::permission`.

use crate::helpers::*;
use domain::permission::{ActorFacts, CustomerFacts, ShareLevel, customer_access};
use domain::role::RoleSettings;
use guanxi::auth::Actor;
use guanxi::service::contacts::ContactPatch;
use guanxi::service::customers::{CustomerPatch, bulk, sharing, write};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

#[tokio::test]
async fn managers_see_their_whole_subtree_and_no_further() {
    let app = spawn_app().await;
    let top = app.user(Role::Manager, None).await;
    let mid = app.user(Role::Manager, Some(&top)).await;
    let low = app.user(Role::Sales, Some(&mid)).await;
    let other_boss = app.user(Role::Manager, None).await;
    let outsider = app.user(Role::Sales, Some(&other_boss)).await;
    let deep = app.customer(&low, "深层客户").await;
    let far = app.customer(&outsider, "别组客户").await;
    assert_eq!(
        sorted(app.visible_customers(&top, json!({})).await.0),
        vec![deep.clone()]
    );
    assert_eq!(
        app.visible_customers(&mid, json!({})).await.0,
        vec![deep.clone()]
    );
    assert_eq!(
        app.visible_customers(&other_boss, json!({})).await.0,
        vec![far.clone()]
    );
    let q = "query($id: ID!) { customer(id: $id) { access { canEdit canDelete canTransfer reasons } } }";
    let d = app.ok(&top, q, json!({ "id": deep })).await;
    assert_eq!(
        d["customer"]["access"],
        json!({ "canEdit": true, "canDelete": true, "canTransfer": true, "reasons": ["HIERARCHY"] })
    );
    assert!(app.ok(&top, q, json!({ "id": far })).await["customer"].is_null());
}

#[tokio::test]
async fn finance_reads_everything_and_warehouse_only_logistics() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    app.ok(
        &rep,
        CREATE_CUSTOMER,
        json!({ "i": { "customer": { "name": "仓库看", "notes": "机密", "address": "一号路", "creditLimit": "5000" }, "primaryContact": { "name": "收货人", "mobile": "13800000000" } } }),
    )
    .await;
    let fin = app.user(Role::Finance, None).await;
    let wh = app.user(Role::Warehouse, None).await;
    let q = "{ customers { totalCount edges { node { id name address notes tags creditLimit { amount } owner { id } inPool contacts { name mobile } access { canEdit reasons } } } } }";
    let f = app.ok(&fin, q, json!({})).await;
    let n = &f["customers"]["edges"][0]["node"];
    assert_eq!(
        (n["notes"].as_str(), n["creditLimit"]["amount"].as_str()),
        (Some("机密"), Some("5000.00"))
    );
    assert_eq!(
        n["access"],
        json!({ "canEdit": false, "reasons": ["ROLE"] })
    );
    let id = n["id"].clone();
    let r = app.gql(Some(&fin.token), "mutation($id: ID!) { updateCustomer(input: {id: $id, version: 1, customer: {notes: \"x\"}}) { customer { id } } }", json!({ "id": id })).await;
    assert_eq!(code(&r), "FORBIDDEN");
    let w = app.ok(&wh, q, json!({})).await;
    let n = &w["customers"]["edges"][0]["node"];
    assert_eq!(
        (n["name"].as_str(), n["address"].as_str()),
        (Some("仓库看"), Some("一号路"))
    );
    assert!(n["notes"].is_null() && n["creditLimit"].is_null() && n["owner"].is_null());
    assert!(n["inPool"].is_null(), "{n}");
    assert_eq!(n["access"]["reasons"], json!(["ROLE"]));
    let d = app
        .ok(
            &wh,
            "{ customerDuplicates(name: \"仓库看\") { name ownerName } }",
            json!({}),
        )
        .await;
    assert_eq!(
        d["customerDuplicates"],
        json!([{ "name": "仓库看", "ownerName": null }])
    );
    let d = app
        .ok(
            &fin,
            "{ customerDuplicates(name: \"仓库看\") { ownerName } }",
            json!({}),
        )
        .await;
    assert!(d["customerDuplicates"][0]["ownerName"].is_string());
    assert_eq!(
        n["contacts"],
        json!([{ "name": "收货人", "mobile": "13800000000" }])
    );
    // Nothing hidden leaks through histories, contact notes, filters or orderings.
    let id = n["id"].clone();
    let r = app
        .gql(
            Some(&wh.token),
            "query($id: ID!) { auditEvents(entityId: $id) { totalCount } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN");
    for q in [
        "{ customers(filter: {importance: [VIP]}) { totalCount } }",
        "{ customers(filter: {owner: POOL}) { totalCount } }",
        "{ customers(orderBy: {field: LAST_CONTACTED_AT}) { totalCount } }",
    ] {
        assert_eq!(
            code(&app.gql(Some(&wh.token), q, json!({})).await),
            "FORBIDDEN",
            "{q}"
        );
    }
    let d = app
        .ok(
            &wh,
            "{ contacts { edges { node { name notes } } } }",
            json!({}),
        )
        .await;
    assert!(d["contacts"]["edges"][0]["node"]["notes"].is_null());
}

/// A random company: org tree, roles, customers' owners and shares.
#[derive(Debug, Clone)]
struct Scenario {
    roles: Vec<Role>,
    managers: Vec<Option<usize>>,
    owners: Vec<Option<usize>>,
    shares: Vec<(usize, usize, ShareLevel)>,
}

fn depth(managers: &[Option<usize>], mut i: usize) -> usize {
    let mut d = 0;
    while let Some(m) = managers[i] {
        i = m;
        d += 1;
    }
    d
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        2usize..=30,
        1usize..=40,
        prop::collection::vec(any::<u32>(), 400),
    )
        .prop_map(|(n_users, n_customers, r)| {
            let mut next = r.into_iter().cycle();
            let mut roll = move |n: usize| (next.next().unwrap_or(0) as usize) % n;
            let roles: Vec<Role> = (0..n_users)
                .map(|_| {
                    [
                        Role::Sales,
                        Role::Sales,
                        Role::Sales,
                        Role::Manager,
                        Role::Manager,
                        Role::Admin,
                        Role::Finance,
                        Role::Warehouse,
                    ][roll(8)]
                })
                .collect();
            let mut managers: Vec<Option<usize>> = Vec::new();
            for i in 0..n_users {
                let m = if i == 0 || roll(5) == 0 {
                    None
                } else {
                    Some(roll(i))
                };
                managers.push(m);
                if depth(&managers, i) > 5 {
                    managers[i] = None;
                }
            }
            let owning: Vec<usize> = (0..n_users)
                .filter(|&i| domain::permission::may_own_customers(roles[i]))
                .collect();
            let owners = (0..n_customers)
                .map(|_| {
                    if owning.is_empty() || roll(6) == 0 {
                        None
                    } else {
                        Some(owning[roll(owning.len())])
                    }
                })
                .collect();
            let shares = (0..roll(30))
                .map(|_| {
                    (
                        roll(n_customers),
                        roll(n_users),
                        if roll(2) == 0 {
                            ShareLevel::Read
                        } else {
                            ShareLevel::Edit
                        },
                    )
                })
                .collect();
            Scenario {
                roles,
                managers,
                owners,
                shares,
            }
        })
}

fn below(managers: &[Option<usize>], user: usize, boss: usize) -> bool {
    let mut i = user;
    while let Some(m) = managers[i] {
        if m == boss {
            return true;
        }
        i = m;
    }
    false
}

async fn check(s: Scenario) -> Result<(), TestCaseError> {
    let app = spawn_app().await;
    let arranger = app.admin().await;
    let admin = Actor::without_session(&app.state.db, arranger.id)
        .await
        .unwrap();
    let mut users: Vec<TestUser> = Vec::new();
    for (i, role) in s.roles.iter().enumerate() {
        let manager = s.managers[i].map(|m| users[m].clone());
        users.push(app.user(*role, manager.as_ref()).await);
    }
    let mut customers: Vec<Uuid> = Vec::new();
    for (i, owner) in s.owners.iter().enumerate() {
        let c = write::create(
            &app.state,
            &admin,
            write::NewCustomer {
                patch: CustomerPatch {
                    name: Some(format!("客户{i}号")),
                    ..Default::default()
                },
                owner: Some(owner.map(|o| users[o].id)),
                primary_contact: Some(ContactPatch {
                    name: Some(format!("联系人{i}")),
                    ..Default::default()
                }),
                idempotency: None,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
        customers.push(c.id);
    }
    let mut share_of: HashMap<(usize, usize), ShareLevel> = HashMap::new();
    for (c, u, level) in &s.shares {
        if s.owners[*c] == Some(*u) {
            continue;
        }
        sharing::share(
            &app.state,
            &admin,
            bulk::Target::Ids(vec![customers[*c]]),
            vec![users[*u].id],
            Some(*level),
            false,
        )
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
        share_of.insert((*c, *u), *level);
    }
    let gid = |c: usize| guanxi::graphql::ids::encode("Customer", customers[c]).0;
    let settings = RoleSettings::default();
    for (u, user) in users.iter().enumerate() {
        let actor = ActorFacts {
            id: user.id,
            role: s.roles[u],
        };
        let mut expected = HashSet::new();
        let mut editable = HashSet::new();
        for (c, owner) in s.owners.iter().enumerate() {
            let facts = CustomerFacts {
                owner: owner.map(|o| users[o].id),
                owner_below_actor: owner.is_some_and(|o| below(&s.managers, o, u)),
                share: share_of.get(&(c, u)).copied(),
            };
            let access = customer_access(actor, facts, &settings);
            if access.can_read {
                expected.insert(gid(c));
            }
            if access.can_edit {
                editable.insert(gid(c));
            }
        }
        let d = app
            .ok(user, "{ customers(first: 100) { totalCount edges { node { id contacts { id } access { canEdit } } } } contacts(first: 100) { totalCount edges { node { customer { id } } } } search: customers(first: 100, filter: {search: \"kh\"}) { totalCount } exportCustomers { rowCount } }", json!({}))
            .await;
        let listed: HashSet<String> = d["customers"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_string())
            .collect();
        prop_assert_eq!(&listed, &expected, "list of user {} ({:?})", u, s.roles[u]);
        for key in [
            &d["customers"]["totalCount"],
            &d["contacts"]["totalCount"],
            &d["search"]["totalCount"],
            &d["exportCustomers"]["rowCount"],
        ] {
            prop_assert_eq!(
                key.as_u64(),
                Some(expected.len() as u64),
                "counts of user {}",
                u
            );
        }
        for e in d["customers"]["edges"].as_array().unwrap() {
            let id = e["node"]["id"].as_str().unwrap();
            prop_assert_eq!(e["node"]["contacts"].as_array().unwrap().len(), 1);
            prop_assert_eq!(
                e["node"]["access"]["canEdit"].as_bool().unwrap(),
                editable.contains(id),
                "canEdit {} for user {}",
                id,
                u
            );
        }
        let contact_parents: HashSet<String> = d["contacts"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["customer"]["id"].as_str().unwrap().to_string())
            .collect();
        prop_assert_eq!(&contact_parents, &expected);
        let lookups: Vec<String> = (0..customers.len())
            .map(|c| format!("c{c}: node(id: \"{}\") {{ id }}", gid(c)))
            .collect();
        let n = app
            .ok(user, &format!("{{ {} }}", lookups.join(" ")), json!({}))
            .await;
        for c in 0..customers.len() {
            let found = !n[format!("c{c}")].is_null();
            prop_assert_eq!(
                found,
                expected.contains(&gid(c)),
                "node({}) for user {}",
                c,
                u
            );
        }
        let probe = (u * 7) % customers.len();
        let dup: Value = app
            .ok(
                user,
                "query($n: String!) { customerDuplicates(name: $n) { name customer { id } } }",
                json!({ "n": format!("客户{probe}号") }),
            )
            .await;
        prop_assert_eq!(
            !dup["customerDuplicates"][0]["customer"].is_null(),
            expected.contains(&gid(probe))
        );
    }
    app.stop().await;
    Ok(())
}

#[test]
fn every_read_path_returns_exactly_what_the_policy_allows() {
    let cases = std::env::var("GUANXI_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases,
        max_shrink_iters: 0,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&scenario(), |s| rt.block_on(check(s)));
    if let Err(e) = result {
        panic!("{e}");
    }
}
