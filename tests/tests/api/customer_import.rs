use crate::helpers::*;
use serde_json::json;

const CSV: &str = "客户名称,客户级别,标签,联系人,手机,邮箱,备注栏\n\
北京星辰科技有限公司,VIP,华北;重点,李雷,13800138000,li@example.com,x\n\
上海华信电子有限公司,普通,,韩梅梅,13900139000,,\n\
,VIP,,,,,\n\
星辰科技（北京）有限公司,重要,,王五,13700137000,,\n\
广州东方物流,火星级,,,,,\n";

#[tokio::test]
async fn csv_import_reports_created_skipped_and_failed_rows() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let d = app
        .import(
            &rep,
            "customers.csv",
            CSV.as_bytes().to_vec(),
            json!({ "dryRun": true }),
        )
        .await;
    let r = &d["data"]["importCustomers"];
    assert_eq!(
        (r["created"].as_u64(), r["committed"].as_bool()),
        (Some(2), Some(false)),
        "{d}"
    );
    assert_eq!(
        app.visible_customers(&rep, json!({})).await.1,
        0,
        "a dry run writes nothing"
    );

    let d = app
        .import(&rep, "customers.csv", CSV.as_bytes().to_vec(), json!({}))
        .await;
    let r = &d["data"]["importCustomers"];
    assert_eq!(r["totalRows"], 5, "{d}");
    assert_eq!(
        (
            r["created"].as_u64(),
            r["skipped"].as_u64(),
            r["failed"].as_u64()
        ),
        (Some(2), Some(1), Some(2))
    );
    assert_eq!(r["ignoredHeaders"], json!(["备注栏"]));
    let issues = r["issues"].as_array().unwrap();
    let by_row = |n: u64| issues.iter().find(|i| i["row"] == n).unwrap().clone();
    assert_eq!(by_row(4)["field"], "name");
    assert_eq!(by_row(5)["code"], "DUPLICATE_IN_FILE");
    assert_eq!(
        (by_row(6)["code"].as_str(), by_row(6)["field"].as_str()),
        (Some("VALIDATION"), Some("importance"))
    );
    let q = "{ customers(filter: {search: \"xckj\"}) { edges { node { importance tags owner { id } primaryContact { name mobile email } } } } }";
    let c = app.ok(&rep, q, json!({})).await;
    let node = &c["customers"]["edges"][0]["node"];
    assert_eq!(node["importance"], "VIP");
    assert_eq!(node["tags"], json!(["华北", "重点"]));
    assert_eq!(node["owner"]["id"], rep.gid.as_str());
    assert_eq!(
        node["primaryContact"],
        json!({ "name": "李雷", "mobile": "13800138000", "email": "li@example.com" })
    );

    // The same file again creates nothing new.
    let d = app
        .import(&rep, "customers.csv", CSV.as_bytes().to_vec(), json!({}))
        .await;
    assert_eq!(d["data"]["importCustomers"]["created"], 0);
    assert_eq!(app.visible_customers(&rep, json!({})).await.1, 2);
}

#[tokio::test]
async fn gbk_and_xlsx_files_import_the_same_rows() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let text = "客户名称,联系人,手机\n杭州青松软件有限公司,赵六,13600136000\n";
    let (gbk, _, bad) = encoding_rs::GBK.encode(text);
    assert!(!bad);
    let d = app.import(&rep, "gbk.csv", gbk.to_vec(), json!({})).await;
    assert_eq!(d["data"]["importCustomers"]["created"], 1, "{d}");

    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "name").unwrap();
    sheet.write_string(0, 1, "mobile").unwrap();
    sheet.write_string(0, 2, "contact").unwrap();
    sheet.write_string(1, 0, "成都长风机械").unwrap();
    sheet.write_number(1, 1, 13500135000.0).unwrap();
    sheet.write_string(1, 2, "钱七").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let d = app.import(&rep, "book.xlsx", bytes, json!({})).await;
    assert_eq!(d["data"]["importCustomers"]["created"], 1, "{d}");
    let c = app.ok(&rep, "{ customers(filter: {search: \"cfjx\"}) { edges { node { primaryContact { mobile } } } } }", json!({})).await;
    assert_eq!(
        c["customers"]["edges"][0]["node"]["primaryContact"]["mobile"],
        "13500135000"
    );
}

