//! Search finds the same customers for short and long terms (which take different plans on
//! PostgreSQL, see `query_plans.rs`).

use crate::helpers::*;
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
        ("D", vec![trade.clone()]),
        ("司", vec![star.clone()]),
        ("_", vec![]),
        ("%", vec![]),
        ("KJ", vec![star.clone()]),
        ("dongfang", vec![trade.clone()]),
        ("有限", vec![star.clone()]),
        ("无此", vec![]),
    ] {
        let (found, _) = app.visible_customers(&rep, json!({ "search": term })).await;
        assert_eq!(found, expected, "{term}");
    }
}
