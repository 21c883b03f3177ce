//! Search finds the same customers for short and long terms, and on PostgreSQL a term of three
//! characters or more is answered from the trigram indexes.

use crate::helpers::*;
use guanxi::auth::Actor;
use guanxi::service::customers::query::{CustomerFilter, filtered};
use sea_orm::{ConnectionTrait, DatabaseBackend, QueryTrait, Statement, TransactionTrait};
use serde_json::json;

#[tokio::test]
async fn short_and_long_terms_find_the_same_customers() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let star = app.customer(&rep, "星辰科技有限公司").await;
    let trade = app.customer(&rep, "东方贸易").await;
    for (term, expected) in [
        ("星辰", vec![star.clone()]),
        ("星辰科技", vec![star.clone()]),
        ("xc", vec![star.clone()]),
        ("xckj", vec![star.clone()]),
        ("xingchen", vec![star.clone()]),
        ("贸", vec![trade.clone()]),
        ("dongfang", vec![trade.clone()]),
        ("有限", vec![star.clone()]),
        ("无此", vec![]),
    ] {
        let (found, _) = app.visible_customers(&rep, json!({ "search": term })).await;
        assert_eq!(found, expected, "{term}");
    }
}

/// The plan PostgreSQL chooses for the statement Guanxi sends for a search.
async fn plan(app: &TestApp, rep: &TestUser, term: &str) -> String {
    let actor = Actor::without_session(&app.state.db, rep.id).await.unwrap();
    let filter = CustomerFilter {
        search: Some(term.into()),
        ..Default::default()
    };
    let stmt = filtered(&app.state, &actor, &filter)
        .unwrap()
        .build(DatabaseBackend::Postgres);
    let txn = app.state.db.begin().await.unwrap();
    let explain = format!("EXPLAIN {}", stmt.sql);
    let rows = txn
        .query_all_raw(match stmt.values {
            Some(v) => Statement::from_sql_and_values(DatabaseBackend::Postgres, explain, v),
            None => Statement::from_string(DatabaseBackend::Postgres, explain),
        })
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn long_terms_use_the_trigram_indexes_on_postgres() {
    let app = spawn_app().await;
    if app.state.db.get_database_backend() != DatabaseBackend::Postgres {
        return;
    }
    let rep = app.user(Role::Sales, None).await;
    app.customer(&rep, "星辰科技有限公司").await;
    // Enough rows that an index pays, as in any real company.
    app.state
        .db
        .execute_unprepared(&format!(
            "INSERT INTO customers (id, name, name_key, name_pinyin, name_initials, kind, importance, \
             loyalty_stage, tags, owner_id, credit_limit, opening_balance, created_at, updated_at, version) \
             SELECT gen_random_uuid(), '客户' || i, 'k' || i, 'kehu' || i, 'kh' || i, 'COMPANY', 'NORMAL', \
             'PROSPECT', '', '{}', 0, 0, now(), now(), 1 FROM generate_series(1, 20000) i; ANALYZE customers",
            rep.id
        ))
        .await
        .unwrap();
    let long = plan(&app, &rep, "xingchen").await;
    for ix in [
        "ix_customers_name_trgm",
        "ix_customers_pinyin_trgm",
        "ix_customers_initials_trgm",
    ] {
        assert!(long.contains(ix), "{ix} unused:\n{long}");
    }
    let short = plan(&app, &rep, "xc").await;
    assert!(
        !short.contains("_trgm"),
        "a two-letter term reads no trigram index:\n{short}"
    );
}
