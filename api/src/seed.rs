//! The demo company: users of every role in a two-level org tree (customers are added by
//! their own seeders). Idempotent: records that exist are left as they are.

use crate::error::AppResult;
use crate::service::users::{self, NewUser};
use crate::state::AppState;
use domain::role::Role;
use entity::user;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::fmt::Write;
use uuid::Uuid;

pub const DEMO_PASSWORD: &str = "Demo-Kehu-2026";

/// (key, e-mail, name, role, manager key)
const DEMO_USERS: &[(&str, &str, &str, Role, Option<&str>)] = &[
    (
        "admin",
        "admin@guanxi.demo",
        "王建国 (Admin)",
        Role::Admin,
        None,
    ),
    (
        "director",
        "director@guanxi.demo",
        "李华 (Sales Director)",
        Role::Manager,
        None,
    ),
    (
        "manager",
        "manager@guanxi.demo",
        "张伟 (Team Manager)",
        Role::Manager,
        Some("director"),
    ),
    (
        "sales1",
        "sales1@guanxi.demo",
        "刘洋",
        Role::Sales,
        Some("director"),
    ),
    (
        "sales2",
        "sales2@guanxi.demo",
        "陈静",
        Role::Sales,
        Some("director"),
    ),
    (
        "sales3",
        "sales3@guanxi.demo",
        "杨帆",
        Role::Sales,
        Some("director"),
    ),
    (
        "sales4",
        "sales4@guanxi.demo",
        "赵磊",
        Role::Sales,
        Some("manager"),
    ),
    (
        "sales5",
        "sales5@guanxi.demo",
        "黄敏",
        Role::Sales,
        Some("manager"),
    ),
    (
        "sales6",
        "sales6@guanxi.demo",
        "周杰",
        Role::Sales,
        Some("manager"),
    ),
    (
        "finance",
        "finance@guanxi.demo",
        "吴芳 (Finance)",
        Role::Finance,
        None,
    ),
    (
        "warehouse",
        "warehouse@guanxi.demo",
        "郑强 (Warehouse)",
        Role::Warehouse,
        None,
    ),
];

pub struct DemoUsers(pub Vec<(&'static str, user::Model)>);

impl DemoUsers {
    pub fn id(&self, key: &str) -> Option<Uuid> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, u)| u.id)
    }
}

pub async fn seed_demo(state: &AppState) -> AppResult<String> {
    let users = seed_users(state).await?;
    let customers = crate::seed_customers::seed(state, &users).await?;
    let mut report = format!("Demo company ready ({customers} new customers). ");
    report.push_str("Sign in with any of these (password ");
    let _ = writeln!(report, "{DEMO_PASSWORD}):");
    for (_, u) in &users.0 {
        let _ = writeln!(report, "  {:<24} {}", u.email, u.role);
    }
    Ok(report)
}

/// Whether the database has no users yet (then a development server seeds the demo).
pub async fn is_empty(state: &AppState) -> AppResult<bool> {
    Ok(user::Entity::find().count(&state.db).await? == 0)
}

async fn seed_users(state: &AppState) -> AppResult<DemoUsers> {
    let mut out: Vec<(&'static str, user::Model)> = Vec::new();
    for (key, email, name, role, manager) in DEMO_USERS {
        let existing = user::Entity::find()
            .filter(user::Column::Email.eq(*email))
            .one(&state.db)
            .await?;
        let model = match existing {
            Some(u) => u,
            None => {
                let manager_id =
                    manager.and_then(|m| out.iter().find(|(k, _)| *k == m).map(|(_, u)| u.id));
                users::create(
                    &state.db,
                    &state.passwords,
                    None,
                    NewUser {
                        email: email.to_string(),
                        display_name: name.to_string(),
                        phone: None,
                        role: *role,
                        manager_id,
                        password: DEMO_PASSWORD.to_string(),
                    },
                )
                .await?
            }
        };
        out.push((key, model));
    }
    Ok(DemoUsers(out))
}
