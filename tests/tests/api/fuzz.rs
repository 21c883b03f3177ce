//! Generated requests against the running server: documents built from the real schema
//! (valid, invalid, deep, wide, aliased, with fragment cycles and fan-outs, truncated),
//! variables of right and wrong types, huge lists, unicode and injection strings. Every
//! answer must be a proper GraphQL response within 2 s, never a 5xx, never with SQL, a
//! stack trace or a file path in it, and never with another salesperson's data.
//!
//! `GUANXI_FUZZ_CASES` sets how many requests (default 2,000); `GUANXI_FUZZ_SEED` replays a
//! run (the seed is printed on failure; the suite uses a fixed one). `scripts/fuzz` runs a long one.

use crate::helpers::*;
use async_graphql_parser::types::{
    BaseType, ServiceDocument, Type, TypeKind, TypeSystemDefinition,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const SCHEMA: &str = include_str!("../../../schema.graphql");
/// Fields that would end the fuzzing user's own session or password.
const SKIP: [&str; 4] = [
    "logout",
    "signOutEverywhere",
    "changePassword",
    "endUserSessions",
];
const CODES: [&str; 8] = [
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "VALIDATION",
    "CONFLICT",
    "BUSINESS_RULE",
    "RATE_LIMITED",
    "INTERNAL",
];
const MARKER: &str = "机密标记ZQX";

struct Field {
    name: String,
    args: Vec<(String, Type)>,
    ty: Type,
}

#[derive(Default)]
struct Schema {
    objects: HashMap<String, Vec<Field>>,
    inputs: HashMap<String, Vec<(String, Type)>>,
    enums: HashMap<String, Vec<String>>,
    implementors: HashMap<String, Vec<String>>,
}

impl Schema {
    fn parse() -> Schema {
        let ServiceDocument { definitions } =
            async_graphql_parser::parse_schema(SCHEMA).expect("schema.graphql parses");
        let mut s = Schema::default();
        for d in definitions {
            let TypeSystemDefinition::Type(t) = d else {
                continue;
            };
            let name = t.node.name.node.to_string();
            match &t.node.kind {
                TypeKind::Object(o) => {
                    for i in &o.implements {
                        s.implementors
                            .entry(i.node.to_string())
                            .or_default()
                            .push(name.clone());
                    }
                    s.objects.insert(name, fields(&o.fields));
                }
                TypeKind::Interface(i) => {
                    s.objects.insert(name, fields(&i.fields));
                }
                TypeKind::InputObject(i) => {
                    let f = i
                        .fields
                        .iter()
                        .map(|f| (f.node.name.node.to_string(), f.node.ty.node.clone()))
                        .collect();
                    s.inputs.insert(name, f);
                }
                TypeKind::Enum(e) => {
                    let v = e
                        .values
                        .iter()
                        .map(|v| v.node.value.node.to_string())
                        .collect();
                    s.enums.insert(name, v);
                }
                _ => {}
            }
        }
        s
    }
}

fn fields(
    list: &[async_graphql_parser::Positioned<async_graphql_parser::types::FieldDefinition>],
) -> Vec<Field> {
    list.iter()
        .map(|f| Field {
            name: f.node.name.node.to_string(),
            args: f
                .node
                .arguments
                .iter()
                .map(|a| (a.node.name.node.to_string(), a.node.ty.node.clone()))
                .collect(),
            ty: f.node.ty.node.clone(),
        })
        .filter(|f| !SKIP.contains(&f.name.as_str()))
        .collect()
}

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(n) => n.as_str(),
        BaseType::List(t) => named(t),
    }
}

struct Gen<'a> {
    rng: StdRng,
    schema: &'a Schema,
    ids: Vec<String>,
    variables: serde_json::Map<String, Value>,
    declarations: Vec<String>,
}

