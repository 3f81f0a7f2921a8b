//! Relay connections (SPEC §8: `nodes`, `edges`, `pageInfo`, `totalCount`).

use async_graphql::{SimpleObject, connection::Connection};

use crate::service::pagination::Page;

/// Extra connection fields.
#[derive(SimpleObject)]
pub struct CountFields {
    /// Items matching the filters, across all pages.
    pub total_count: u64,
}

pub type CountedConnection<N> = Connection<String, N, CountFields>;

/// Turns a service page into a connection, mapping each item to its GraphQL object.
pub fn connection<T, N: async_graphql::OutputType>(
    page: Page<T>,
    map: impl Fn(T) -> N,
) -> CountedConnection<N> {
    let mut conn = Connection::with_additional_fields(
        page.has_previous,
        page.has_next,
        CountFields {
            total_count: page.total,
        },
    );
    conn.edges.extend(
        page.items
            .into_iter()
            .map(|(cursor, item)| async_graphql::connection::Edge::new(cursor, map(item))),
    );
    conn
}
