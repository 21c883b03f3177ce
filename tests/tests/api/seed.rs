use crate::helpers::*;
use entity::user;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

#[tokio::test]
async fn seeding_twice_duplicates_nothing_and_demo_users_can_sign_in() {
    let app = spawn_app().await;
    guanxi::seed::seed_demo(&app.state).await.unwrap();
    let users = user::Entity::find().count(&app.state.db).await.unwrap();
    guanxi::seed::seed_demo(&app.state).await.unwrap();
    assert_eq!(
        user::Entity::find().count(&app.state.db).await.unwrap(),
        users
    );
    assert_eq!(users, 11);
    let r = app
        .gql(
            None,
            "mutation($p: String!) { login(input: {email: \"sales4@guanxi.demo\", password: $p}) { user { role manager { displayName manager { role } } } } }",
            json!({ "p": guanxi::seed::DEMO_PASSWORD }),
        )
        .await;
    assert_eq!(r["data"]["login"]["user"]["role"], "SALES");
    assert_eq!(
        r["data"]["login"]["user"]["manager"]["manager"]["role"],
        "MANAGER"
    );
}
