//! `GET /api/v1/users`: the users of the caller's company, by name. Never their secrets: the
//! password hash is not part of the response type, whatever the query loads.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::entity::{role, user};
use crate::rest::extract::Query;
use crate::rest::guard::Guarded;
use crate::rest::page;
use crate::rest::problem::{Problem, ProblemDetails};
use crate::service::pagination;
use crate::state::AppState;

/// A user of the company. An API key limited to some fields of the USERS endpoint receives only
/// those, so no member is guaranteed present.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    #[schema(required = false)]
    pub id: Uuid,
    #[schema(required = false)]
    pub email: String,
    #[schema(required = false)]
    pub name: String,
    /// The name of the user's role.
    #[schema(required = false)]
    pub role: String,
    /// Whether the user can sign in; a deactivated user's tokens fail.
    #[schema(required = false)]
    pub active: bool,
}

/// One page of users.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub data: Vec<User>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Query parameters of the list; unknown ones are rejected.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The company's users, by name.
#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "users",
    operation_id = "listUsers",
    params(ListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of users, ordered by name", body = UserPage),
        (status = 400, description = "Malformed or unknown query parameter (`bad-request`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid credentials (`unauthenticated`), API access flag off (`api-access-disabled`), or access type none (`access-type-none`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Missing `users.read` or the key's USERS:READ grant (`forbidden`), or a hub user's credentials (`company-required`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of range or invalid `cursor` (`validation`, with `field`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit exceeded (`rate-limited`)", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    g: Guarded,
    Query(params): Query<ListParams>,
) -> Result<Json<Value>, Problem> {
    let company_id = g.company_id()?;
    let req = page::by_name_request(params.limit, params.cursor.as_deref())?;
    let q = user::Entity::find().filter(user::Column::CompanyId.eq(company_id));
    let page = pagination::by_name(
        &state.app.db,
        q,
        user::Column::Name,
        user::Column::Id,
        &req,
        |u| (u.name.clone(), u.id),
    )
    .await?;
    let role_ids: Vec<Uuid> = page.items.iter().map(|(_, u)| u.role_id).collect();
    let roles: HashMap<Uuid, String> = role::Entity::find()
        .filter(role::Column::Id.is_in(role_ids))
        .all(&state.app.db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let next_cursor = if page.has_next {
        page.items.last().map(|(c, _)| c.clone())
    } else {
        None
    };
    let data: Vec<User> = page
        .items
        .into_iter()
        .map(|(_, u)| User {
            role: roles.get(&u.role_id).cloned().unwrap_or_default(),
            id: u.id,
            email: u.email,
            name: u.name,
            active: u.active,
        })
        .collect();
    page::body(&g.scope, &data, next_cursor)
}