impl Gen<'_> {
    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn pick<'b, T>(&mut self, items: &'b [T]) -> &'b T {
        &items[self.rng.random_range(0..items.len())]
    }

    fn string(&mut self) -> String {
        let pool = [
            "",
            "星辰科技",
            "' OR 1=1 --",
            "%_\\",
            "\u{202e}reversed",
            "😀🚀",
            "=HYPERLINK(\"x\")",
            "a\u{0}b",
            "Robert'); DROP TABLE customers;--",
            "VVNlcjox",
            "null",
        ];
        match self.rng.random_range(0..10) {
            0 => "x".repeat(self.rng.random_range(0..5000)),
            1 => (0..self.rng.random_range(1..40))
                .map(|_| char::from_u32(self.rng.random_range(0x20..0x2FFFF)).unwrap_or('?'))
                .collect(),
            2 | 3 if !self.ids.is_empty() => self.pick(&self.ids.clone()).clone(),
            _ => self.pick(&pool).to_string(),
        }
    }

    /// A JSON value for `ty`, usually of the right shape.
    fn json(&mut self, ty: &Type, depth: usize) -> Value {
        if ty.nullable && self.chance(0.1) {
            return Value::Null;
        }
        if self.chance(0.05) || depth > 6 {
            return self.wrong();
        }
        match &ty.base {
            BaseType::List(item) => {
                let n = if self.chance(0.02) {
                    self.rng.random_range(1000..20_000)
                } else {
                    self.rng.random_range(0..4)
                };
                Value::Array((0..n).map(|_| self.json(item, depth + 1)).collect())
            }
            BaseType::Named(n) => self.json_named(n.as_str(), depth),
        }
    }

    fn json_named(&mut self, name: &str, depth: usize) -> Value {
        match name {
            "Int" => json!(if self.chance(0.1) {
                i64::MAX
            } else {
                self.rng.random_range(-5..200)
            }),
            "Float" => json!(self.rng.random_range(-1e9..1e9)),
            "Boolean" => json!(self.chance(0.5)),
            "Decimal" => json!(
                self.pick(&[
                    "0",
                    "1234.50",
                    "-1",
                    "1e400",
                    "0.00001",
                    "abc",
                    "99999999999999999999"
                ])
                .to_string()
            ),
            "DateTime" => json!(
                self.pick(&["2026-12-07T10:00:00Z", "not a date", "9999-99-99T99:99:99Z"])
                    .to_string()
            ),
            "Date" => json!(self.pick(&["2026-12-07", "2026-02-30", "x"]).to_string()),
            "String" | "ID" => json!(self.string()),
            n if self.schema.enums.contains_key(n) => {
                let values = self.schema.enums[n].clone();
                json!(self.pick(&values))
            }
            n if self.schema.inputs.contains_key(n) => {
                let fields = &self.schema.inputs[n];
                let mut m = serde_json::Map::new();
                for (f, t) in fields {
                    if !t.nullable || self.chance(0.4) {
                        let v = self.json(t, depth + 1);
                        m.insert(f.clone(), v);
                    }
                }
                if self.chance(0.05) {
                    m.insert("unknownField".into(), json!(1));
                }
                Value::Object(m)
            }
            _ => self.wrong(),
        }
    }

    fn wrong(&mut self) -> Value {
        match self.rng.random_range(0..6) {
            0 => json!({ "a": [1, {"b": null}] }),
            1 => json!(-0.5),
            2 => json!("🙃"),
            3 => {
                let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
                serde_json::from_str(&deep).unwrap()
            }
            4 => json!(true),
            _ => Value::Null,
        }
    }

    /// GraphQL literal text of a JSON value.
    fn literal(v: &Value) -> String {
        match v {
            Value::Object(m) => format!(
                "{{{}}}",
                m.iter()
                    .map(|(k, v)| format!("{k}: {}", Self::literal(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Value::Array(a) => format!(
                "[{}]",
                a.iter().map(Self::literal).collect::<Vec<_>>().join(", ")
            ),
            other => other.to_string(),
        }
    }

    fn argument(&mut self, name: &str, ty: &Type) -> String {
        let value = self.json(ty, 0);
        if self.chance(0.5) {
            let var = format!("v{}", self.declarations.len());
            let declared = if self.chance(0.9) {
                ty.to_string()
            } else {
                "String".into()
            };
            self.declarations.push(format!("${var}: {declared}"));
            if !self.chance(0.05) {
                self.variables.insert(var.clone(), value);
            }
            format!("{name}: ${var}")
        } else {
            // Enum values are bare names in literals.
            let text = match (&value, self.schema.enums.contains_key(named(ty))) {
                (Value::String(s), true) => s.clone(),
                _ => Self::literal(&value),
            };
            format!("{name}: {text}")
        }
    }

    fn selection(&mut self, ty: &str, depth: usize) -> String {
        let Some(fields) = self.schema.objects.get(ty) else {
            return "__typename".into();
        };
        if fields.is_empty() || depth > 14 {
            return "__typename".into();
        }
        let n = self.rng.random_range(1..=4);
        let mut out = Vec::new();
        for i in 0..n {
            let f = self.pick(fields);
            let mut s = String::new();
            if self.chance(0.2) {
                s.push_str(&format!("a{depth}_{i}: "));
            }
            s.push_str(&f.name);
            let mut args = Vec::new();
            for (a, t) in &f.args {
                if !t.nullable || self.chance(0.4) {
                    args.push(self.argument(a, t));
                }
            }
            if !args.is_empty() {
                s.push_str(&format!("({})", args.join(", ")));
            }
            let inner = named(&f.ty).to_string();
            if self.schema.objects.contains_key(&inner) || self.chance(0.03) {
                s.push_str(&format!(" {{ {} }}", self.selection(&inner, depth + 1)));
            }
            out.push(s);
        }
        if let Some(types) = self.schema.implementors.get(ty).cloned()
            && self.chance(0.5)
        {
            let t = self.pick(&types).clone();
            out.push(format!(
                "... on {t} {{ {} }}",
                self.selection(&t, depth + 1)
            ));
        }
        if self.chance(0.1) {
            out.push("__typename".into());
        }
        out.join(" ")
    }

    fn document(&mut self) -> String {
        self.variables.clear();
        self.declarations.clear();
        match self.rng.random_range(0..100) {
            // A fan-out of fragments, each spreading the previous twice.
            0..=2 => {
                let depth = self.rng.random_range(5..40);
                let mut q =
                    format!("query {{ ...F{depth} }}\nfragment F0 on QueryRoot {{ __typename }}\n");
                for i in 1..=depth {
                    q.push_str(&format!(
                        "fragment F{i} on QueryRoot {{ ...F{p} ...F{p} }}\n",
                        p = i - 1
                    ));
                }
                q
            }
            // A fragment cycle.
            3..=4 => {
                "query { ...A } fragment A on QueryRoot { ...B } fragment B on QueryRoot { ...A }"
                    .into()
            }
            5..=9 => {
                // A valid-looking document, mangled.
                let mut q = self.document();
                let cut = self.rng.random_range(0..=q.len());
                let cut = (0..=cut)
                    .rev()
                    .find(|i| q.is_char_boundary(*i))
                    .unwrap_or(0);
                q.truncate(cut);
                if self.chance(0.5) {
                    q.push_str(&"{".repeat(self.rng.random_range(1..300)));
                }
                q
            }
            n => {
                let (op, root) = if n < 80 {
                    ("query", "QueryRoot")
                } else {
                    ("mutation", "MutationRoot")
                };
                let body = self.selection(root, 0);
                let decl = if self.declarations.is_empty() {
                    String::new()
                } else {
                    format!("({})", self.declarations.join(", "))
                };
                format!("{op} Op{decl} {{ {body} }}")
            }
        }
    }
}

fn check(r: &Value, status: u16, query: &str) -> Result<(), String> {
    if status >= 500 {
        return Err(format!("status {status}"));
    }
    let body = r.to_string();
    let lower = body.to_lowercase();
    for bad in [
        "select ",
        "sqlite",
        "postgres",
        "panicked",
        "stack backtrace",
        ".rs:",
        "/src/",
        MARKER,
    ] {
        if lower.contains(&bad.to_lowercase())
            && !query.to_lowercase().contains(&bad.to_lowercase())
        {
            return Err(format!("the answer contains {bad:?}"));
        }
    }
    let answers: Vec<&Value> = match r {
        Value::Array(a) => a.iter().collect(),
        one => vec![one],
    };
    for a in answers {
        let Some(obj) = a.as_object() else {
            return Err("not a JSON object".into());
        };
        if !obj.contains_key("data") && !obj.contains_key("errors") {
            return Err("neither data nor errors".into());
        }
        for e in obj
            .get("errors")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let code = e["extensions"]["code"].as_str().unwrap_or("");
            if !CODES.contains(&code) || !e["message"].is_string() {
                return Err(format!("an error without a documented code: {e}"));
            }
            if code == "INTERNAL" {
                return Err(format!("an internal error: {e}"));
            }
        }
    }
    Ok(())
}

/// The suite replays one fixed run so that a red build always points at a change;
/// `scripts/fuzz` explores new seeds.
const DEFAULT_SEED: u64 = 20_261_207;

#[tokio::test]
async fn generated_requests_never_break_the_server_or_leak() {
    let cases: usize = std::env::var("GUANXI_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let seed: u64 = std::env::var("GUANXI_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    let app = spawn_app().await;
    let rep = app.user(Role::Sales, None).await;
    let other = app.user(Role::Sales, None).await;
    let mine = app.customer(&rep, "模糊测试客户").await;
    let theirs = app
        .ok(
            &other,
            CREATE_CUSTOMER,
            json!({ "i": { "customer": { "name": format!("{MARKER}客户"), "notes": MARKER }, "primaryContact": { "name": format!("{MARKER}联系人") } } }),
        )
        .await["createCustomer"]["customer"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let schema = Schema::parse();
    let mut g = Gen {
        rng: StdRng::seed_from_u64(seed),
        schema: &schema,
        ids: vec![mine, theirs.clone(), rep.gid.clone(), other.gid.clone()],
        variables: Default::default(),
        declarations: Vec::new(),
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let mut slowest = Duration::ZERO;
    let mut statuses: HashMap<u16, usize> = HashMap::new();
    for i in 0..cases {
        let query = g.document();
        let variables = Value::Object(g.variables.clone());
        let body = if g.chance(0.03) {
            json!([{ "query": query, "variables": variables }, { "query": "{ __typename }" }])
        } else {
            json!({ "query": query, "variables": variables })
        };
        let mut req = client.post(format!("{}/graphql", app.address)).json(&body);
        if g.chance(0.9) {
            req = req.bearer_auth(&rep.token);
        }
        let started = Instant::now();
        let r = req.send().await.unwrap_or_else(|e| {
            panic!("case {i} (seed {seed}): no answer within 2 s: {e}\n{query}")
        });
        slowest = slowest.max(started.elapsed());
        let status = r.status().as_u16();
        *statuses.entry(status).or_default() += 1;
        let text = r.text().await.unwrap();
        let parsed: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("case {i} (seed {seed}): not JSON: {text}\n{query}"));
        if let Err(why) = check(&parsed, status, &query) {
            panic!("case {i} (seed {seed}): {why}\n{query}\n{variables}\n{text}");
        }
    }
    println!("fuzz: {cases} cases, seed {seed}, slowest {slowest:?}, statuses {statuses:?}");
    // Still serving, and the other user's customer is untouched.
    let d = app
        .ok(
            &other,
            "query($id: ID!) { customer(id: $id) { name notes version owner { id } } }",
            json!({ "id": theirs }),
        )
        .await;
    assert_eq!(
        d["customer"],
        json!({ "name": format!("{MARKER}客户"), "notes": MARKER, "version": 1, "owner": { "id": other.gid } })
    );
}
