//! Error propagation in `data` as the GraphQL spec has it: a field whose resolver failed is
//! `null`, and a non-null one passes the null up to its nearest nullable ancestor (all of
//! `data` if there is none). The executor leaves a failed nullable field out and keeps the
//! parent of a failed non-null one; strict clients (Apollo Kotlin and iOS, Relay) reject
//! that. We repair it from each error's path, the document and the schema's types.

use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
    ServiceDocument, Type, TypeKind, TypeSystemDefinition,
};
use async_graphql::{PathSegment, ServerError};
use serde_json::Value;
use std::collections::HashMap;

/// Every output field's type, by type name and field name.
pub struct Shapes {
    fields: HashMap<String, HashMap<String, Type>>,
    query: String,
    mutation: String,
}

impl Shapes {
    pub fn from_sdl(sdl: &str) -> Shapes {
        let mut fields = HashMap::new();
        if let Ok(ServiceDocument { definitions }) = async_graphql::parser::parse_schema(sdl) {
            for d in definitions {
                let TypeSystemDefinition::Type(t) = d else {
                    continue;
                };
                let list = match &t.node.kind {
                    TypeKind::Object(o) => &o.fields,
                    TypeKind::Interface(i) => &i.fields,
                    _ => continue,
                };
                let by_name = list
                    .iter()
                    .map(|f| (f.node.name.node.to_string(), f.node.ty.node.clone()))
                    .collect();
                fields.insert(t.node.name.node.to_string(), by_name);
            }
        }
        Shapes {
            fields,
            query: "QueryRoot".into(),
            mutation: "MutationRoot".into(),
        }
    }

    /// Repairs `data` for `errors`. Errors without a path (the request never ran) change
    /// nothing.
    pub fn propagate(
        &self,
        doc: &ExecutableDocument,
        operation_name: Option<&str>,
        data: &mut Value,
        errors: &[ServerError],
    ) {
        let Some((ty, root)) = operation(doc, operation_name) else {
            return;
        };
        let root_type = match ty {
            OperationType::Mutation => &self.mutation,
            _ => &self.query,
        };
        for e in errors.iter().filter(|e| !e.path.is_empty()) {
            let Some(nullable) = self.nullability(doc, root_type, root, &e.path) else {
                continue;
            };
            // The deepest nullable place on the path takes the null; none means all of data.
            match nullable.iter().rposition(|n| *n) {
                Some(i) => set_null(data, &e.path[..=i]),
                None => *data = Value::Null,
            }
        }
    }

    /// For each prefix of `path`, whether the value there may be null. `None` when the path
    /// cannot be followed through the document (then it is left alone).
    fn nullability(
        &self,
        doc: &ExecutableDocument,
        root_type: &str,
        root: &SelectionSet,
        path: &[PathSegment],
    ) -> Option<Vec<bool>> {
        let mut out = Vec::with_capacity(path.len());
        let mut parent = root_type.to_string();
        let mut set = root;
        let mut current: Option<&Type> = None;
        for seg in path {
            match seg {
                PathSegment::Field(key) => {
                    let (field, ty_cond) = find(doc, set, key, None, 0)?;
                    let owner = ty_cond.unwrap_or(parent.as_str());
                    let ty = self.fields.get(owner)?.get(field.0)?;
                    out.push(ty.nullable);
                    current = Some(ty);
                    parent = named(ty).to_string();
                    set = field.1;
                }
                PathSegment::Index(_) => {
                    let BaseType::List(item) = &current?.base else {
                        return None;
                    };
                    out.push(item.nullable);
                    current = Some(item);
                }
            }
        }
        Some(out)
    }
}

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(n) => n.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

fn operation<'a>(
    doc: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<(OperationType, &'a SelectionSet)> {
    let op = match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(n)) => ops.get(n)?,
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next()?,
        _ => return None,
    };
    Some((op.node.ty, &op.node.selection_set.node))
}

