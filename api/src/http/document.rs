//! What a document asks for, counted before the schema validates or runs it: expanded
//! selections (fragments spread twice per level double the work at each level, and
//! async-graphql's validator and executor walk every path), aliases (how one small query
//! repeats an expensive field), password checks and exports (each costs real CPU), and
//! introspection. Each fragment is counted once and reused for every spread, so counting is
//! linear in the document's size whatever it expands to.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use async_graphql_value::{ConstValue, Value};
use std::collections::HashMap;

/// Fields that verify a password.
const PASSWORD_FIELDS: [&str; 2] = ["login", "changePassword"];
/// Fields that read every visible customer into one response.
const EXPORT_FIELDS: [&str; 1] = ["exportCustomers"];
/// Fields that start or renew a session, rate-limited per address more tightly than the rest.
const SIGN_IN_FIELDS: [&str; 2] = ["login", "refreshToken"];
const INTROSPECTION_FIELDS: [&str; 2] = ["__schema", "__type"];

/// What a document would resolve once every fragment is expanded. Counts saturate, so a
/// cyclic or exponential document counts as "too many" rather than overflowing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cost {
    /// Fields resolved, at every level.
    pub selections: u64,
    /// Aliased fields.
    pub aliases: u64,
    /// `login` and `changePassword` at the top of a mutation.
    pub password_checks: u64,
    /// `login` and `refreshToken` at the top of a mutation.
    pub sign_ins: u64,
    /// `exportCustomers` at the top of a query.
    pub exports: u64,
    /// `__schema` or `__type` asked for.
    pub introspection: bool,
}

const TOO_MANY: u64 = u64::MAX / 4;

impl Cost {
    fn add(self, o: Cost) -> Cost {
        Cost {
            selections: self.selections.saturating_add(o.selections),
            aliases: self.aliases.saturating_add(o.aliases),
            password_checks: self.password_checks.saturating_add(o.password_checks),
            sign_ins: self.sign_ins.saturating_add(o.sign_ins),
            exports: self.exports.saturating_add(o.exports),
            introspection: self.introspection || o.introspection,
        }
    }

    fn too_many() -> Cost {
        Cost {
            selections: TOO_MANY,
            aliases: TOO_MANY,
            password_checks: TOO_MANY,
            sign_ins: TOO_MANY,
            exports: TOO_MANY,
            introspection: false,
        }
    }
}

/// A fragment's cost splits into what lies at its own top level (which counts as root
/// fields when it is spread at the root) and the total.
#[derive(Clone, Copy, Default)]
struct Counted {
    total: Cost,
    /// Top-level field names of interest, counted through nested inline fragments and spreads.
    top: TopNames,
}

#[derive(Clone, Copy, Default)]
struct TopNames {
    password: u64,
    sign_in: u64,
    export: u64,
    introspection: bool,
}

impl TopNames {
    fn add(self, o: TopNames) -> TopNames {
        TopNames {
            password: self.password.saturating_add(o.password),
            sign_in: self.sign_in.saturating_add(o.sign_in),
            export: self.export.saturating_add(o.export),
            introspection: self.introspection || o.introspection,
        }
    }
}

struct Counter<'a> {
    doc: &'a ExecutableDocument,
    /// `None` while a fragment is being counted, so a fragment that spreads itself is caught.
    fragments: HashMap<&'a str, Option<Counted>>,
}

impl<'a> Counter<'a> {
    fn set(&mut self, set: &'a SelectionSet) -> Counted {
        let mut out = Counted::default();
        for s in &set.items {
            let c = match &s.node {
                Selection::Field(f) => {
                    let name = f.node.name.node.as_str();
                    let inner = self.set(&f.node.selection_set.node).total;
                    Counted {
                        total: Cost {
                            selections: 1,
                            aliases: u64::from(f.node.alias.is_some()),
                            ..Cost::default()
                        }
                        .add(inner),
                        top: TopNames {
                            password: u64::from(PASSWORD_FIELDS.contains(&name)),
                            sign_in: u64::from(SIGN_IN_FIELDS.contains(&name)),
                            export: u64::from(EXPORT_FIELDS.contains(&name)),
                            introspection: INTROSPECTION_FIELDS.contains(&name),
                        },
                    }
                }
                Selection::InlineFragment(i) => self.set(&i.node.selection_set.node),
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str())
                }
            };
            out = Counted {
                total: out.total.add(c.total),
                top: out.top.add(c.top),
            };
        }
        out
    }

    fn fragment(&mut self, name: &'a str) -> Counted {
        match self.fragments.get(name) {
            Some(Some(c)) => return *c,
            Some(None) => {
                return Counted {
                    total: Cost::too_many(),
                    top: TopNames::default(),
                };
            }
            None => {}
        }
        let Some(def) = self.doc.fragments.get(name) else {
            return Counted::default();
        };
        self.fragments.insert(name, None);
        let c = self.set(&def.node.selection_set.node);
        self.fragments.insert(name, Some(c));
        c
    }
}

