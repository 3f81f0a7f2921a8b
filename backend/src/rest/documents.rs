//! `/api/v1/documents`: files of the company, usually an employee's (contracts, certificates).
//!
//! Upload is `multipart/form-data` with one `file` part (its filename and content type are
//! kept) and an optional `employee_id` part; the body limit of this route is its own
//! (`--document-max-bytes`, default 10 MiB), every other route keeps 1 MiB. Metadata responses
//! never contain the bytes (the list and item queries do not even read them); the bytes come
//! from `GET /api/v1/documents/{id}/download`, the DOWNLOAD action, with the stored type and an
//! RFC 6266 `Content-Disposition` (RFC 5987 `filename*` for names that are not plain ASCII).
//!
//! A document attached to an employee is visible exactly when the employee is; one attached to
//! none is visible only to callers without a visibility-group limit, so a limited user must
//! attach their uploads to an employee they see.

use axum::Json;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect, Select,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::entity::document;
use crate::rest::employees::{self, created, path_id, visible_ids};
use crate::rest::extract::Query;
use crate::rest::guard::Guarded;
use crate::rest::input::invalid;
use crate::rest::page;
use crate::rest::problem::{Problem, ProblemDetails, ProblemKind};
use crate::state::AppState;

/// Longest file name kept.
pub const FILE_NAME_MAX_CHARS: usize = 255;
/// Room for the multipart framing around the file, on top of the document limit.
pub const MULTIPART_OVERHEAD_BYTES: usize = 64 * 1024;
/// The type of a file sent without one.
const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// A document's metadata. An API key limited to some fields of the DOCUMENTS endpoint receives
/// only those, so no member is guaranteed present.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Document {
    #[schema(required = false)]
    pub id: Uuid,
    /// The employee the document belongs to, if any.
    #[schema(required = false)]
    pub employee_id: Option<Uuid>,
    #[schema(required = false)]
    pub file_name: String,
    #[schema(required = false)]
    pub content_type: String,
    #[schema(required = false)]
    pub size_bytes: i64,
    /// RFC 3339, UTC.
    #[schema(required = false, format = DateTime, value_type = String)]
    pub created_at: String,
}

/// The columns of a document but its bytes.
#[derive(Debug, Clone, FromQueryResult)]
pub struct DocumentMeta {
    pub id: Uuid,
    pub employee_id: Option<Uuid>,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub created_at: OffsetDateTime,
}

impl From<DocumentMeta> for Document {
    fn from(m: DocumentMeta) -> Self {
        Self {
            id: m.id,
            employee_id: m.employee_id,
            file_name: m.file_name,
            content_type: m.content_type,
            size_bytes: m.size_bytes,
            created_at: rfc3339(m.created_at),
        }
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// One page of documents.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentPage {
    pub data: Vec<Document>,
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
    /// Only this employee's documents.
    pub employee_id: Option<Uuid>,
}

/// The upload form (for the document; the handler reads the parts one by one).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct DocumentUpload {
    /// The file; its filename and content type are kept.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// The employee the document belongs to (required for users limited by visibility groups).
    pub employee_id: Option<Uuid>,
}

/// Metadata columns only: the bytes stay in the database.
fn metadata() -> Select<document::Entity> {
    document::Entity::find().select_only().columns([
        document::Column::Id,
        document::Column::EmployeeId,
        document::Column::FileName,
        document::Column::ContentType,
        document::Column::SizeBytes,
        document::Column::CreatedAt,
    ])
}

/// The caller's company's documents the caller sees.
fn visible(g: &Guarded, q: Select<document::Entity>) -> Result<Select<document::Entity>, Problem> {
    let company_id = g.company_id()?;
    let mut q = q.filter(document::Column::CompanyId.eq(company_id));
    if let Some(ids) = visible_ids(company_id, &g.scope) {
        q = q.filter(document::Column::EmployeeId.in_subquery(ids));
    }
    Ok(q)
}

async fn find_meta(state: &AppState, g: &Guarded, id: &str) -> Result<DocumentMeta, Problem> {
    let id = path_id(id, "document")?;
    visible(g, metadata().filter(document::Column::Id.eq(id)))?
        .into_model::<DocumentMeta>()
        .one(&state.app.db)
        .await?
        .ok_or_else(|| Problem::not_found("document"))
}

