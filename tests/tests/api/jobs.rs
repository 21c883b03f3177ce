//! Background jobs: retries with backoff, dead jobs for administrators, leases that outlive
//! their worker, one pending run per scheduled task, real workers.

use crate::helpers::*;
use guanxi::service::jobs::{self, POOL_SWEEP, claim, enqueue, finish, schedule, work_once};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

async fn job(app: &TestApp, id: uuid::Uuid) -> entity::job::Model {
    entity::job::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

/// Registers a handler of `kind` that only counts its runs.
fn counting(app: &TestApp, kind: &str) -> Arc<AtomicUsize> {
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = runs.clone();
    app.state.jobs.register(
        kind,
        Arc::new(move |_, _| {
            let counted = counted.clone();
            Box::pin(async move {
                counted.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
        }),
    );
    runs
}

/// Runs due jobs until `done` holds or 5 s pass.
async fn work_until(app: &TestApp, worker: &str, done: impl AsyncFn() -> bool) {
    for _ in 0..500 {
        if done().await {
            return;
        }
        if !work_once(&app.state, worker).await.unwrap() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    panic!("the jobs did not get there in time");
}

#[tokio::test]
async fn a_panicking_handler_is_retried_then_dead_and_an_admin_may_queue_it_again() {
    let app = spawn_app_with(&[
        ("GUANXI_JOB_RETRY_BASE_MS", "5"),
        ("GUANXI_JOB_MAX_ATTEMPTS", "3"),
    ])
    .await;
    app.state.jobs.register(
        "test.panics",
        Arc::new(|_, _| Box::pin(async { panic!("no such printer") })),
    );
    let runs = counting(&app, "test.ok");
    let bad = enqueue(&app.state.db, &app.state, "test.panics", json!({}), None)
        .await
        .unwrap();
    work_until(&app, "w1", async || {
        job(&app, bad.id).await.state == jobs::DEAD
    })
    .await;
    let dead = job(&app, bad.id).await;
    assert_eq!(dead.attempts, 3);
    assert!(
        dead.last_error
            .as_deref()
            .unwrap()
            .contains("no such printer"),
        "{dead:?}"
    );
    // The same worker goes on with the next job.
    let good = enqueue(&app.state.db, &app.state, "test.ok", json!({}), None)
        .await
        .unwrap();
    work_until(&app, "w1", async || {
        job(&app, good.id).await.state == jobs::DONE
    })
    .await;
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    let admin = app.admin().await;
    let rep = app.user(Role::Sales, None).await;
    let q = "{ jobs(state: DEAD) { totalCount edges { node { id kind state attempts maxAttempts lastError } } } }";
    let d = app.ok(&admin, q, json!({})).await;
    assert_eq!(d["jobs"]["totalCount"], 1, "{d}");
    let node = &d["jobs"]["edges"][0]["node"];
    assert_eq!(
        (node["kind"].as_str(), node["attempts"].as_i64()),
        (Some("test.panics"), Some(3))
    );
    let gid = node["id"].as_str().unwrap().to_string();
    assert_eq!(
        code(&app.gql(Some(&rep.token), q, json!({})).await),
        "FORBIDDEN"
    );
    let nq = "query($id: ID!) { node(id: $id) { id ... on Job { state } } }";
    let r = app.gql(Some(&rep.token), nq, json!({ "id": gid })).await;
    assert!(
        r["data"]["node"].is_null(),
        "only administrators see jobs: {r}"
    );
    let d = app.ok(&admin, nq, json!({ "id": gid })).await;
    assert_eq!(d["node"]["state"], "DEAD");

    let retry = "mutation($id: ID!) { retryJob(input: {id: $id}) { job { state attempts } } }";
    let r = app.gql(Some(&rep.token), retry, json!({ "id": gid })).await;
    assert_eq!(code(&r), "FORBIDDEN");
    let d = app.ok(&admin, retry, json!({ "id": gid })).await;
    assert_eq!(
        d["retryJob"]["job"],
        json!({ "state": "QUEUED", "attempts": 0 })
    );
    let r = app
        .gql(Some(&admin.token), retry, json!({ "id": gid }))
        .await;
    assert_eq!(
        (code(&r), ext(&r, "rule").as_str()),
        ("BUSINESS_RULE", Some("JOB_NOT_DEAD"))
    );
}

#[tokio::test]
async fn a_job_whose_worker_died_is_finished_by_another_exactly_once() {
    let app = spawn_app().await;
    let runs = counting(&app, "test.count");
    let j = enqueue(&app.state.db, &app.state, "test.count", json!({}), None)
        .await
        .unwrap();
    // A worker claims it and dies: nobody else may take it while its lease holds.
    let lease = chrono::Duration::milliseconds(300);
    let held = claim(&app.state.db, "doomed", lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(held.id, j.id);
    assert!(!work_once(&app.state, "heir").await.unwrap());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(work_once(&app.state, "heir").await.unwrap());
    let after = job(&app, j.id).await;
    assert_eq!((after.state.as_str(), after.attempts), (jobs::DONE, 2));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    // The dead worker's late word changes nothing.
    finish(
        &app.state.db,
        &app.state,
        &held,
        "doomed",
        Err("late".into()),
    )
    .await
    .unwrap();
    assert_eq!(job(&app, j.id).await.state, jobs::DONE);
}

#[tokio::test]
async fn a_scheduled_task_has_one_pending_run_and_schedules_the_next() {
    let app = spawn_app().await;
    let pending = || async {
        entity::job::Entity::find()
            .filter(entity::job::Column::UniqueKey.eq(POOL_SWEEP))
            .filter(entity::job::Column::State.eq(jobs::QUEUED))
            .all(&app.state.db)
            .await
            .unwrap()
    };
    // The server scheduled it at start; scheduling again changes nothing.
    assert_eq!(pending().await.len(), 1);
    schedule(&app.state.db, &app.state, POOL_SWEEP, chrono::Utc::now())
        .await
        .unwrap();
    let runs = pending().await;
    assert_eq!(runs.len(), 1);
    let first = runs[0].clone();
    assert!(
        first.run_after > chrono::Utc::now(),
        "the first run waits one period"
    );
    entity::job::Entity::update_many()
        .col_expr(
            entity::job::Column::RunAfter,
            sea_orm::sea_query::Expr::value(chrono::Utc::now()),
        )
        .filter(entity::job::Column::Id.eq(first.id))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert!(work_once(&app.state, "w").await.unwrap());
    assert_eq!(job(&app, first.id).await.state, jobs::DONE);
    let next = pending().await;
    assert_eq!(next.len(), 1);
    assert_ne!(next[0].id, first.id);
    assert!(next[0].run_after > chrono::Utc::now() + chrono::Duration::seconds(200));
}

#[tokio::test]
async fn workers_inside_the_server_run_queued_jobs() {
    let app = spawn_app_with(&[("GUANXI_WORKERS", "2"), ("GUANXI_JOB_POLL_MS", "20")]).await;
    let runs = counting(&app, "test.count");
    for _ in 0..5 {
        enqueue(&app.state.db, &app.state, "test.count", json!({}), None)
            .await
            .unwrap();
    }
    for _ in 0..250 {
        let done = entity::job::Entity::find()
            .filter(entity::job::Column::Kind.eq("test.count"))
            .filter(entity::job::Column::State.eq(jobs::DONE))
            .count(&app.state.db)
            .await
            .unwrap();
        if done == 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(runs.load(Ordering::SeqCst), 5, "each job ran once");
}

#[tokio::test]
async fn the_cleanup_removes_what_has_expired_and_keeps_the_rest() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = spawn_app().await;
    let db = &app.state.db;
    let now = chrono::Utc::now();
    for (days, email) in [(8, "old@x.test"), (1, "recent@x.test")] {
        entity::login_failure::ActiveModel {
            id: Set(uuid::Uuid::new_v4()),
            email: Set(email.into()),
            ip: Set(None),
            created_at: Set(now - chrono::Duration::days(days)),
        }
        .insert(db)
        .await
        .unwrap();
    }
    let old = enqueue(db, &app.state, "test.none", json!({}), None)
        .await
        .unwrap();
    let mut done: entity::job::ActiveModel = old.clone().into();
    done.state = Set(jobs::DONE.into());
    done.finished_at = Set(Some(now - chrono::Duration::days(8)));
    done.update(db).await.unwrap();
    let cleanup = enqueue(db, &app.state, jobs::CLEANUP, json!({}), None)
        .await
        .unwrap();
    work_until(&app, "w", async || {
        job(&app, cleanup.id).await.state == jobs::DONE
    })
    .await;
    let left: Vec<String> = entity::login_failure::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.email)
        .collect();
    assert_eq!(left, vec!["recent@x.test".to_string()]);
    assert!(
        entity::job::Entity::find_by_id(old.id)
            .one(db)
            .await
            .unwrap()
            .is_none()
    );
}
