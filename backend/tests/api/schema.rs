//! `schema.graphql` is the public contract for scripts: it must equal the code's schema.

#[test]
fn schema_graphql_matches_the_code() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql"))
            .expect("schema.graphql at the repo root");
    let current = backend::graphql::sdl();
    assert!(
        committed == current,
        "schema.graphql is out of date: run `cargo run -p backend -- export-schema -o schema.graphql` and review the diff"
    );
}