/// The company's documents visible to the caller, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/documents",
    tag = "documents",
    operation_id = "listDocuments",
    params(ListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of document metadata, in upload order", body = DocumentPage),
        (status = 400, description = "Malformed or unknown query parameter (`bad-request`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid credentials (`unauthenticated`), API access flag off (`api-access-disabled`), or access type none (`access-type-none`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Missing `documents.read` or the key's DOCUMENTS:READ grant (`forbidden`), or a hub user's credentials (`company-required`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of range or invalid `cursor` (`validation`, with `field`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit exceeded (`rate-limited`)", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    g: Guarded,
    Query(params): Query<ListParams>,
) -> Result<Json<Value>, Problem> {
    let first = page::limit(params.limit)?;
    let after = page::id_cursor(params.cursor.as_deref())?;
    let mut q = visible(&g, metadata())?;
    if let Some(e) = params.employee_id {
        q = q.filter(document::Column::EmployeeId.eq(e));
    }
    let (rows, next_cursor) = page::by_id(
        &state.app.db,
        q,
        document::Column::Id,
        first,
        after,
        |m: &DocumentMeta| m.id,
    )
    .await?;
    let data: Vec<Document> = rows.into_iter().map(Into::into).collect();
    page::body(&g.scope, &data, next_cursor)
}

/// One document's metadata.
#[utoipa::path(
    get,
    path = "/api/v1/documents/{id}",
    tag = "documents",
    operation_id = "getDocument",
    params(("id" = Uuid, Path, description = "The document's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The document's metadata (never its bytes)", body = Document),
        (status = 401, description = "Missing or invalid credentials (`unauthenticated`), API access flag off (`api-access-disabled`), or access type none (`access-type-none`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Missing `documents.read` or the key's DOCUMENTS:READ grant (`forbidden`), or a hub user's credentials (`company-required`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such document in the caller's company, or outside the caller's visibility groups (`not-found`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit exceeded (`rate-limited`)", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    g: Guarded,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    let meta = find_meta(&state, &g, &id).await?;
    Ok(Json(g.scope.render(&Document::from(meta))?))
}

/// The `Content-Disposition` of a download (RFC 6266): a quoted ASCII `filename` for every
/// client, and, when the name is not plain ASCII, its exact form as RFC 5987 `filename*`.
pub fn content_disposition(file_name: &str) -> String {
    /// RFC 5987 `attr-char`: everything else is percent-encoded.
    const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'!')
        .remove(b'#')
        .remove(b'$')
        .remove(b'&')
        .remove(b'+')
        .remove(b'-')
        .remove(b'.')
        .remove(b'^')
        .remove(b'_')
        .remove(b'`')
        .remove(b'|')
        .remove(b'~');
    let fallback: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if fallback == file_name {
        format!("attachment; filename=\"{file_name}\"")
    } else {
        format!(
            "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
            utf8_percent_encode(file_name, ATTR_CHAR)
        )
    }
}

/// The document's bytes, as uploaded.
#[utoipa::path(
    get,
    path = "/api/v1/documents/{id}/download",
    tag = "documents",
    operation_id = "downloadDocument",
    params(("id" = Uuid, Path, description = "The document's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The file, with its stored `Content-Type` and `Content-Disposition: attachment`", content_type = "application/octet-stream", body = Vec<u8>, headers(("Content-Disposition" = String, description = "`attachment; filename=\"...\"`, with `filename*` (RFC 5987) for non-ASCII names"))),
        (status = 401, description = "Missing or invalid credentials (`unauthenticated`), API access flag off (`api-access-disabled`), or access type none (`access-type-none`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Missing `documents.download` or the key's DOCUMENTS:DOWNLOAD grant (`forbidden`), or a hub user's credentials (`company-required`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such document in the caller's company, or outside the caller's visibility groups (`not-found`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit exceeded (`rate-limited`)", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn download(
    State(state): State<AppState>,
    g: Guarded,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id = path_id(&id, "document")?;
    let doc = visible(&g, document::Entity::find_by_id(id))?
        .one(&state.app.db)
        .await?
        .ok_or_else(|| Problem::not_found("document"))?;
    let content_type = HeaderValue::from_str(&doc.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static(DEFAULT_CONTENT_TYPE));
    let disposition = HeaderValue::from_str(&content_disposition(&doc.file_name))
        .map_err(|e| Problem::from(crate::error::AppError::Internal(e.into())))?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            // The stored type is the uploader's word: browsers must not second-guess it.
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        doc.content,
    )
        .into_response())
}

/// The name a file is kept under: its last path segment, trimmed, 1 to 255 characters.
fn file_name(raw: Option<&str>) -> Result<String, Problem> {
    let raw = raw.unwrap_or("");
    let name = raw.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if name.is_empty() {
        return Err(invalid(
            "file",
            "the file part needs a filename (Content-Disposition: form-data; name=\"file\"; \
             filename=\"...\")",
        ));
    }
    let n = name.chars().count();
    if n > FILE_NAME_MAX_CHARS {
        return Err(invalid(
            "file",
            format!(
                "the filename is {n} characters long: at most {FILE_NAME_MAX_CHARS} are allowed"
            ),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(invalid(
            "file",
            "the filename must not contain control characters",
        ));
    }
    Ok(name.to_string())
}

/// The type a file is kept with: the part's `type/subtype` (parameters kept), lower-cased;
/// `application/octet-stream` when the part has none (the multipart parser drops a type it
/// cannot parse, so that one is kept as octet-stream too, never served as sent).
fn content_type(raw: Option<&str>) -> Result<String, Problem> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(DEFAULT_CONTENT_TYPE.to_string());
    };
    let essence = raw.split(';').next().unwrap_or("").trim();
    let token = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
    };
    let valid = raw.len() <= 255
        && raw.is_ascii()
        && !raw.chars().any(|c| c.is_ascii_control())
        && essence
            .split_once('/')
            .is_some_and(|(t, s)| token(t) && token(s));
    if !valid {
        return Err(invalid(
            "file",
            format!("the file's content type '{raw}' is not a valid media type"),
        ));
    }
    Ok(raw.to_ascii_lowercase())
}

