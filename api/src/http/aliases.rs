//! What a document asks for, counted before it runs: aliases (async-graphql limits depth and
//! complexity but not aliases, and aliases are how one small query repeats an expensive
//! field) and password checks (which cost tens of milliseconds of CPU each).

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use std::collections::HashMap;

/// Counts aliases with each fragment counted once and reused for every spread, so nested
/// spreads cost linear time; a cyclic fragment counts as too many.
struct Counter<'a> {
    doc: &'a ExecutableDocument,
    fragments: HashMap<&'a str, Option<usize>>,
}

const TOO_MANY: usize = usize::MAX / 4;

impl<'a> Counter<'a> {
    fn set(&mut self, set: &'a SelectionSet) -> usize {
        let mut total = 0usize;
        for s in &set.items {
            let n = match &s.node {
                Selection::Field(f) => usize::from(f.node.alias.is_some())
                    .saturating_add(self.set(&f.node.selection_set.node)),
                Selection::InlineFragment(i) => self.set(&i.node.selection_set.node),
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str())
                }
            };
            total = total.saturating_add(n);
        }
        total
    }

    fn fragment(&mut self, name: &'a str) -> usize {
        match self.fragments.get(name) {
            Some(Some(n)) => return *n,
            // Being counted right now: the fragment spreads itself.
            Some(None) => return TOO_MANY,
            None => {}
        }
        let Some(def) = self.doc.fragments.get(name) else {
            return 0;
        };
        self.fragments.insert(name, None);
        let n = self.set(&def.node.selection_set.node);
        self.fragments.insert(name, Some(n));
        n
    }
}

/// Aliases the document's operations would resolve.
pub fn in_document(doc: &ExecutableDocument) -> usize {
    let mut counter = Counter {
        doc,
        fragments: HashMap::new(),
    };
    doc.operations
        .iter()
        .map(|(_, op)| counter.set(&op.node.selection_set.node))
        .fold(0, usize::saturating_add)
}

/// Mutation fields that verify a password (`login`, `changePassword`), at the top level of
/// the document's mutations.
pub fn password_checks(doc: &ExecutableDocument) -> usize {
    let ops: Vec<_> = match &doc.operations {
        DocumentOperations::Single(op) => vec![op],
        DocumentOperations::Multiple(map) => map.values().collect(),
    };
    ops.into_iter()
        .filter(|op| op.node.ty == OperationType::Mutation)
        .flat_map(|op| op.node.selection_set.node.items.iter())
        .filter(|s| match &s.node {
            Selection::Field(f) => matches!(f.node.name.node.as_str(), "login" | "changePassword"),
            _ => false,
        })
        .count()
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
        assert_eq!(in_document(&doc), 6);
        let cyclic = parse("query { ...A } fragment A on QueryRoot { x: me { id } ...A }");
        assert!(in_document(&cyclic) > 1000);
    }

    #[test]
    fn nested_spreads_are_counted_without_walking_every_path() {
        let mut q = String::from("query { ...F0 }");
        for i in 0..16 {
            let spreads = format!("...F{} ", i + 1).repeat(20);
            q.push_str(&format!(
                " fragment F{i} on QueryRoot {{ a{i}: me {{ id }} {spreads} }}"
            ));
        }
        q.push_str(" fragment F16 on QueryRoot { z: me { id } }");
        let started = std::time::Instant::now();
        assert!(in_document(&parse(&q)) > 1000);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn password_checks_are_counted() {
        let doc = parse(
            "mutation { a: login(input: {email: \"x\", password: \"y\"}) { accessToken } b: login(input: {email: \"x\", password: \"y\"}) { accessToken } }",
        );
        assert_eq!(password_checks(&doc), 2);
        assert_eq!(password_checks(&parse("{ me { id } }")), 0);
    }
}
