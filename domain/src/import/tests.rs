use proptest::prelude::*;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use super::*;

const CHINESE_CSV: &str = "\
客户名称,客户类型,重要程度,客户阶段,来源,行业,省份,城市,地址,电话,网址,标签,备注,负责人邮箱,信用额度,联系人,职务,手机,邮箱,微信
 上海远航贸易有限公司 ,企业,重要,老客户,展会,制造业,上海,上海,浦东新区张江路1号,021-55556666,www.yuanhang.cn,\"大客户，华东、制造业\",\"多行\n备注\",li@guanxi.test,50000,王伟,采购经理,13800138000,wang@yuanhang.cn,wangwei88
杭州小微科技,个人,,,,,浙江,杭州,,,,,,,,,,,,
";

fn parse_ok(bytes: &[u8], filename: Option<&str>) -> ImportTable {
    match parse_import(bytes, filename, 1000) {
        Ok(table) => table,
        Err(e) => panic!("parse failed: {e}"),
    }
}

fn with_bom(text: &str) -> Vec<u8> {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

fn names(table: &ImportTable) -> Vec<&str> {
    table
        .rows
        .iter()
        .map(|r| r.customer.name.as_str())
        .collect()
}

#[test]
fn reads_chinese_headers_from_utf8_csv_with_bom() {
    let table = parse_ok(&with_bom(CHINESE_CSV), Some("客户.csv"));
    assert_eq!(table.errors, []);
    assert_eq!(table.ignored_headers, Vec::<String>::new());
    assert_eq!(table.rows.len(), 2);

    let first = &table.rows[0];
    assert_eq!(first.row, 2);
    assert_eq!(
        first.customer,
        CustomerFields {
            name: "上海远航贸易有限公司".into(),
            kind: Some("企业".into()),
            importance: Some("重要".into()),
            loyalty_stage: Some("老客户".into()),
            source: Some("展会".into()),
            industry: Some("制造业".into()),
            province: Some("上海".into()),
            city: Some("上海".into()),
            address: Some("浦东新区张江路1号".into()),
            phone: Some("021-55556666".into()),
            website: Some("www.yuanhang.cn".into()),
            tags: vec!["大客户".into(), "华东".into(), "制造业".into()],
            notes: Some("多行\n备注".into()),
            owner_email: Some("li@guanxi.test".into()),
            credit_limit: Some("50000".into()),
        }
    );
    assert_eq!(
        first.contact,
        Some(ContactFields {
            name: "王伟".into(),
            title: Some("采购经理".into()),
            mobile: Some("13800138000".into()),
            phone: None,
            email: Some("wang@yuanhang.cn".into()),
            wechat: Some("wangwei88".into()),
        })
    );

    // The quoted notes cell spans two physical lines, so the next record starts on line 4.
    let second = &table.rows[1];
    assert_eq!(second.row, 4);
    assert_eq!(second.customer.name, "杭州小微科技");
    assert_eq!(second.customer.province.as_deref(), Some("浙江"));
    assert_eq!(second.customer.importance, None);
    assert_eq!(second.customer.tags, Vec::<String>::new());
    assert_eq!(second.contact, None);
}

#[test]
fn gbk_file_gives_the_same_rows_as_utf8() {
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(CHINESE_CSV);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gbk).is_err());
    let from_gbk = parse_ok(&gbk, Some("客户.csv"));
    let from_utf8 = parse_ok(&with_bom(CHINESE_CSV), Some("客户.csv"));
    assert_eq!(from_gbk, from_utf8);
    assert_eq!(from_gbk.rows.len(), 2);
}

#[test]
fn utf16_tab_separated_export_is_read() {
    let text = "客户名称\t电话\t标签\r\n远航\t021-1\tA|B\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let table = parse_ok(&bytes, Some("export.txt"));
    assert_eq!(names(&table), ["远航"]);
    assert_eq!(table.rows[0].customer.phone.as_deref(), Some("021-1"));
    assert_eq!(table.rows[0].customer.tags, ["A", "B"]);
}