/// The cost of every operation in the document (a client runs one, but counting all keeps
/// this independent of `operationName`).
pub fn cost(doc: &ExecutableDocument) -> Cost {
    let mut counter = Counter {
        doc,
        fragments: HashMap::new(),
    };
    let mut total = Cost::default();
    for (_, op) in doc.operations.iter() {
        let c = counter.set(&op.node.selection_set.node);
        let mut cost = c.total;
        match op.node.ty {
            OperationType::Mutation => {
                cost.password_checks = c.top.password;
                cost.sign_ins = c.top.sign_in;
            }
            OperationType::Query => {
                cost.exports = c.top.export;
                cost.introspection = c.top.introspection;
            }
            OperationType::Subscription => {}
        }
        total = total.add(cost);
    }
    total
}

/// Every argument written in the document's operations and fragments, by name.
fn literal_arguments(doc: &ExecutableDocument) -> Vec<(&str, &Value)> {
    fn set<'a>(s: &'a SelectionSet, out: &mut Vec<(&'a str, &'a Value)>) {
        for item in &s.items {
            match &item.node {
                Selection::Field(f) => {
                    out.extend(
                        f.node
                            .arguments
                            .iter()
                            .map(|(n, v)| (n.node.as_str(), &v.node)),
                    );
                    set(&f.node.selection_set.node, out);
                }
                Selection::InlineFragment(i) => set(&i.node.selection_set.node, out),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    let mut out = Vec::new();
    for (_, op) in doc.operations.iter() {
        set(&op.node.selection_set.node, &mut out);
    }
    for f in doc.fragments.values() {
        set(&f.node.selection_set.node, &mut out);
    }
    out
}

/// The longest list written in the document's arguments (variables are counted apart).
pub fn longest_literal_list(doc: &ExecutableDocument) -> usize {
    fn value(v: &Value) -> usize {
        match v {
            Value::List(items) => items.iter().map(value).fold(items.len(), usize::max),
            Value::Object(fields) => fields.values().map(value).fold(0, usize::max),
            _ => 0,
        }
    }
    literal_arguments(doc)
        .into_iter()
        .map(|(_, v)| value(v))
        .fold(0, usize::max)
}

/// The longest list in a set of variable values.
pub fn longest_variable_list<'a>(values: impl Iterator<Item = &'a ConstValue>) -> usize {
    fn value(v: &ConstValue) -> usize {
        match v {
            ConstValue::List(items) => items.iter().map(value).fold(items.len(), usize::max),
            ConstValue::Object(fields) => fields.values().map(value).fold(0, usize::max),
            _ => 0,
        }
    }
    values.map(value).fold(0, usize::max)
}

/// The input field (or argument or variable) holding a string with U+0000, if any.
/// PostgreSQL cannot store it in text, SQLite would: refusing it up front keeps the two
/// databases alike and no such string reaches a statement.
pub fn nul_field<'a>(
    doc: &'a ExecutableDocument,
    vars: impl Iterator<Item = (&'a str, &'a ConstValue)>,
) -> Option<String> {
    fn literal(name: &str, v: &Value) -> Option<String> {
        match v {
            Value::String(s) => s.contains('\0').then(|| name.to_owned()),
            Value::List(items) => items.iter().find_map(|v| literal(name, v)),
            Value::Object(fields) => fields.iter().find_map(|(k, v)| literal(k, v)),
            _ => None,
        }
    }
    fn variable(name: &str, v: &ConstValue) -> Option<String> {
        match v {
            ConstValue::String(s) => s.contains('\0').then(|| name.to_owned()),
            ConstValue::List(items) => items.iter().find_map(|v| variable(name, v)),
            ConstValue::Object(fields) => fields.iter().find_map(|(k, v)| variable(k, v)),
            _ => None,
        }
    }
    literal_arguments(doc)
        .into_iter()
        .find_map(|(n, v)| literal(n, v))
        .or_else(|| { vars }.find_map(|(n, v)| variable(n, v)))
}

