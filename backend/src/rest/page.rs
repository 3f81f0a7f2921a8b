//! Cursor pagination of REST lists (SPEC §4): `limit` (1 to 200, default 50) and `cursor`, the
//! `next_cursor` of the previous page; lists answer `{"data": [...], "next_cursor": ...}`.
//!
//! Lists people read alphabetically (employees, users, companies) page by `(name, id)` with the
//! service layer's [`NameCursor`]; lists of records (time off, documents) page by id, which is a
//! UUIDv7 and so orders them by creation.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use serde::{Deserialize, Serialize};
use shared::limits::{PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX};
use uuid::Uuid;

use crate::rest::input::invalid;
use crate::rest::problem::Problem;
use crate::service::pagination::{NameCursor, PageRequest};

/// The body of one page of a list, with the fields the caller may not see removed.
pub fn body<T: Serialize>(
    scope: &crate::rest::guard::Scope,
    data: &[T],
    next_cursor: Option<String>,
) -> Result<axum::Json<serde_json::Value>, Problem> {
    Ok(axum::Json(serde_json::json!({
        "data": scope.render(&data)?,
        "next_cursor": next_cursor,
    })))
}

/// Validates `limit`, with the REST name in the error.
pub fn limit(limit: Option<i32>) -> Result<u64, Problem> {
    let first = limit.unwrap_or(PAGE_SIZE_DEFAULT);
    if !(1..=PAGE_SIZE_MAX).contains(&first) {
        return Err(invalid(
            "limit",
            format!("limit {first} is out of range: it must be between 1 and {PAGE_SIZE_MAX}"),
        ));
    }
    Ok(first as u64)
}

fn bad_cursor() -> Problem {
    invalid("cursor", "cursor is not a valid cursor")
}

/// A page request of a list by name.
pub fn by_name_request(
    limit_param: Option<i32>,
    cursor: Option<&str>,
) -> Result<PageRequest, Problem> {
    let first = limit(limit_param)?;
    let after = cursor
        .map(NameCursor::decode)
        .transpose()
        .map_err(|_| bad_cursor())?;
    Ok(PageRequest { first, after })
}

#[derive(Serialize, Deserialize)]
struct IdCursor {
    #[serde(rename = "i")]
    id: Uuid,
}

fn encode_id(id: Uuid) -> String {
    // Serialising a Uuid cannot fail.
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&IdCursor { id }).unwrap_or_default())
}

/// Decodes the cursor of a list by id.
pub fn id_cursor(cursor: Option<&str>) -> Result<Option<Uuid>, Problem> {
    let Some(c) = cursor else {
        return Ok(None);
    };
    if c.len() > 256 {
        return Err(bad_cursor());
    }
    let bytes = URL_SAFE_NO_PAD.decode(c).map_err(|_| bad_cursor())?;
    let cursor: IdCursor = serde_json::from_slice(&bytes).map_err(|_| bad_cursor())?;
    Ok(Some(cursor.id))
}

/// One page of `select` ordered by id, read as `M` (a partial model leaves large columns out);
/// returns the rows and the next page's cursor.
pub async fn by_id<E, M, C>(
    db: &C,
    select: Select<E>,
    id_col: E::Column,
    first: u64,
    after: Option<Uuid>,
    id_of: impl Fn(&M) -> Uuid,
) -> Result<(Vec<M>, Option<String>), DbErr>
where
    E: EntityTrait,
    M: FromQueryResult + Send + Sync,
    C: ConnectionTrait,
{
    let mut q = select;
    if let Some(after) = after {
        q = q.filter(id_col.gt(after));
    }
    let mut rows: Vec<M> = q
        .order_by_asc(id_col)
        .limit(first + 1)
        .into_model::<M>()
        .all(db)
        .await?;
    let has_next = rows.len() as u64 > first;
    rows.truncate(first as usize);
    let next = if has_next {
        rows.last().map(|m| encode_id(id_of(m)))
    } else {
        None
    };
    Ok((rows, next))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paging_errors_use_the_rest_names() {
        for (l, cursor, field) in [
            (Some(0), None, "limit"),
            (Some(201), None, "limit"),
            (None, Some("garbage!"), "cursor"),
        ] {
            let p = by_name_request(l, cursor).expect_err(field);
            assert_eq!(p.extensions.get("field"), Some(&json!(field)));
            assert_eq!(p.status, 422);
        }
        assert_eq!(by_name_request(None, None).expect("default").first, 50);
        assert_eq!(by_name_request(Some(200), None).expect("max").first, 200);
    }

    #[test]
    fn id_cursors_round_trip() {
        let id = Uuid::now_v7();
        assert_eq!(id_cursor(Some(&encode_id(id))).expect("ok"), Some(id));
        assert_eq!(id_cursor(None).expect("none"), None);
        for bad in ["", "!!", "e30", &"A".repeat(300)] {
            let p = id_cursor(Some(bad)).expect_err(bad);
            assert_eq!(p.extensions.get("field"), Some(&json!("cursor")));
        }
    }
}