/// The field selected under response key `key` in `set`, through fragments, with the type
/// condition of the fragment it was found in (so an inline `... on Customer` under `node`
/// is looked up on `Customer`).
#[allow(clippy::type_complexity)]
fn find<'a>(
    doc: &'a ExecutableDocument,
    set: &'a SelectionSet,
    key: &str,
    cond: Option<&'a str>,
    depth: usize,
) -> Option<((&'a str, &'a SelectionSet), Option<&'a str>)> {
    // Fragment cycles are refused by validation; the bound only keeps this total.
    if depth > 64 {
        return None;
    }
    for item in &set.items {
        let found = match &item.node {
            Selection::Field(f) if f.node.response_key().node.as_str() == key => Some((
                (f.node.name.node.as_str(), &f.node.selection_set.node),
                cond,
            )),
            Selection::Field(_) => None,
            Selection::InlineFragment(i) => {
                let c = i
                    .node
                    .type_condition
                    .as_ref()
                    .map(|t| t.node.on.node.as_str())
                    .or(cond);
                find(doc, &i.node.selection_set.node, key, c, depth + 1)
            }
            Selection::FragmentSpread(s) => {
                doc.fragments.get(&s.node.fragment_name.node).and_then(|f| {
                    let c = Some(f.node.type_condition.node.on.node.as_str());
                    find(doc, &f.node.selection_set.node, key, c, depth + 1)
                })
            }
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// Sets the value at `path` to null. A missing parent means an ancestor is null already.
fn set_null(data: &mut Value, path: &[PathSegment]) {
    let Some((last, init)) = path.split_last() else {
        *data = Value::Null;
        return;
    };
    let mut at = data;
    for seg in init {
        let next = match (seg, at) {
            (PathSegment::Field(k), Value::Object(m)) => m.get_mut(k.as_str()),
            (PathSegment::Index(i), Value::Array(a)) => a.get_mut(*i),
            _ => None,
        };
        match next {
            Some(v) => at = v,
            None => return,
        }
    }
    match (last, at) {
        (PathSegment::Field(k), Value::Object(m)) => {
            m.insert(k.clone(), Value::Null);
        }
        (PathSegment::Index(i), Value::Array(a)) => {
            if let Some(v) = a.get_mut(*i) {
                *v = Value::Null;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SDL: &str = "
        type QueryRoot { me: User! customer(id: ID!): Customer customers: [Customer!]! node: Node }
        interface Node { id: ID! }
        type User implements Node { id: ID! name: String! manager: User }
        type Customer implements Node { id: ID! name: String! owner: User tags: [String]! }
    ";

    fn run(query: &str, data: Value, paths: &[&[PathSegment]]) -> Value {
        let shapes = Shapes::from_sdl(SDL);
        let doc = async_graphql::parser::parse_query(query).unwrap();
        let errors: Vec<ServerError> = paths
            .iter()
            .map(|p| {
                let mut e = ServerError::new("x", None);
                e.path = p.to_vec();
                e
            })
            .collect();
        let mut data = data;
        shapes.propagate(&doc, None, &mut data, &errors);
        data
    }

    fn f(k: &str) -> PathSegment {
        PathSegment::Field(k.into())
    }

    #[test]
    fn a_failed_nullable_field_becomes_null() {
        let d = run(
            "{ me { id } c: customer(id: 1) { id } }",
            json!({ "me": { "id": "1" } }),
            &[&[f("c")]],
        );
        assert_eq!(d, json!({ "me": { "id": "1" }, "c": null }));
    }

    #[test]
    fn a_failed_non_null_field_nulls_up_to_the_nearest_nullable_place() {
        let d = run(
            "{ __typename me { id } }",
            json!({ "__typename": "QueryRoot" }),
            &[&[f("me")]],
        );
        assert_eq!(d, Value::Null);
        // customers: [Customer!]! — a failed name nulls the item, which is non-null, so the
        // list, which is non-null, so all of data.
        let d = run(
            "{ customers { name } c: customer(id: 1) { id } }",
            json!({ "customers": [{ "name": "a" }, {}], "c": { "id": "1" } }),
            &[&[f("customers"), PathSegment::Index(1), f("name")]],
        );
        assert_eq!(d, Value::Null);
        // Under a nullable field the null stops there.
        let d = run(
            "{ c: customer(id: 1) { ...F } }  fragment F on Customer { owner { n: name } }",
            json!({ "c": { "owner": {} } }),
            &[&[f("c"), f("owner"), f("n")]],
        );
        assert_eq!(d, json!({ "c": { "owner": null } }));
    }

    #[test]
    fn inline_fragments_look_fields_up_on_their_type() {
        let d = run(
            "{ node { ... on Customer { owner { id } } } }",
            json!({ "node": {} }),
            &[&[f("node"), f("owner")]],
        );
        assert_eq!(d, json!({ "node": { "owner": null } }));
        // A nullable item in a non-null list takes the null itself.
        let d = run(
            "{ c: customer(id: 1) { tags } }",
            json!({ "c": { "tags": ["a", "b"] } }),
            &[&[f("c"), f("tags"), PathSegment::Index(1)]],
        );
        assert_eq!(d, json!({ "c": { "tags": ["a", null] } }));
    }
}