fn too_large(max: usize) -> Problem {
    Problem::new(
        ProblemKind::PayloadTooLarge,
        format!("the document is too large: at most {max} bytes are accepted"),
    )
    .with("limit_bytes", max)
}

fn multipart_problem(e: MultipartError, max: usize) -> Problem {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(max)
    } else {
        Problem::new(
            ProblemKind::BadRequest,
            format!("malformed multipart body: {}", e.body_text()),
        )
    }
}

/// Uploads a document.
#[utoipa::path(
    post,
    path = "/api/v1/documents",
    tag = "documents",
    operation_id = "uploadDocument",
    request_body(content = DocumentUpload, content_type = "multipart/form-data", description = "A `file` part and an optional `employee_id` part; other parts are rejected"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The document's metadata; `Location` names it", body = Document, headers(("Location" = String, description = "The document's URL"))),
        (status = 400, description = "Malformed multipart body (`bad-request`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid credentials (`unauthenticated`), API access flag off (`api-access-disabled`), or access type none (`access-type-none`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Read-only access type (`read-only`), missing `documents.create` or the key's DOCUMENTS:CREATE grant, a field the key may not write, or no `employee_id` from a user limited by visibility groups (`forbidden`, with `field`), or a hub user's credentials (`company-required`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Document over the configured limit, 10 MiB by default (`payload-too-large`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Body not sent as `multipart/form-data` (`unsupported-media-type`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "No `file` part or filename, an unknown part, an invalid content type, or an `employee_id` the caller cannot see (`validation`, with `field`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit exceeded (`rate-limited`)", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    g: Guarded,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, Problem> {
    let company_id = g.company_id()?;
    let max = state.app.config.document_max_bytes;
    let mut multipart = multipart.map_err(|_| {
        Problem::new(
            ProblemKind::UnsupportedMediaType,
            "send the document as multipart/form-data, with a `file` part",
        )
    })?;
    let mut file: Option<(String, String, Vec<u8>)> = None;
    let mut employee_id: Option<Uuid> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_problem(e, max))?
    {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "file" => {
                if file.is_some() {
                    return Err(invalid("file", "send exactly one file part"));
                }
                let fname = file_name(field.file_name())?;
                let ctype = content_type(field.content_type())?;
                let bytes = field.bytes().await.map_err(|e| multipart_problem(e, max))?;
                if bytes.len() > max {
                    return Err(too_large(max));
                }
                file = Some((fname, ctype, bytes.to_vec()));
            }
            "employee_id" => {
                let text = field.text().await.map_err(|e| multipart_problem(e, max))?;
                let id = Uuid::parse_str(text.trim())
                    .map_err(|_| invalid("employee_id", "employee_id must be a UUID"))?;
                employee_id = Some(id);
            }
            other => {
                return Err(invalid(
                    other,
                    format!(
                        "unknown part '{other}': the form has a file part and an optional employee_id part"
                    ),
                ));
            }
        }
    }
    let (file_name, content_type, bytes) =
        file.ok_or_else(|| invalid("file", "file is required: send the document as a file part"))?;
    // What the upload writes, for a key limited to some fields.
    let mut written = Map::new();
    written.insert("file_name".into(), Value::Null);
    written.insert("content_type".into(), Value::Null);
    if employee_id.is_some() {
        written.insert("employee_id".into(), Value::Null);
    }
    g.scope.check_write(&written)?;
    match employee_id {
        Some(id) => employees::check_reference(&state, &g, id).await?,
        None if g.scope.departments.is_some() => {
            return Err(Problem::new(
                ProblemKind::Forbidden,
                "your visibility groups limit you to employees' documents: send the employee_id \
                 of one of your employees",
            )
            .with("field", "employee_id"));
        }
        None => {}
    }
    let size_bytes = i64::try_from(bytes.len()).map_err(|_| too_large(max))?;
    let row = document::ActiveModel {
        id: Set(Uuid::now_v7()),
        company_id: Set(company_id),
        employee_id: Set(employee_id),
        file_name: Set(file_name),
        content_type: Set(content_type),
        size_bytes: Set(size_bytes),
        content: Set(bytes),
        created_at: Set(OffsetDateTime::now_utc()),
    }
    .insert(&state.app.db)
    .await?;
    let meta = DocumentMeta {
        id: row.id,
        employee_id: row.employee_id,
        file_name: row.file_name,
        content_type: row.content_type,
        size_bytes: row.size_bytes,
        created_at: row.created_at,
    };
    let location = format!("/api/v1/documents/{}", meta.id);
    Ok(created(location, g.scope.render(&Document::from(meta))?))
}

