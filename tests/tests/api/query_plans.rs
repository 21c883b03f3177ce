//! On PostgreSQL, with enough rows that an index pays, the statements Guanxi sends for search
//! and for every list ordering are answered from the indexes the migrations create.

use crate::helpers::*;
use guanxi::auth::Actor;
use guanxi::pagination::ordered;
use guanxi::service::customers::query::{CustomerFilter, CustomerOrder, filtered};
use sea_orm::{ConnectionTrait, DatabaseBackend, QueryTrait, Select, Statement};

/// A PostgreSQL app with a rep owning 20,000 customers, analysed; `None` on SQLite.
async fn busy_company() -> Option<(TestApp, TestUser)> {
    let app = spawn_app().await;
    if app.state.db.get_database_backend() != DatabaseBackend::Postgres {
        return None;
    }
    let rep = app.user(Role::Sales, None).await;
    app.customer(&rep, "星辰科技有限公司").await;
    app.state
        .db
        .execute_unprepared(&format!(
            "INSERT INTO customers (id, name, name_key, name_pinyin, name_initials, kind, importance, \
             loyalty_stage, tags, owner_id, last_contacted_at, next_follow_up_at, credit_limit, \
             opening_balance, created_at, updated_at, version) \
             SELECT gen_random_uuid(), '客户' || i, 'k' || i, 'kehu' || i, 'kh' || i, 'COMPANY', \
             'NORMAL', 'PROSPECT', '', '{}', \
             CASE WHEN i % 3 = 0 THEN NULL ELSE now() - i * interval '1 minute' END, \
             CASE WHEN i % 2 = 0 THEN NULL ELSE now() + i * interval '1 minute' END, \
             0, 0, now(), now(), 1 FROM generate_series(1, 20000) i; ANALYZE customers",
            rep.id
        ))
        .await
        .unwrap();
    Some((app, rep))
}

async fn plan(app: &TestApp, select: Select<entity::customer::Entity>) -> String {
    let stmt = select.build(DatabaseBackend::Postgres);
    let explain = format!("EXPLAIN {}", stmt.sql);
    let rows = app
        .state
        .db
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

async fn search_plan(app: &TestApp, rep: &TestUser, term: &str) -> String {
    let actor = Actor::without_session(&app.state.db, rep.id).await.unwrap();
    let filter = CustomerFilter {
        search: Some(term.into()),
        ..Default::default()
    };
    plan(app, filtered(&app.state, &actor, &filter).unwrap()).await
}

#[tokio::test]
async fn long_search_terms_use_the_trigram_indexes() {
    let Some((app, rep)) = busy_company().await else {
        return;
    };
    let long = search_plan(&app, &rep, "xingchen").await;
    for ix in [
        "ix_customers_name_trgm",
        "ix_customers_pinyin_trgm",
        "ix_customers_initials_trgm",
    ] {
        assert!(long.contains(ix), "{ix} unused:\n{long}");
    }
}

#[tokio::test]
async fn short_search_terms_use_the_character_pair_index() {
    let Some((app, rep)) = busy_company().await else {
        return;
    };
    for term in ["xc", "星辰", "星"] {
        let short = search_plan(&app, &rep, term).await;
        assert!(
            !short.contains("_trgm"),
            "a term of {term:?} reads no trigram index:\n{short}"
        );
        assert!(
            short.contains("ix_customers_search_grams"),
            "{term:?} unindexed:\n{short}"
        );
    }
}

#[tokio::test]
async fn a_tag_filter_uses_the_trigram_index() {
    let Some((app, rep)) = busy_company().await else {
        return;
    };
    app.state
        .db
        .execute_unprepared(
            "UPDATE customers SET tags = '|重点客户|' WHERE name IN ('客户7', '客户70', '客户700'); ANALYZE customers",
        )
        .await
        .unwrap();
    let actor = Actor::without_session(&app.state.db, rep.id).await.unwrap();
    let filter = CustomerFilter {
        tags_any: vec!["重点客户".into()],
        ..Default::default()
    };
    let p = plan(&app, filtered(&app.state, &actor, &filter).unwrap()).await;
    assert!(p.contains("ix_customers_tags_trgm"), "{p}");
}

#[tokio::test]
async fn every_ordering_reads_a_page_from_an_index_without_sorting() {
    let Some((app, rep)) = busy_company().await else {
        return;
    };
    let actor = Actor::without_session(&app.state.db, rep.id).await.unwrap();
    for order in [
        CustomerOrder::Name,
        CustomerOrder::CreatedAt,
        CustomerOrder::UpdatedAt,
        CustomerOrder::LastContactedAt,
        CustomerOrder::NextFollowUpAt,
    ] {
        for desc in [false, true] {
            for backwards in [false, true] {
                let select = filtered(&app.state, &actor, &CustomerFilter::default()).unwrap();
                let page = ordered(select, &order.sort(desc), backwards);
                let p = plan(&app, sea_orm::QuerySelect::limit(page, 51)).await;
                assert!(
                    p.contains("Index Scan") && !p.contains("Sort"),
                    "{order:?} desc={desc} backwards={backwards} sorts:\n{p}"
                );
            }
        }
    }
}