/// A required variable (non-null, no default) the request does not give: a request error
/// under the spec, which the executor would report as a field error with a path instead.
pub fn missing_variable(request: &async_graphql::Request) -> Option<async_graphql::ServerError> {
    let doc = async_graphql::parser::parse_query(&request.query).ok()?;
    let op = match (&doc.operations, request.operation_name.as_deref()) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(n)) => ops.get(n)?,
        _ => return None,
    };
    op.node.variable_definitions.iter().find_map(|v| {
        let d = &v.node;
        let required = !d.var_type.node.nullable && d.default_value.is_none();
        let given = request
            .variables
            .get(d.name.node.as_str())
            .is_some_and(|v| *v != ConstValue::Null);
        (required && !given).then(|| {
            async_graphql::ServerError::new(
                format!(
                    "variable ${} of type {} is required",
                    d.name.node, d.var_type.node
                ),
                Some(v.pos),
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(q).unwrap()
    }

    #[test]
    fn counts_aliases_everywhere_and_per_spread() {
        let doc = parse(
            "query { a: me { id } b: me { x: id } ... on QueryRoot { c: me { id } } ...F ...F } fragment F on QueryRoot { d: me { id } }",
        );
        let c = cost(&doc);
        assert_eq!(c.aliases, 6);
        assert_eq!(c.selections, 10);
        let cyclic = parse("query { ...A } fragment A on QueryRoot { x: me { id } ...A }");
        assert!(cost(&cyclic).aliases > 1000);
        assert!(cost(&cyclic).selections > 1000);
    }

    #[test]
    fn doubling_fragments_are_counted_in_linear_time() {
        let mut q = String::from("query { ...F0 }");
        for i in 0..24 {
            q.push_str(&format!(
                " fragment F{i} on QueryRoot {{ ...F{n} ...F{n} }}",
                n = i + 1
            ));
        }
        q.push_str(" fragment F24 on QueryRoot { __typename }");
        let started = std::time::Instant::now();
        assert_eq!(cost(&parse(&q)).selections, 1 << 24);
        assert!(started.elapsed() < std::time::Duration::from_millis(200));
    }

    #[test]
    fn password_checks_are_counted_through_fragments() {
        let login = "login(input: {email: \"x\", password: \"y\"}) { accessToken }";
        let doc = parse(&format!("mutation {{ a: {login} b: {login} }}"));
        assert_eq!(cost(&doc).password_checks, 2);
        let doc = parse(&format!(
            "mutation {{ ... on MutationRoot {{ a: {login} b: {login} }} ...L ...L }} fragment L on MutationRoot {{ c: {login} }}"
        ));
        assert_eq!(cost(&doc).password_checks, 4);
        assert_eq!(cost(&parse("{ me { id } }")).password_checks, 0);
        let doc = parse(&format!(
            "mutation {{ {login} refreshToken(input: {{refreshToken: \"r\"}}) {{ accessToken }} ...R }} fragment R on MutationRoot {{ r: refreshToken(input: {{refreshToken: \"r\"}}) {{ accessToken }} }}"
        ));
        assert_eq!((cost(&doc).sign_ins, cost(&doc).password_checks), (3, 1));
    }

    #[test]
    fn exports_and_introspection_are_seen_through_fragments() {
        let doc = parse(
            "{ ...E ...E } fragment E on QueryRoot { exportCustomers { rowCount } ... on QueryRoot { __schema { types { name } } } }",
        );
        let c = cost(&doc);
        assert_eq!(c.exports, 2);
        assert!(c.introspection);
        assert!(!cost(&parse("{ me { id } }")).introspection);
    }

    #[test]
    fn longest_lists_are_found() {
        let doc = parse(
            "{ customers(filter: {tagsAny: [\"a\", \"b\", \"c\"], cities: [\"x\"]}) { totalCount } }",
        );
        assert_eq!(longest_literal_list(&doc), 3);
        let v = ConstValue::from_json(serde_json::json!({"f": {"tagsAny": [1, 2, [3, 4, 5, 6]]}}))
            .unwrap();
        assert_eq!(longest_variable_list(std::iter::once(&v)), 4);
    }

    #[test]
    fn nul_characters_are_found_in_literals_and_variables() {
        let clean =
            parse("mutation { login(input: {email: \"a@b.c\", password: \"x\"}) { user { id } } }");
        let none = ConstValue::from_json(serde_json::json!({"a": ["x", {"b": "y"}]})).unwrap();
        assert_eq!(nul_field(&clean, std::iter::once(("i", &none))), None);
        let literal = parse(
            "mutation { login(input: {email: \"a\\u0000b\", password: \"x\"}) { user { id } } }",
        );
        assert_eq!(
            nul_field(&literal, std::iter::empty()).as_deref(),
            Some("email")
        );
        let nested =
            ConstValue::from_json(serde_json::json!({"a": ["x", {"b": "y\u{0}"}]})).unwrap();
        assert_eq!(
            nul_field(&clean, std::iter::once(("i", &nested))).as_deref(),
            Some("b")
        );
        let top = ConstValue::from_json(serde_json::json!("q\u{0}")).unwrap();
        assert_eq!(
            nul_field(&clean, std::iter::once(("q", &top))).as_deref(),
            Some("q")
        );
    }
}