#[test]
fn reads_english_headers_case_insensitively() {
    let csv = "\
Customer Name,TYPE, Level ,Loyalty Stage,Source,Industry,Province,City,Address,Telephone,URL,Tags,Remark,Owner Email,Credit Limit,Contact Name,Title,Mobile,Contact Phone,E-mail,WeChat,Fax
Acme Ltd,company,vip,new,web,retail,Guangdong,Shenzhen,1 Main St,0755-1,acme.example,a;b,hello,o@x.test,1000.50,Ann Lee,CEO,139,0755-2,ann@acme.example,annlee,0755-3
";
    let table = parse_ok(csv.as_bytes(), None);
    assert_eq!(table.errors, []);
    assert_eq!(table.ignored_headers, ["Fax"]);
    let row = &table.rows[0];
    assert_eq!(row.row, 2);
    assert_eq!(row.customer.name, "Acme Ltd");
    assert_eq!(row.customer.kind.as_deref(), Some("company"));
    assert_eq!(row.customer.importance.as_deref(), Some("vip"));
    assert_eq!(row.customer.loyalty_stage.as_deref(), Some("new"));
    assert_eq!(row.customer.phone.as_deref(), Some("0755-1"));
    assert_eq!(row.customer.website.as_deref(), Some("acme.example"));
    assert_eq!(row.customer.tags, ["a", "b"]);
    assert_eq!(row.customer.notes.as_deref(), Some("hello"));
    assert_eq!(row.customer.owner_email.as_deref(), Some("o@x.test"));
    assert_eq!(row.customer.credit_limit.as_deref(), Some("1000.50"));
    assert_eq!(
        row.contact,
        Some(ContactFields {
            name: "Ann Lee".into(),
            title: Some("CEO".into()),
            mobile: Some("139".into()),
            phone: Some("0755-2".into()),
            email: Some("ann@acme.example".into()),
            wechat: Some("annlee".into()),
        })
    );
}

fn xlsx_fixture() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let result = (|| -> Result<(), rust_xlsxwriter::XlsxError> {
        sheet.set_name("客户")?;
        // Start on row 3 with a blank column A: a header below a gap is still found and the
        // numbering follows the worksheet.
        for (col, header) in ["客户名称*", "电话", "信用额度", "备注", "序号", "标签"]
            .iter()
            .enumerate()
        {
            sheet.write_string(2, col as u16 + 1, *header)?;
        }
        sheet.write_string(3, 1, "远航贸易")?;
        sheet.write_number(3, 2, 13_800_138_000.0)?;
        sheet.write_number(3, 3, 1234.5)?;
        sheet.write_datetime_with_format(3, 4, ExcelDateTime::from_ymd(2024, 3, 9)?, &date)?;
        sheet.write_number(3, 5, 1)?;
        sheet.write_string(3, 6, "VIP、华东")?;
        // Only the ignored sequence-number column is filled: treated as blank.
        sheet.write_number(4, 5, 2)?;
        sheet.write_string(5, 3, "50000")?;
        sheet.write_string(6, 1, "  小微科技 ")?;
        sheet.write_number(6, 3, 0.1)?;
        Ok(())
    })();
    if let Err(e) = result {
        panic!("building fixture: {e}");
    }
    // A second sheet must be ignored.
    let other = workbook.add_worksheet();
    if let Err(e) = other.write_string(0, 0, "客户名称") {
        panic!("{e}");
    }
    match workbook.save_to_buffer() {
        Ok(bytes) => bytes,
        Err(e) => panic!("saving fixture: {e}"),
    }
}

#[test]
fn reads_first_worksheet_of_xlsx() {
    let bytes = xlsx_fixture();
    assert_eq!(
        detect_format(&bytes, Some("customers.csv")),
        Ok(FileFormat::Xlsx)
    );
    let table = parse_ok(&bytes, Some("customers.xlsx"));
    assert_eq!(table.ignored_headers, ["序号"]);
    assert_eq!(names(&table), ["远航贸易", "小微科技"]);
    let first = &table.rows[0];
    assert_eq!(first.row, 4);
    assert_eq!(first.customer.phone.as_deref(), Some("13800138000"));
    assert_eq!(first.contact, None);
    assert_eq!(first.customer.credit_limit.as_deref(), Some("1234.5"));
    assert_eq!(first.customer.notes.as_deref(), Some("2024-03-09"));
    assert_eq!(first.customer.tags, ["VIP", "华东"]);
    assert_eq!(table.rows[1].row, 7);
    assert_eq!(table.rows[1].customer.credit_limit.as_deref(), Some("0.1"));

    // Row 6 has a credit limit but no customer name.
    let problems: Vec<_> = table.errors.iter().map(|e| (e.row, e.field)).collect();
    assert_eq!(problems, [(6, Some("name"))]);
}

