//! Every GraphQL operation the admin SPA sends (`shared::operations`) is valid against the
//! schema this server serves, within its depth and complexity limits. Sent without a session,
//! a valid operation fails only inside a resolver (an error with a `path`: unauthenticated,
//! or a missing variable's value); an unknown field or argument, a wrong type, or a query over
//! the limits is rejected before execution (an error without a `path`), and fails this test.

use serde_json::json;

use crate::helpers::*;

async fn every_spa_operation_is_valid(app: &TestApp) {
    let operations = shared::operations::all()
        .into_iter()
        .chain(shared::operations::personal_access_token_operations())
        .chain(shared::operations::least_privilege())
        .chain(shared::operations::api_logs_operations());
    for (name, operation) in operations {
        let body = app.gql(None, &operation, json!({})).await;
        let errors = body["errors"].as_array().cloned().unwrap_or_default();
        assert!(
            !errors.is_empty(),
            "{name}: expected the resolver to refuse a call without a session: {body:#}"
        );
        for e in &errors {
            assert!(
                e.get("path").is_some(),
                "{name} does not pass the schema's validation: {e:#}\n{operation}"
            );
        }
    }
}

// The schema is the same on both databases: SQLite is enough.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_spa_operation_is_valid_sqlite() {
    run(Backend::Sqlite, every_spa_operation_is_valid).await;
}
