//! One statement per cold credential check (issue #9): the first use of a token reads its row,
//! everything its verification needs (user, role, permissions, visibility groups, key grants,
//! revocation) and the caller's company view in a single round trip, so a cold verification
//! costs one database read whatever the kind of token.
//!
//! The statements are hand-written SQL with bound values only. Sets (permissions, departments,
//! grants, flags) come back as correlated sub-selects aggregated into a JSON array, read as
//! text; the aggregate functions differ between PostgreSQL and SQLite, so [`Sql`] picks them by
//! backend. Whole rows are read with the entities' own decoding (`FromQueryResult` with a column
//! prefix), so types (UUIDs, timestamps, JSON) are read exactly as everywhere else.

use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, IdenStatic, Iterable, QueryResult,
    Statement, TryGetError, Value,
};
use serde::de::DeserializeOwned;

use crate::entity::{company, reseller};
use crate::error::{AppError, AppResult};
use crate::service::companies::CompanyView;
use crate::service::features::Flags;

/// SQL fragments for one backend. Every fragment is built from fixed identifiers, never from
/// input: input goes in bound values, placed with [`Sql::param`].
#[derive(Debug, Clone, Copy)]
pub struct Sql {
    backend: DbBackend,
}

impl Sql {
    pub fn of(db: &impl ConnectionTrait) -> Self {
        Self {
            backend: db.get_database_backend(),
        }
    }

    fn postgres(&self) -> bool {
        self.backend == DbBackend::Postgres
    }

    /// The placeholder of the `n`-th bound value (1-based; may be used more than once).
    pub fn param(&self, n: usize) -> String {
        if self.postgres() {
            format!("${n}")
        } else {
            format!("?{n}")
        }
    }

    /// `alias.col AS "<prefix>col"` for every column of an entity but `skip` (read as NULL,
    /// e.g. a password hash that must not leave the database).
    pub fn columns<E: EntityTrait>(alias: &str, prefix: &str, skip: &[&str]) -> String {
        E::Column::iter()
            .map(|c| {
                let name = c.as_str();
                if skip.contains(&name) {
                    format!("NULL AS \"{prefix}{name}\"")
                } else {
                    format!("{alias}.\"{name}\" AS \"{prefix}{name}\"")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A correlated sub-select: the JSON array (as text) of `item` over `from_where`; `[]`
    /// when there is no row.
    pub fn json_array(&self, item: &str, from_where: &str) -> String {
        if self.postgres() {
            format!("(SELECT COALESCE(json_agg({item}), '[]'::json)::text FROM {from_where})")
        } else {
            format!("(SELECT json_group_array({item}) FROM {from_where})")
        }
    }

    /// A JSON array of a few values, as an item of [`Sql::json_array`].
    pub fn tuple(&self, parts: &[&str]) -> String {
        let f = if self.postgres() {
            "json_build_array"
        } else {
            "json_array"
        };
        format!("{f}({})", parts.join(", "))
    }

    /// A JSON column as a JSON value (SQLite keeps JSON as text, which would nest as a string).
    pub fn json_col(&self, col: &str) -> String {
        if self.postgres() {
            col.to_string()
        } else {
            format!("json({col})")
        }
    }

    /// The company view's columns, for a statement that joins `companies co` and
    /// `resellers rs` (see [`COMPANY_JOINS`]); read back with [`company_view`].
    pub fn company_columns(&self) -> String {
        let flags = |table: &str, key: &str, of: &str| {
            self.json_array(
                &self.tuple(&["f.flag", "f.enabled"]),
                &format!("{table} f WHERE f.{key} = {of}.id"),
            )
        };
        format!(
            "{}, {}, {} AS co_flags, {} AS rs_flags",
            Self::columns::<company::Entity>("co", "co_", &[]),
            Self::columns::<reseller::Entity>("rs", "rs_", &[]),
            flags("company_features", "company_id", "co"),
            flags("reseller_features", "reseller_id", "rs"),
        )
    }

    pub fn statement(&self, sql: String, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(self.backend, sql, values)
    }
}

/// Joins the company (alias `co`) of `<alias>.company_id` and its reseller (alias `rs`).
pub fn company_joins(alias: &str) -> String {
    format!(
        "LEFT JOIN companies co ON co.id = {alias}.company_id \
         LEFT JOIN resellers rs ON rs.id = co.reseller_id"
    )
}

/// Runs a statement expected to return at most one row.
pub async fn one(db: &impl ConnectionTrait, stmt: Statement) -> AppResult<Option<QueryResult>> {
    Ok(db.query_one_raw(stmt).await?)
}

/// A joined row read with its prefix; `None` when the join found nothing (every column NULL).
/// Unlike sea-orm's `from_query_result_optional`, a row that does not decode is an error, not
/// a missing row.
pub fn optional<M: FromQueryResult>(row: &QueryResult, pre: &str) -> AppResult<Option<M>> {
    match M::from_query_result_nullable(row, pre) {
        Ok(m) => Ok(Some(m)),
        Err(TryGetError::Null(_)) => Ok(None),
        Err(TryGetError::DbErr(e)) => Err(e.into()),
    }
}

/// A text column holding JSON (an aggregate of [`Sql::json_array`]), parsed.
pub fn json_text<T: DeserializeOwned>(row: &QueryResult, col: &str) -> AppResult<T> {
    let text: Option<String> = row.try_get("", col)?;
    let text = text.unwrap_or_else(|| "[]".into());
    serde_json::from_str(&text)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("reading {col} of a credential: {e}")))
}

/// Flags aggregated as `[flag, enabled]` pairs (SQLite gives `enabled` as 0/1).
fn flags(row: &QueryResult, col: &str) -> AppResult<Flags> {
    let pairs: Vec<(String, serde_json::Value)> = json_text(row, col)?;
    Ok(pairs
        .into_iter()
        .map(|(flag, enabled)| {
            let on = match enabled {
                serde_json::Value::Bool(b) => b,
                serde_json::Value::Number(n) => n.as_i64().is_some_and(|n| n != 0),
                _ => false,
            };
            (flag, on)
        })
        .collect())
}

/// The company view read with [`Sql::company_columns`]; `None` when the company or its
/// reseller is missing (the guard then reads it itself and refuses, as before).
pub fn company_view(row: &QueryResult) -> AppResult<Option<CompanyView>> {
    let Some(company) = optional::<company::Model>(row, "co_")? else {
        return Ok(None);
    };
    let Some(reseller) = optional::<reseller::Model>(row, "rs_")? else {
        return Ok(None);
    };
    Ok(Some(CompanyView {
        company,
        reseller,
        company_flags: flags(row, "co_flags")?,
        reseller_flags: flags(row, "rs_flags")?,
    }))
}