#[test]
fn xlsx_numeric_phone_keeps_all_digits() {
    let mut workbook = Workbook::new();
    let result = (|| -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let sheet = workbook.add_worksheet();
        sheet.write_string(0, 0, "客户名称")?;
        sheet.write_string(0, 1, "电话")?;
        sheet.write_string(0, 2, "联系人")?;
        sheet.write_string(0, 3, "手机")?;
        sheet.write_string(1, 0, "远航")?;
        sheet.write_number(1, 1, 2_155_556_666.0)?;
        sheet.write_string(1, 2, "王伟")?;
        sheet.write_number(1, 3, 13_800_138_000.0)?;
        workbook.save_to_buffer()
    })();
    let bytes = match result {
        Ok(bytes) => bytes,
        Err(e) => panic!("{e}"),
    };
    let table = parse_ok(&bytes, None);
    assert_eq!(table.errors, []);
    let row = &table.rows[0];
    assert_eq!(row.row, 2);
    assert_eq!(row.customer.phone.as_deref(), Some("2155556666"));
    let mobile = row.contact.as_ref().and_then(|c| c.mobile.as_deref());
    assert_eq!(mobile, Some("13800138000"));
}

#[test]
fn truncated_xlsx_is_malformed_not_a_panic() {
    let bytes = xlsx_fixture();
    for len in [4, 30, bytes.len() / 2, bytes.len() - 1] {
        let result = parse_import(&bytes[..len], Some("a.xlsx"), 10);
        assert!(
            matches!(
                result,
                Err(ImportError::Malformed { .. } | ImportError::UnsupportedFormat)
            ),
            "len {len}: {result:?}"
        );
    }
}

#[test]
fn missing_name_header_is_refused() {
    let result = parse_import("电话,城市\n021,上海\n".as_bytes(), Some("a.csv"), 10);
    assert_eq!(result, Err(ImportError::MissingHeader { header: "name" }));
    assert_eq!(
        result.map_err(|e| e.code()),
        Err("MISSING_HEADER"),
        "code is stable"
    );
}

