//! The field policy (`domain::fields`) walked over the whole schema: every type has a rule,
//! every field a restricted view may not see can be hidden, and through `node` and through
//! lists a warehouse user reads exactly the allowed fields of customers, contacts and users.

use crate::helpers::*;
use domain::fields::{Allow, View, logistics_rule, visible};
use domain::role::Role;
use serde_json::{Value, json};

const INTROSPECT: &str = "{ __schema { types { kind name possibleTypes { name } fields { name args { name } type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }";

struct Field {
    name: String,
    nullable: bool,
    list: bool,
    /// The named type under any list and non-null wrappers, and its kind.
    leaf_kind: String,
    takes_args: bool,
}

fn field_of(f: &Value) -> Field {
    let mut t = &f["type"];
    let nullable = t["kind"] != "NON_NULL";
    let mut list = false;
    while t["name"].is_null() {
        list |= t["kind"] == "LIST";
        t = &t["ofType"];
    }
    Field {
        name: f["name"].as_str().unwrap().to_string(),
        nullable,
        list,
        leaf_kind: t["kind"].as_str().unwrap().to_string(),
        takes_args: !f["args"].as_array().unwrap().is_empty(),
    }
}

async fn schema_types(app: &TestApp, admin: &TestUser) -> Vec<Value> {
    let s = app.ok(admin, INTROSPECT, json!({})).await;
    s["__schema"]["types"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| !t["name"].as_str().unwrap().starts_with("__"))
        .filter(|t| t["kind"] == "OBJECT" || t["kind"] == "INTERFACE")
        .cloned()
        .collect()
}

fn fields(t: &Value) -> Vec<Field> {
    t["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(field_of)
        .collect()
}

#[tokio::test]
async fn every_type_has_a_rule_that_can_be_applied() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let types = schema_types(&app, &admin).await;
    assert!(types.len() > 20);
    for t in &types {
        let name = t["name"].as_str().unwrap();
        let rule = logistics_rule(name).unwrap_or_else(|| {
            panic!("{name} has no rule in domain::fields; the logistics view sees none of it")
        });
        let fs = fields(t);
        if let Allow::Only(allowed) = rule {
            for a in allowed {
                assert!(
                    fs.iter().any(|f| f.name == *a),
                    "{name}.{a} is allowed but does not exist"
                );
            }
            for f in fs.iter().filter(|f| !allowed.contains(&f.name.as_str())) {
                assert!(
                    f.nullable || f.list,
                    "{name}.{} is hidden from the logistics view, so it must be nullable or a list",
                    f.name
                );
            }
        }
        // A field asked through an interface is checked under the interface's name: the
        // interface may allow only what each reachable implementation allows.
        if t["kind"] == "INTERFACE" {
            for imp in t["possibleTypes"].as_array().unwrap() {
                let imp = imp["name"].as_str().unwrap();
                if logistics_rule(imp) == Some(Allow::Unreachable) {
                    continue;
                }
                for f in &fs {
                    if visible(View::Logistics, name, &f.name) {
                        assert!(
                            visible(View::Logistics, imp, &f.name),
                            "{name}.{} is allowed but {imp}.{} is not",
                            f.name,
                            f.name
                        );
                    }
                }
            }
        }
    }
}

/// Every field of `type_name` that takes no arguments, objects by `__typename`.
fn selection(types: &[Value], type_name: &str) -> String {
    let t = types.iter().find(|t| t["name"] == type_name).unwrap();
    fields(t)
        .iter()
        .filter(|f| !f.takes_args)
        .map(|f| match f.leaf_kind.as_str() {
            "OBJECT" | "INTERFACE" => format!("{} {{ __typename }}", f.name),
            _ => f.name.clone(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Checks one record as the warehouse user sees it against the administrator's copy.
fn check_record(types: &[Value], type_name: &str, full: &Value, limited: &Value) {
    let t = types.iter().find(|t| t["name"] == type_name).unwrap();
    for f in fields(t).iter().filter(|f| !f.takes_args) {
        let (a, w) = (&full[&f.name], &limited[&f.name]);
        if visible(View::Logistics, type_name, &f.name) {
            assert_eq!(w, a, "{type_name}.{} should read as for everyone", f.name);
        } else if f.list {
            assert_eq!(w, &json!([]), "{type_name}.{} should be empty", f.name);
        } else {
            assert!(
                w.is_null(),
                "{type_name}.{} should be null, got {w}",
                f.name
            );
        }
    }
}

#[tokio::test]
async fn a_warehouse_user_reads_only_allowed_fields_through_node_and_lists() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let rep = app.user(Role::Sales, None).await;
    let peer = app.user(Role::Sales, None).await;
    let wh = app.user(Role::Warehouse, None).await;
    let types = schema_types(&app, &admin).await;
    let every_field = json!({
        "name": "全字段公司", "kind": "COMPANY", "importance": "VIP", "loyaltyStage": "LOYAL",
        "source": "展会", "industry": "制造", "province": "江苏", "city": "苏州",
        "address": "工业园区一号", "phone": "0512-1234567", "website": "https://example.cn",
        "tags": ["重点"], "notes": "机密", "creditLimit": "5000", "openingBalance": "12.5",
        "lastContactedAt": "2026-11-01T00:00:00Z", "nextFollowUpAt": "2027-01-01T00:00:00Z"
    });
    let d = app
        .ok(
            &rep,
            CREATE_CUSTOMER,
            json!({ "i": { "customer": every_field, "primaryContact": {
                "name": "收货人", "title": "经理", "mobile": "13800000000", "phone": "0512-7654321",
                "email": "a@example.cn", "wechat": "wx1", "notes": "私下备注" } } }),
        )
        .await;
    let id = d["createCustomer"]["customer"]["id"].clone();
    let contact = d["createCustomer"]["customer"]["contacts"][0]["id"].clone();
    app.ok(
        &rep,
        "mutation($i: ShareCustomersInput!) { shareCustomers(input: $i) { changedCount } }",
        json!({ "i": { "customers": { "ids": [id] }, "userIds": [peer.gid], "level": "READ" } }),
    )
    .await;

    for (type_name, gid, list) in [
        ("Customer", &id, "customers"),
        ("Contact", &contact, "contacts"),
        ("User", &json!(rep.gid), "users"),
    ] {
        let sel = selection(&types, type_name);
        let by_node =
            format!("query($id: ID!) {{ node(id: $id) {{ ... on {type_name} {{ {sel} }} }} }}");
        let by_list = format!("{{ {list}(first: 100) {{ edges {{ node {{ {sel} }} }} }} }}");
        let full = app.ok(&admin, &by_node, json!({ "id": gid })).await["node"].clone();
        assert_eq!(&full["id"], gid);
        let limited = app.ok(&wh, &by_node, json!({ "id": gid })).await["node"].clone();
        check_record(&types, type_name, &full, &limited);
        let listed = app.ok(&wh, &by_list, json!({})).await;
        let row = listed[list]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["node"])
            .find(|n| &n["id"] == gid)
            .unwrap_or_else(|| panic!("{type_name} missing from {list}"))
            .clone();
        check_record(&types, type_name, &full, &row);
    }
    // The hidden fields really hold values, so the nulls above are the policy at work.
    let full = app
        .ok(
            &admin,
            "query($id: ID!) { node(id: $id) { ... on Customer { notes owner { id } shares { level } creditLimit { amount } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(full["node"]["notes"], "机密");
    assert_eq!(full["node"]["shares"][0]["level"], "READ");
    assert_eq!(full["node"]["creditLimit"]["amount"], "5000.00");
    assert_eq!(full["node"]["owner"]["id"], json!(rep.gid));
}
