//! Counting aliases: async-graphql limits depth and complexity but not aliases, and aliases
//! are how one small query asks for the same expensive field hundreds of times.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// Fragment spreads nest at most this deep; deeper (or cyclic) documents count as too many.
const MAX_SPREAD_DEPTH: usize = 16;

fn count(doc: &ExecutableDocument, set: &SelectionSet, depth: usize) -> usize {
    if depth > MAX_SPREAD_DEPTH {
        return usize::MAX / 2;
    }
    set.items
        .iter()
        .map(|s| match &s.node {
            Selection::Field(f) => usize::from(f.node.alias.is_some()).saturating_add(count(
                doc,
                &f.node.selection_set.node,
                depth,
            )),
            Selection::InlineFragment(i) => count(doc, &i.node.selection_set.node, depth),
            // A fragment's aliases count every time it is spread.
            Selection::FragmentSpread(spread) => doc
                .fragments
                .get(&spread.node.fragment_name.node)
                .map_or(0, |f| count(doc, &f.node.selection_set.node, depth + 1)),
        })
        .fold(0, usize::saturating_add)
}

/// Aliases the document's operations would resolve.
pub fn in_document(doc: &ExecutableDocument) -> usize {
    doc.operations
        .iter()
        .map(|(_, op)| count(doc, &op.node.selection_set.node, 0))
        .fold(0, usize::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_aliases_everywhere_and_per_spread() {
        let doc = async_graphql::parser::parse_query(
            "query { a: me { id } b: me { x: id } ... on QueryRoot { c: me { id } } ...F ...F } fragment F on QueryRoot { d: me { id } }",
        )
        .unwrap();
        assert_eq!(in_document(&doc), 6);
        let cyclic = async_graphql::parser::parse_query(
            "query { ...A } fragment A on QueryRoot { x: me { id } ...A }",
        )
        .unwrap();
        assert!(in_document(&cyclic) > 1000);
    }
}