#[test]
fn duplicate_header_is_malformed() {
    let result = parse_import("客户名称,电话,座机\nA,1,2\n".as_bytes(), None, 10);
    match result {
        Err(ImportError::Malformed { message }) => {
            assert!(
                message.contains("电话") && message.contains("座机"),
                "{message}"
            );
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
    let same_field = parse_import(b"name,Customer Name\nA,B\n", None, 10);
    assert!(matches!(same_field, Err(ImportError::Malformed { .. })));
}

#[test]
fn empty_name_row_is_reported_with_its_line() {
    let csv = "客户名称,城市\nA,上海\n,北京\n\"C\",广州\n";
    let table = parse_ok(csv.as_bytes(), None);
    assert_eq!(names(&table), ["A", "C"]);
    assert_eq!(
        table.errors,
        [RowError {
            row: 3,
            code: "VALIDATION",
            field: Some("name"),
            message: "customer name is required".into(),
        }]
    );
    assert_eq!(table.rows[1].row, 4);
}

#[test]
fn blank_rows_are_skipped_silently() {
    let csv = "\n客户名称,城市,未知列\n\nA,上海,\n , ,\n,,\n\n,,x\nB,,\n\n";
    let table = parse_ok(csv.as_bytes(), None);
    assert_eq!(names(&table), ["A", "B"]);
    assert_eq!(table.errors, []);
    assert_eq!(table.ignored_headers, ["未知列"]);
    assert_eq!(table.rows[0].row, 4);
    assert_eq!(table.rows[1].row, 9);
}

#[test]
fn line_numbers_follow_any_line_ending() {
    for ending in ["\n", "\r\n", "\r"] {
        let csv = ["客户名称,城市", "", "A,x", ",y", "\"B\n\",z", "C,w", ""].join(ending);
        let table = parse_ok(csv.as_bytes(), None);
        let rows: Vec<_> = table.rows.iter().map(|r| r.row).collect();
        assert_eq!(rows, [3, 5, 7], "ending {ending:?}");
        assert_eq!(table.errors.iter().map(|e| e.row).collect::<Vec<_>>(), [4]);
    }
}

#[test]
fn tags_are_split_trimmed_and_deduplicated() {
    let csv = "名称,标签\nA,\"VIP , 华东，VIP；制造业;;、 华东 |新\"\nB,   \n";
    let table = parse_ok(csv.as_bytes(), None);
    assert_eq!(table.rows[0].customer.tags, ["VIP", "华东", "制造业", "新"]);
    assert!(table.rows[1].customer.tags.is_empty());
}

#[test]
fn contact_details_need_a_contact_name() {
    let csv = "客户名称,联系人,手机,邮箱\nA,,139,\nB,王伟,,\nC,,,\n";
    let table = parse_ok(csv.as_bytes(), None);
    assert_eq!(names(&table), ["B", "C"]);
    assert_eq!(
        table.rows[0].contact.as_ref().map(|c| c.name.as_str()),
        Some("王伟")
    );
    assert_eq!(table.rows[1].contact, None);
    let problems: Vec<_> = table.errors.iter().map(|e| (e.row, e.field)).collect();
    assert_eq!(problems, [(2, Some("contactName"))]);
}

#[test]
fn control_characters_and_error_values_fail_their_field() {
    let csv = "客户名称,地址,电话,备注\n\"A\u{7}\",x,,ok\nB,\"line1\nline2\",#N/A,\"tab\tok\"\nC,,,\"a\r\nb\"\n";
    let table = parse_ok(csv.as_bytes(), None);
    assert_eq!(names(&table), ["C"]);
    assert_eq!(table.rows[0].customer.notes.as_deref(), Some("a\nb"));
    let problems: Vec<_> = table.errors.iter().map(|e| (e.row, e.field)).collect();
    assert_eq!(problems, [(2, Some("name")), (3, Some("phone"))]);
    assert_eq!(table.errors[0].message, "contains a control character");
}

#[test]
fn too_many_rows_is_refused() {
    let csv = "客户名称\nA\n\nB\nC\n";
    assert_eq!(
        parse_import(csv.as_bytes(), None, 2),
        Err(ImportError::TooManyRows { max: 2 })
    );
    assert_eq!(parse_ok(csv.as_bytes(), None).rows.len(), 3);
    assert_eq!(
        parse_import(csv.as_bytes(), None, 3).map(|t| t.rows.len()),
        Ok(3)
    );
}

#[test]
fn header_only_and_empty_files() {
    assert_eq!(
        parse_ok("客户名称,电话\n".as_bytes(), None),
        ImportTable::default()
    );
    for empty in [&b""[..], b"\xEF\xBB\xBF", b"\r\n \n", b",,,\n,,\n"] {
        assert_eq!(parse_import(empty, None, 10), Err(ImportError::EmptyFile));
    }
}

/// xorshift: deterministic bytes without pulling in a RNG crate.
fn pseudo_random(len: usize, seed: u64, map: impl Fn(u8) -> u8) -> Vec<u8> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            map((state >> 24) as u8)
        })
        .collect()
}

#[test]
fn garbage_is_refused_cleanly() {
    const TEN_MB: usize = 10 * 1024 * 1024;
    let clean_refusal = |r: Result<ImportTable, ImportError>| {
        matches!(
            r,
            Err(ImportError::BadEncoding
                | ImportError::MissingHeader { .. }
                | ImportError::UnsupportedFormat)
        )
    };
    let binary = pseudo_random(TEN_MB, 0x9E37_79B9_7F4A_7C15, |b| b);
    assert!(clean_refusal(parse_import(&binary, None, 100_000)));
    assert!(clean_refusal(parse_import(&binary, Some("x.csv"), 100_000)));

    // No NUL and high bytes only where GB18030 cannot accept them.
    let high = pseudo_random(TEN_MB, 7, |b| if b == 0 { 0xFF } else { b | 0x80 });
    assert_eq!(
        parse_import(&high, None, 100_000),
        Err(ImportError::BadEncoding)
    );

    // Valid text, but nothing resembling our header.
    let text = pseudo_random(TEN_MB, 42, |b| b" abcxyz,;\n\"\t"[usize::from(b) % 12]);
    assert!(clean_refusal(parse_import(&text, None, 100_000)));
}

