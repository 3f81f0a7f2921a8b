//! Keyset (cursor) pagination by `(name, id)`, for lists people read alphabetically. The cursor
//! is opaque to clients (base64url of a small JSON object) and is validated when decoded, so a
//! tampered cursor is a clear VALIDATION error, not a database error.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Longest accepted search string.
pub const SEARCH_MAX_CHARS: usize = 200;

/// One page of results, each with the cursor that points just after it.
pub struct Page<T> {
    pub items: Vec<(String, T)>,
    pub has_next: bool,
    pub has_previous: bool,
    /// Items matching the filters across all pages.
    pub total: u64,
}

/// A validated page request.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub first: u64,
    pub after: Option<NameCursor>,
}

impl PageRequest {
    /// Validates `first` (1..=200, default 50) and decodes `after`.
    pub fn parse(first: Option<i32>, after: Option<&str>) -> AppResult<Self> {
        Ok(Self {
            first: shared::limits::page_size(first)?,
            after: after.map(NameCursor::decode).transpose()?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameCursor {
    #[serde(rename = "n")]
    pub name: String,
    #[serde(rename = "i")]
    pub id: Uuid,
}

impl NameCursor {
    pub fn encode(&self) -> String {
        encode_cursor(self)
    }

    pub fn decode(s: &str) -> AppResult<Self> {
        decode_cursor(s, 2048)
    }
}

/// A keyset position as the opaque `after` string clients pass back: its JSON, base64url. One
/// codec for every list, so every cursor is refused the same way.
pub fn encode_cursor<T: Serialize>(position: &T) -> String {
    // Serialising plain fields (strings, ids, times) cannot fail.
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(position).unwrap_or_default())
}

/// Reads back what [`encode_cursor`] wrote; anything else (or longer than `max_len`) is a
/// VALIDATION error on `after` that does not repeat the input.
pub fn decode_cursor<T: DeserializeOwned>(s: &str, max_len: usize) -> AppResult<T> {
    let invalid = || AppError::validation("after", "after is not a valid cursor");
    if s.len() > max_len {
        return Err(invalid());
    }
    let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| invalid())?;
    serde_json::from_slice(&bytes).map_err(|_| invalid())
}

/// Validates a search string: trimmed, at most 200 characters; empty means no search. Case is
/// kept: `contains_ci` folds it, in the ways the database folds the column.
pub fn parse_search(search: Option<&str>) -> AppResult<Option<String>> {
    let Some(s) = search.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if s.chars().count() > SEARCH_MAX_CHARS {
        return Err(AppError::validation(
            "search",
            format!("search is too long: at most {SEARCH_MAX_CHARS} characters are allowed"),
        ));
    }
    Ok(Some(s.to_string()))
}

/// Case-insensitive substring match on a column; `%`, `_` and `\` in the search are literal.
///
/// The column is folded by the database's `lower()`, which knows Unicode on PostgreSQL but only
/// ASCII on SQLite. So the search is tried in two foldings: fully lower-cased (right on
/// PostgreSQL, and on SQLite whenever the name's non-ASCII letters are lower case already), and
/// with only ASCII folded, as SQLite folds the column, so that a name typed as it is written is
/// always found ("ÖKO" finds "ÖKO Bau" on SQLite too).
pub fn contains_ci(col: impl ColumnTrait, search: &str) -> SimpleExpr {
    let pattern = |s: &str| {
        let escaped = s
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        LikeExpr::new(format!("%{escaped}%")).escape('\\')
    };
    let column = || Expr::expr(Func::lower(Expr::col(col.as_column_ref())));
    let full = search.to_lowercase();
    let ascii = search.to_ascii_lowercase();
    let matches = column().like(pattern(&full));
    if ascii == full {
        matches
    } else {
        matches.or(column().like(pattern(&ascii)))
    }
}

/// Runs `select` one page at a time, ordered by `(name, id)`.
pub async fn by_name<E, C>(
    db: &C,
    select: Select<E>,
    name_col: E::Column,
    id_col: E::Column,
    req: &PageRequest,
    key: impl Fn(&E::Model) -> (String, Uuid),
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ConnectionTrait,
{
    let total = select.clone().count(db).await?;
    let mut q = select;
    if let Some(after) = &req.after {
        q = q.filter(
            Condition::any().add(name_col.gt(after.name.clone())).add(
                Condition::all()
                    .add(name_col.eq(after.name.clone()))
                    .add(id_col.gt(after.id)),
            ),
        );
    }
    let mut rows = q
        .order_by_asc(name_col)
        .order_by_asc(id_col)
        .limit(req.first + 1)
        .all(db)
        .await?;
    let has_next = rows.len() as u64 > req.first;
    rows.truncate(req.first as usize);
    let items = rows
        .into_iter()
        .map(|m| {
            let (name, id) = key(&m);
            (NameCursor { name, id }.encode(), m)
        })
        .collect();
    Ok(Page {
        items,
        has_next,
        has_previous: req.after.is_some(),
        total,
    })
}

impl<T> Page<T> {
    /// Maps the items, keeping cursors and counts.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        let mut f = f;
        Page {
            items: self.items.into_iter().map(|(c, t)| (c, f(t))).collect(),
            has_next: self.has_next,
            has_previous: self.has_previous,
            total: self.total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_garbage() {
        let c = NameCursor {
            name: "Acme".into(),
            id: Uuid::now_v7(),
        };
        assert_eq!(NameCursor::decode(&c.encode()).expect("decodes"), c);
        for bad in ["", "!!!", "e30", "eyJuIjoxfQ", &"A".repeat(5000)] {
            let e = NameCursor::decode(bad).expect_err(bad);
            assert_eq!(e.code(), "VALIDATION");
        }
    }

    #[test]
    fn page_request_bounds() {
        assert_eq!(PageRequest::parse(None, None).expect("default").first, 50);
        assert!(PageRequest::parse(Some(0), None).is_err());
        assert!(PageRequest::parse(Some(201), None).is_err());
        assert!(PageRequest::parse(Some(10), Some("zzz")).is_err());
    }

    #[test]
    fn search_is_trimmed_and_bounded() {
        assert_eq!(parse_search(Some("  ")).expect("ok"), None);
        assert_eq!(
            parse_search(Some(" AcMe ")).expect("ok").as_deref(),
            Some("AcMe")
        );
        assert!(parse_search(Some(&"x".repeat(201))).is_err());
    }
}
