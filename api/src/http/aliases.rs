//! Counting aliases: async-graphql limits depth and complexity but not aliases, and aliases
//! are how one small query asks for the same expensive field hundreds of times.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

fn count(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|s| match &s.node {
            Selection::Field(f) => {
                usize::from(f.node.alias.is_some()) + count(&f.node.selection_set.node)
            }
            Selection::InlineFragment(i) => count(&i.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// Aliases in all operations and fragments of the document.
pub fn in_document(doc: &ExecutableDocument) -> usize {
    let ops: usize = doc
        .operations
        .iter()
        .map(|(_, op)| count(&op.node.selection_set.node))
        .sum();
    let fragments: usize = doc
        .fragments
        .values()
        .map(|f| count(&f.node.selection_set.node))
        .sum();
    ops + fragments
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_aliases_everywhere() {
        let doc = async_graphql::parser::parse_query(
            "query { a: me { id } b: me { x: id } ... on QueryRoot { c: me { id } } ...F } fragment F on QueryRoot { d: me { id } }",
        )
        .unwrap();
        assert_eq!(in_document(&doc), 5);
    }
}