#[test]
fn many_rows_parse() {
    let mut csv = String::from("客户名称,电话,标签,联系人,手机\n");
    for i in 0..20_000 {
        csv.push_str(&format!("客户{i},021-{i},\"a,b\",张{i},138{i:08}\n"));
    }
    let table = match parse_import(csv.as_bytes(), None, 20_000) {
        Ok(table) => table,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(table.rows.len(), 20_000);
    assert_eq!(table.rows[19_999].row, 20_001);
}

/// Timing check for release builds: `cargo test -p domain --release -- --ignored`.
#[test]
#[ignore]
fn hundred_thousand_rows_are_fast() {
    let mut csv =
        String::from("客户名称,客户类型,重要程度,城市,地址,电话,标签,备注,联系人,职务,手机,邮箱\n");
    for i in 0..100_000 {
        csv.push_str(&format!(
            "客户{i},企业,重要,上海,浦东新区张江路{i}号,021-{i},\"a,b、c\",备注{i},张{i},经理,138{i:08},z{i}@x.test\n"
        ));
    }
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, header) in ["客户名称", "电话", "标签", "联系人", "手机"]
        .iter()
        .enumerate()
    {
        if let Err(e) = sheet.write_string(0, col as u16, *header) {
            panic!("{e}");
        }
    }
    for i in 1..=100_000u32 {
        let written = sheet
            .write_string(i, 0, format!("客户{i}"))
            .and_then(|s| s.write_number(i, 1, f64::from(i) + 2_100_000_000.0))
            .and_then(|s| s.write_string(i, 2, "a,b"))
            .and_then(|s| s.write_string(i, 3, format!("张{i}")))
            .and_then(|s| s.write_number(i, 4, f64::from(i) + 13_800_000_000.0));
        if let Err(e) = written {
            panic!("{e}");
        }
    }
    let xlsx = match workbook.save_to_buffer() {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    };
    for (bytes, label) in [(csv.as_bytes(), "csv"), (xlsx.as_slice(), "xlsx")] {
        let start = std::time::Instant::now();
        let table = match parse_import(bytes, None, 100_000) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        };
        let elapsed = start.elapsed();
        eprintln!("{label}: {} bytes, 100k rows in {elapsed:?}", bytes.len());
        assert_eq!(table.rows.len(), 100_000);
        assert!(elapsed.as_millis() < 1000, "{label} took {elapsed:?}");
    }
}

fn interesting_bytes() -> impl Strategy<Value = Vec<u8>> {
    let prefixes: Vec<&'static [u8]> = vec![
        b"",
        b"PK\x03\x04",
        b"\xEF\xBB\xBF",
        b"\xFF\xFE",
        b"\xFE\xFF",
        "客户名称,联系人,手机,标签\n".as_bytes(),
        b"name\tcontact\tmobile\n",
    ];
    (
        proptest::sample::select(prefixes),
        proptest::collection::vec(any::<u8>(), 0..2048),
    )
        .prop_map(|(prefix, rest)| [prefix, rest.as_slice()].concat())
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in interesting_bytes(), max_rows in 0usize..50) {
        let _ = parse_import(&bytes, None, max_rows);
        let _ = parse_import(&bytes, Some("upload.xlsx"), max_rows);
    }

    #[test]
    fn arbitrary_text_rows_never_panic(
        cells in proptest::collection::vec(
            proptest::collection::vec("[^\u{0}]{0,12}", 0..6), 0..20)
    ) {
        let mut csv = String::from("客户名称,联系人,手机,标签,备注\n");
        for row in &cells {
            csv.push_str(&row.join(","));
            csv.push('\n');
        }
        if let Ok(table) = parse_import(csv.as_bytes(), None, 100) {
            for row in &table.rows {
                prop_assert!(!row.customer.name.is_empty());
                prop_assert!(row.row >= 2);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn corrupted_xlsx_never_panics(
        flips in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = xlsx_fixture();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let _ = parse_import(&bytes, None, 10);
    }
}

#[test]
fn xlsx_that_unpacks_far_beyond_its_size_is_refused_before_it_is_read() {
    // Distinct cells of nearly the same 32,000 characters: a few kilobytes of archive that
    // unpack to megabytes of shared strings.
    let mut workbook = Workbook::new();
    let result = (|| -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let sheet = workbook.add_worksheet();
        sheet.write_string(0, 0, "客户名称")?;
        let filler = "a".repeat(32_000);
        for i in 1..200u32 {
            sheet.write_string(i, 0, format!("{filler}{i}"))?;
        }
        workbook.save_to_buffer()
    })();
    let bytes = match result {
        Ok(bytes) => bytes,
        Err(e) => panic!("{e}"),
    };
    assert!(
        bytes.len() < 200_000,
        "the fixture is {} bytes",
        bytes.len()
    );
    match parse_import(&bytes, Some("bomb.xlsx"), 1000) {
        Err(ImportError::Malformed { message }) => {
            assert!(message.contains("compressed more than"), "{message}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}