#[tokio::test]
async fn merge_mode_fills_gaps_and_fail_mode_writes_nothing() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    app.customer(&rep, "北京星辰科技有限公司").await;
    let csv = "name,phone,contact,mobile\n星辰科技(北京)有限公司,010-88886666,新联系人,13800000001\n全新公司,,,\n";
    let d = app
        .import(
            &rep,
            "m.csv",
            csv.as_bytes().to_vec(),
            json!({ "onDuplicate": "FAIL" }),
        )
        .await;
    let r = &d["data"]["importCustomers"];
    assert_eq!(
        (
            r["committed"].as_bool(),
            r["failed"].as_u64(),
            r["skipped"].as_u64()
        ),
        (Some(false), Some(1), Some(1)),
        "{d}"
    );
    assert_eq!(r["issues"][1]["code"], "NOT_IMPORTED");
    assert_eq!(app.visible_customers(&rep, json!({})).await.1, 1);
    let d = app
        .import(
            &rep,
            "m.csv",
            csv.as_bytes().to_vec(),
            json!({ "onDuplicate": "MERGE" }),
        )
        .await;
    let r = &d["data"]["importCustomers"];
    assert_eq!(
        (r["created"].as_u64(), r["merged"].as_u64()),
        (Some(1), Some(1)),
        "{d}"
    );
    let c = app.ok(&rep, "{ customers(filter: {search: \"星辰\"}) { edges { node { phone contacts { name isPrimary } } } } }", json!({})).await;
    let node = &c["customers"]["edges"][0]["node"];
    assert_eq!(node["phone"], "010-88886666");
    assert_eq!(
        node["contacts"],
        json!([{ "name": "新联系人", "isPrimary": true }])
    );
    // The same merge again brings nothing new: skipped as unchanged, not counted as merged
    // (the other row is now a plain duplicate).
    let d = app
        .import(
            &rep,
            "m.csv",
            csv.as_bytes().to_vec(),
            json!({ "onDuplicate": "MERGE" }),
        )
        .await;
    let r = &d["data"]["importCustomers"];
    assert_eq!(
        (r["merged"].as_u64(), r["skipped"].as_u64()),
        (Some(0), Some(2)),
        "{d}"
    );
    assert_eq!(r["committed"], false);
}

#[tokio::test]
async fn bad_files_get_clear_errors_and_change_nothing() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let mut garbage = vec![0u8; 10 * 1024 * 1024];
    let mut x: u32 = 12345;
    for b in garbage.iter_mut() {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        *b = (x >> 16) as u8;
    }
    for (name, bytes) in [
        ("no-header.csv", "公司,电话\n星辰,1\n".as_bytes().to_vec()),
        ("latin.csv", vec![0xff, 0xfe, 0xfd, 0x80, 0x81, b'\n']),
        ("garbage.bin", garbage),
        ("empty.csv", vec![]),
    ] {
        let d = app.import(&rep, name, bytes, json!({})).await;
        assert_eq!(code(&d), "VALIDATION", "{name}: {d}");
        assert_eq!(ext(&d, "field"), "file", "{name}");
    }
    assert_eq!(app.visible_customers(&rep, json!({})).await.1, 0);
    let finance = app.user(Role::Finance, None).await;
    let d = app
        .import(&finance, "c.csv", CSV.as_bytes().to_vec(), json!({}))
        .await;
    assert_eq!(code(&d), "FORBIDDEN");
}

#[tokio::test]
async fn export_contains_exactly_what_the_actor_sees() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let peer = app.user(Role::Sales, None).await;
    app.customer(&rep, "导出甲").await;
    app.customer(&peer, "导出乙").await;
    let q = "{ exportCustomers { rowCount csv contentType } }";
    let d = app.ok(&rep, q, json!({})).await;
    let csv = d["exportCustomers"]["csv"].as_str().unwrap();
    assert_eq!(d["exportCustomers"]["rowCount"], 1);
    assert!(csv.contains("导出甲") && !csv.contains("导出乙"));
    assert!(csv.starts_with("name,kind,importance"));
    let wh = app.user(Role::Warehouse, None).await;
    let d = app.ok(&wh, q, json!({})).await;
    assert_eq!(d["exportCustomers"]["rowCount"], 2);
    // The columns follow the field policy: no owner, notes, money or tags for warehouse.
    let header = d["exportCustomers"]["csv"]
        .as_str()
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        header,
        "name,kind,province,city,address,phone,contact,mobile,contact phone,email,wechat"
    );
    // Round trip: the export imports back as duplicates only.
    let d = app
        .import(&rep, "back.csv", csv.as_bytes().to_vec(), json!({}))
        .await;
    assert_eq!(
        (
            d["data"]["importCustomers"]["created"].as_u64(),
            d["data"]["importCustomers"]["skipped"].as_u64()
        ),
        (Some(0), Some(1)),
        "{d}"
    );
}

#[tokio::test]
async fn counts_add_up_when_a_row_has_several_problems() {
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let csv = "name,contact,mobile,email\n,,13800000000,\n好公司,张三,,bad-email\n好公司二,,,\n";
    let d = app
        .import(&rep, "x.csv", csv.as_bytes().to_vec(), json!({}))
        .await;
    let r = &d["data"]["importCustomers"];
    let sum = ["created", "merged", "skipped", "failed"]
        .iter()
        .map(|k| r[k].as_u64().unwrap())
        .sum::<u64>();
    assert_eq!(r["totalRows"], 3, "{d}");
    assert_eq!(sum, 3, "{d}");
    assert_eq!(
        (r["created"].as_u64(), r["failed"].as_u64()),
        (Some(1), Some(2)),
        "{d}"
    );
}
