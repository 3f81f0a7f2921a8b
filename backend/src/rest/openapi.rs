//! The OpenAPI 3.1 document of `/api/v1`, generated from the handlers' `#[utoipa::path]`
//! attributes and the response types, so the contract cannot drift from the code; and the
//! Swagger UI at `/api/docs`, compiled into the binary (`utoipa-swagger-ui`'s `vendored`
//! feature), so the docs work offline and nothing is fetched at build or run time.

use std::sync::LazyLock;

use axum::Json;
use axum::response::IntoResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::rest::problem::ProblemDetails;
use crate::rest::{companies, company, documents, employees, time_off, users};
use crate::state::AppState;

/// Where the document is served.
pub const JSON_PATH: &str = "/api/v1/openapi.json";
/// Where the Swagger UI is served.
pub const DOCS_PATH: &str = "/api/docs";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Portcullis public API",
        version = "1",
        description = "The REST API of a company's data. Authenticate with `Authorization: Bearer <token>`: \
a personal access token (`pat_…`), a scoped API key (`key_…`), or an OAuth 2.0 access token from \
`POST /oauth/token` (client credentials). Errors are RFC 9457 `application/problem+json` with a \
stable `type` URI per kind of failure."
    ),
    paths(
        company::get,
        employees::list, employees::get, employees::create, employees::update, employees::delete,
        time_off::list, time_off::get, time_off::create, time_off::update, time_off::delete,
        documents::list, documents::get, documents::create, documents::delete, documents::download,
        users::list,
        companies::list, companies::get,
    ),
    components(schemas(
        ProblemDetails, company::Company, company::AccessType,
        employees::Employee, employees::EmployeePage, employees::EmployeeWrite,
        time_off::TimeOff, time_off::TimeOffPage, time_off::TimeOffWrite, time_off::TimeOffKind, time_off::TimeOffStatus,
        documents::Document, documents::DocumentPage, documents::DocumentUpload,
        users::User, users::UserPage,
        companies::HubCompany, companies::HubCompanyPage,
    )),
    modifiers(&BearerAuth, &Unavailable),
    tags(
        (name = "company", description = "The caller's company"),
        (name = "employees", description = "The company's employees"),
        (name = "time-off", description = "Employees' time off"),
        (name = "documents", description = "The company's documents: metadata, upload, download"),
        (name = "users", description = "The company's users"),
        (name = "companies", description = "Hub users only: the companies in their scope"),
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` security scheme the operations refer to.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A personal access token, an API key, an OAuth access token or a session",
                    ))
                    .build(),
            ),
        );
    }
}

/// Documents on every operation the 503 (`unavailable`) any of them answers while the database
/// is down, with its `Retry-After` header.
struct Unavailable;

impl Modify for Unavailable {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder, header::Header};
        let response = ResponseBuilder::new()
            .description(
                "The database is unavailable for now (`unavailable`): retry after `Retry-After` \
                 seconds",
            )
            .content(
                crate::rest::problem::CONTENT_TYPE,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .header(
                "Retry-After",
                Header::new(ObjectBuilder::new().schema_type(Type::Integer)),
            )
            .build();
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.patch,
                &mut item.delete,
            ];
            for op in ops.into_iter().flatten() {
                op.responses
                    .responses
                    .entry("503".to_string())
                    .or_insert_with(|| response.clone().into());
            }
        }
    }
}

/// Built once: the document is the same for the process's lifetime.
static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(ApiDoc::openapi);

/// The document.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    &DOCUMENT
}

/// `GET /api/v1/openapi.json`.
pub async fn json() -> impl IntoResponse {
    Json(document())
}

/// `GET /api/docs`: the Swagger UI, pointed at the document.
pub fn swagger_ui() -> axum::Router<AppState> {
    utoipa_swagger_ui::SwaggerUi::new(DOCS_PATH)
        .config(utoipa_swagger_ui::Config::from(JSON_PATH))
        .into()
}
