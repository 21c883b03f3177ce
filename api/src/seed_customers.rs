//! Demo customers: about 200 companies spread over the demo sales team, with contacts,
//! shares and some in the public pool. Idempotent: existing names are left alone.

use crate::auth::Actor;
use crate::error::AppResult;
use crate::seed::DemoUsers;
use crate::service::contacts::{self, ContactPatch};
use crate::service::customers::bulk::Target;
use crate::service::customers::sharing;
use crate::service::customers::{CustomerPatch, duplicates, write};
use crate::state::AppState;
use chrono::{Duration, Utc};
use domain::customer::{CustomerKind, Importance, LoyaltyStage, match_key};
use domain::permission::ShareLevel;
use rust_decimal::Decimal;

const BRANDS: &[&str] = &[
    "星辰", "华信", "东方", "金桥", "天成", "博远", "宏图", "瑞丰", "嘉禾", "恒通", "鼎盛", "万方",
    "新锐", "致远", "和光", "蓝海", "青松", "长风", "明德", "泰和",
];
const TRADES: &[(&str, &str)] = &[
    ("科技", "信息技术"),
    ("电子", "电子制造"),
    ("物流", "物流运输"),
    ("贸易", "批发零售"),
    ("机械", "装备制造"),
    ("医疗", "医疗健康"),
    ("软件", "信息技术"),
    ("食品", "食品饮料"),
    ("建材", "建筑建材"),
    ("化工", "化工材料"),
];
const PLACES: &[(&str, &str, &str)] = &[
    ("北京", "北京市", "北京市"),
    ("上海", "上海市", "上海市"),
    ("深圳", "广东省", "深圳市"),
    ("杭州", "浙江省", "杭州市"),
    ("成都", "四川省", "成都市"),
    ("武汉", "湖北省", "武汉市"),
    ("苏州", "江苏省", "苏州市"),
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
];
const TITLES: &[&str] = &["总经理", "采购经理", "技术总监", "财务主管", "行政助理"];
const OWNERS: &[&str] = &[
    "sales1", "sales2", "sales3", "sales4", "sales5", "sales6", "manager", "director",
];

fn person(i: usize) -> String {
    format!(
        "{}{}",
        SURNAMES[i % SURNAMES.len()],
        GIVEN[(i * 7) % GIVEN.len()]
    )
}

pub async fn seed(state: &AppState, users: &DemoUsers) -> AppResult<usize> {
    let Some(admin_id) = users.id("admin") else {
        return Ok(0);
    };
    let admin = Actor::without_session(&state.db, admin_id).await?;
    let mut created = 0;
    let now = Utc::now();
    for i in 0..(BRANDS.len() * TRADES.len()) {
        let brand = BRANDS[i % BRANDS.len()];
        let (trade, industry) = TRADES[(i / BRANDS.len()) % TRADES.len()];
        let (city_prefix, province, city) = PLACES[i % PLACES.len()];
        let name = format!("{city_prefix}{brand}{trade}有限公司");
        if duplicates::holder_of(&state.db, &match_key(&name), None)
            .await?
            .is_some()
        {
            continue;
        }
        let owner = if i % 10 == 9 {
            Some(None)
        } else {
            Some(users.id(OWNERS[i % OWNERS.len()]))
        };
        let mut tags = vec![["华东", "华南", "西南", "华北"][i % 4].to_string()];
        if i % 3 == 0 {
            tags.push("重点跟进".into());
        }
        let contact = ContactPatch {
            name: Some(person(i)),
            title: Some(Some(TITLES[i % TITLES.len()].into())),
            mobile: Some(Some(format!(
                "138{:08}",
                10_000_000 + i * 7919 % 89_999_999
            ))),
            email: Some(Some(format!("contact{i}@example.com"))),
            ..Default::default()
        };
        let patch = CustomerPatch {
            name: Some(name),
            kind: Some(CustomerKind::Company),
            importance: Some(
                [
                    Importance::Vip,
                    Importance::Important,
                    Importance::Ordinary,
                    Importance::Ordinary,
                ][i % 4],
            ),
            loyalty_stage: Some(LoyaltyStage::ALL[i % LoyaltyStage::ALL.len()]),
            source: Some(Some(["展会", "官网", "转介绍", "电话营销"][i % 4].into())),
            industry: Some(Some(industry.into())),
            province: Some(Some(province.into())),
            city: Some(Some(city.into())),
            address: Some(Some(format!("{city}高新区创业路{}号", 10 + i))),
            phone: Some(Some(format!(
                "0{}-8{:07}",
                10 + i % 80,
                i * 131 % 9_999_999
            ))),
            tags: Some(tags),
            credit_limit: Some(Decimal::new(((i % 20) as i64 + 1) * 5_000_000, 2)),
            last_contacted_at: Some(Some(now - Duration::days((i % 25) as i64))),
            next_follow_up_at: Some(Some(now + Duration::days((i % 14) as i64 + 1))),
            ..Default::default()
        };
        let customer = write::create(
            state,
            &admin,
            write::NewCustomer {
                patch,
                owner,
                primary_contact: Some(contact),
                idempotency: None,
            },
        )
        .await?;
        if i % 4 == 0 {
            let second = ContactPatch {
                name: Some(person(i + 5)),
                title: Some(Some(TITLES[(i + 1) % TITLES.len()].into())),
                mobile: Some(Some(format!(
                    "139{:08}",
                    20_000_000 + i * 104_729 % 79_999_999
                ))),
                ..Default::default()
            };
            contacts::create(state, &admin, customer.id, second, false, None).await?;
        }
        if customer.owner_id.is_some() && (i % 7 == 0 || i % 13 == 0) {
            let peer = users.id(OWNERS[(i + 1) % 6]);
            let level = if i % 13 == 0 {
                ShareLevel::Edit
            } else {
                ShareLevel::Read
            };
            if let Some(p) = peer.filter(|p| Some(*p) != customer.owner_id) {
                sharing::share(
                    state,
                    &admin,
                    Target::Ids(vec![customer.id]),
                    vec![p],
                    Some(level),
                    false,
                )
                .await?;
            }
        }
        created += 1;
    }
    Ok(created)
}
