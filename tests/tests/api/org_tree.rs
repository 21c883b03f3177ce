//! The org closure table stays exactly the tree after every change, and scopes follow it.

use crate::helpers::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use std::collections::BTreeSet;

const MOVE: &str = "mutation($i: UpdateUserInput!) { updateUser(input: $i) { user { version } } }";

/// (ancestor, descendant, depth) as the closure table holds it, and as a recursive walk of
/// `users.manager_id` computes it.
async fn closure_and_walk(app: &TestApp) -> (BTreeSet<String>, BTreeSet<String>) {
    let db = &app.state.db;
    let rows = |sql: &str| {
        let sql = sql.to_string();
        async move {
            db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap()
                .into_iter()
                .map(|r| {
                    let a: uuid::Uuid = r.try_get_by_index(0).unwrap();
                    let d: uuid::Uuid = r.try_get_by_index(1).unwrap();
                    let n: i32 = r.try_get_by_index(2).unwrap();
                    format!("{a} {d} {n}")
                })
                .collect::<BTreeSet<String>>()
        }
    };
    let table = rows("SELECT ancestor_id, descendant_id, depth FROM org_closure").await;
    let walk = rows(
        "WITH RECURSIVE c(a, d, depth) AS (SELECT id, id, 0 FROM users UNION ALL \
         SELECT c.a, u.id, c.depth + 1 FROM users u JOIN c ON u.manager_id = c.d) \
         SELECT a, d, depth FROM c",
    )
    .await;
    (table, walk)
}

#[tokio::test]
async fn the_closure_table_is_the_tree_after_random_moves() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mut rng = StdRng::seed_from_u64(7);
    let mut people = vec![app.user(Role::Manager, None).await];
    for _ in 0..11 {
        let boss = &people[rng.random_range(0..people.len())];
        let role = if rng.random_bool(0.5) {
            Role::Manager
        } else {
            Role::Sales
        };
        let p = app.user(role, Some(boss)).await;
        people.push(p);
    }
    let mut versions = vec![1i64; people.len()];
    let (table, walk) = closure_and_walk(&app).await;
    assert_eq!(table, walk, "after creating");
    let (mut moved, mut refused) = (0, 0);
    for _ in 0..40 {
        let i = rng.random_range(0..people.len());
        let to = if rng.random_bool(0.15) {
            None
        } else {
            Some(people[rng.random_range(0..people.len())].gid.clone())
        };
        let r = app
            .gql(
                Some(&admin.token),
                MOVE,
                json!({ "i": { "id": people[i].gid, "version": versions[i], "managerId": to } }),
            )
            .await;
        match r["data"]["updateUser"]["user"]["version"].as_i64() {
            Some(v) => {
                versions[i] = v;
                moved += 1;
            }
            None => {
                assert_eq!(ext(&r, "rule"), "ORG_TREE_CYCLE", "{r}");
                refused += 1;
            }
        }
        let (table, walk) = closure_and_walk(&app).await;
        assert_eq!(table, walk, "after a move");
    }
    assert!(
        moved > 10 && refused > 0,
        "{moved} moves, {refused} cycles refused"
    );
}

#[tokio::test]
async fn a_manager_sees_a_team_that_moves_in_and_not_one_that_moves_out() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let a = app.user(Role::Manager, None).await;
    let b = app.user(Role::Manager, None).await;
    let lead = app.user(Role::Manager, Some(&a)).await;
    let rep = app.user(Role::Sales, Some(&lead)).await;
    app.customer(&rep, "跟着团队走的客户").await;
    let count = |u: &TestUser| {
        let token = u.token.clone();
        let app = &app;
        async move {
            app.gql(
                Some(&token),
                "{ customers(filter: {owner: MY_TEAM}) { totalCount } }",
                json!({}),
            )
            .await["data"]["customers"]["totalCount"]
                .as_i64()
                .unwrap()
        }
    };
    assert_eq!((count(&a).await, count(&b).await), (1, 0));
    app.ok(
        &admin,
        MOVE,
        json!({ "i": { "id": lead.gid, "version": 1, "managerId": b.gid } }),
    )
    .await;
    assert_eq!(
        (count(&a).await, count(&b).await),
        (0, 1),
        "the rep two levels down moved too"
    );
    let r = app
        .gql(Some(&a.token), "{ customers { totalCount } }", json!({}))
        .await;
    assert_eq!(r["data"]["customers"]["totalCount"], 0, "{r}");
}