/// Deletes a document.
#[utoipa::path(
    delete,
    path = "/api/v1/documents/{id}",
    tag = "documents",
    operation_id = "deleteDocument",
    params(("id" = Uuid, Path, description = "The document's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid credentials (`unauthenticated`), API access flag off (`api-access-disabled`), or access type none (`access-type-none`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Read-only access type (`read-only`), missing `documents.delete` or the key's DOCUMENTS:DELETE grant (`forbidden`), or a hub user's credentials (`company-required`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such document in the caller's company, or outside the caller's visibility groups (`not-found`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit exceeded (`rate-limited`)", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    g: Guarded,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let meta = find_meta(&state, &g, &id).await?;
    document::Entity::delete_by_id(meta.id)
        .exec(&state.app.db)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_is_plain_for_ascii_and_rfc5987_otherwise() {
        assert_eq!(
            content_disposition("report.pdf"),
            "attachment; filename=\"report.pdf\""
        );
        assert_eq!(
            content_disposition("Zeugnis Müller €.pdf"),
            "attachment; filename=\"Zeugnis M_ller _.pdf\"; \
             filename*=UTF-8''Zeugnis%20M%C3%BCller%20%E2%82%AC.pdf"
        );
        assert_eq!(
            content_disposition("a\"b.txt"),
            "attachment; filename=\"a_b.txt\"; filename*=UTF-8''a%22b.txt"
        );
    }

    #[test]
    fn file_names_lose_their_path_and_are_bounded() {
        assert_eq!(file_name(Some("C:\\x\\cv.pdf")).expect("ok"), "cv.pdf");
        assert_eq!(file_name(Some("../../etc/passwd")).expect("ok"), "passwd");
        assert!(file_name(None).is_err());
        assert!(file_name(Some("dir/")).is_err());
        assert!(file_name(Some(&"x".repeat(256))).is_err());
    }

    #[test]
    fn content_types_are_checked() {
        assert_eq!(content_type(None).expect("default"), DEFAULT_CONTENT_TYPE);
        assert_eq!(
            content_type(Some("Text/Plain; charset=utf-8")).expect("ok"),
            "text/plain; charset=utf-8"
        );
        assert!(content_type(Some("nonsense")).is_err());
        assert!(content_type(Some("text/ plain")).is_err());
    }
}
