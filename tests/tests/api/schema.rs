//! The checked-in `schema.graphql` must equal what the code exports.

use crate::helpers::test_config;

#[test]
fn schema_graphql_is_up_to_date() {
    let config = test_config("sqlite::memory:".into(), &[]);
    let exported = guanxi::graphql::sdl(&config);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        checked_in == exported,
        "schema.graphql is stale: run `cargo run -q -- schema > schema.graphql`"
    );
}
