//! Relay connection types shared by every list.

use async_graphql::SimpleObject;

/// Where a page sits in the whole list.
#[derive(SimpleObject, Clone)]
pub struct PageInfo {
    /// More records follow this page (paging backwards with `last`: whenever `before` was given).
    pub has_next_page: bool,
    /// More records precede this page (paging forwards with `first`: whenever `after` was given).
    pub has_previous_page: bool,
    /// The first edge's cursor, to pass as `before` for the previous page; null when empty.
    pub start_cursor: Option<String>,
    /// The last edge's cursor, to pass as `after` for the next page; null when empty.
    pub end_cursor: Option<String>,
}

impl PageInfo {
    pub fn of<M>(page: &crate::pagination::Page<M>) -> PageInfo {
        PageInfo {
            has_next_page: page.has_next_page,
            has_previous_page: page.has_previous_page,
            start_cursor: page.rows.first().map(|(c, _)| c.clone()),
            end_cursor: page.rows.last().map(|(c, _)| c.clone()),
        }
    }
}

/// Declares `<Name>Connection` and `<Name>Edge` for a node type, with `from_page`.
#[macro_export]
macro_rules! connection_type {
    ($conn:ident, $edge:ident, $node:ty) => {
        /// One record of a page, with the cursor to continue from it.
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            /// Opaque cursor of this record, valid only for the same list and ordering.
            pub cursor: String,
            /// The record.
            pub node: $node,
        }

        /// A page of a list. `totalCount` counts every record matching the filter that the
        /// actor may see, regardless of pagination.
        #[derive(async_graphql::SimpleObject)]
        pub struct $conn {
            /// The records of this page, in list order.
            pub edges: Vec<$edge>,
            /// Where this page sits in the whole list.
            pub page_info: $crate::graphql::connection::PageInfo,
            /// How many matching records the signed-in user may see, across all pages.
            pub total_count: u64,
        }

        impl $conn {
            pub fn from_page<M>(
                page: $crate::pagination::Page<M>,
                convert: impl Fn(M) -> $node,
            ) -> $conn {
                let page_info = $crate::graphql::connection::PageInfo::of(&page);
                $conn {
                    page_info,
                    total_count: page.total_count.unwrap_or_default(),
                    edges: page
                        .rows
                        .into_iter()
                        .map(|(cursor, m)| $edge {
                            cursor,
                            node: convert(m),
                        })
                        .collect(),
                }
            }
        }
    };
}

/// Whether the client asked for `totalCount` (it costs a COUNT query).
pub fn wants_total(ctx: &async_graphql::Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

/// The complexity of a connection field: every node of the page costs what is selected
/// under it, so `first: 100` with twenty fields weighs 100 times what `first: 1` does.
pub fn page_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    use crate::pagination::{DEFAULT_PAGE_SIZE, PAGE_SIZE_CEILING};
    // The served page may be smaller (`GUANXI_MAX_PAGE_SIZE`); what is asked for is what is
    // counted, up to the largest page any setting may serve.
    let asked = first.into_iter().chain(last).max();
    let n = asked.map_or(DEFAULT_PAGE_SIZE, |n| {
        (n.max(1) as u64).min(PAGE_SIZE_CEILING)
    });
    (n as usize)
        .saturating_mul(child_complexity)
        .saturating_add(1)
}
