//! The public REST API's catalogue as scoped API keys see it (SPEC §3.3, §4, seed 004): which
//! endpoints exist, which actions each supports and which fields each returns.
//!
//! One list in code, so the server (when it validates a key's grants, and later when it enforces
//! them on `/api/v1`) and the SPA (when it draws the endpoint column, the action checkboxes and
//! the fields picker) cannot disagree about what a key may be granted.

use serde::{Deserialize, Serialize};

use crate::limits::ValidationError;

/// The input field every grant error is reported against.
const GRANTS_FIELD: &str = "grants";

/// A resource of the public REST API that a key can be granted access to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApiEndpoint {
    Company,
    Employees,
    TimeOff,
    Documents,
    Users,
}

/// What a key may do on an endpoint (seed 004's checkboxes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApiAction {
    Create,
    Read,
    Update,
    Delete,
    Download,
}

const CRUD: &[ApiAction] = &[
    ApiAction::Create,
    ApiAction::Read,
    ApiAction::Update,
    ApiAction::Delete,
];
const READ_ONLY: &[ApiAction] = &[ApiAction::Read];
const DOCUMENT_ACTIONS: &[ApiAction] = &[
    ApiAction::Create,
    ApiAction::Read,
    ApiAction::Delete,
    ApiAction::Download,
];

const COMPANY_FIELDS: &[&str] = &[
    "id",
    "name",
    "api_access_type",
    "api_rate_limit",
    "api_request_delay_seconds",
];
const EMPLOYEE_FIELDS: &[&str] = &[
    "id",
    "first_name",
    "last_name",
    "email",
    "department",
    "job_title",
    "start_date",
    "end_date",
    "phone",
    "salary",
];
const TIME_OFF_FIELDS: &[&str] = &[
    "id",
    "employee_id",
    "kind",
    "start_date",
    "end_date",
    "status",
    "note",
];
const DOCUMENT_FIELDS: &[&str] = &[
    "id",
    "employee_id",
    "file_name",
    "content_type",
    "size_bytes",
    "created_at",
];
const USER_FIELDS: &[&str] = &["id", "email", "name", "role", "active"];

impl ApiEndpoint {
    /// Every endpoint, in the order the admin UI lists them.
    pub const ALL: [ApiEndpoint; 5] = [
        Self::Company,
        Self::Employees,
        Self::TimeOff,
        Self::Documents,
        Self::Users,
    ];

    /// The form stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Company => "company",
            Self::Employees => "employees",
            Self::TimeOff => "time_off",
            Self::Documents => "documents",
            Self::Users => "users",
        }
    }

    /// Parses the stored form; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// The name callers send (the GraphQL enum value), used in messages so they can find it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Company => "COMPANY",
            Self::Employees => "EMPLOYEES",
            Self::TimeOff => "TIME_OFF",
            Self::Documents => "DOCUMENTS",
            Self::Users => "USERS",
        }
    }

    /// The label of the endpoint column (seed 004 calls time off "Employee time off").
    pub fn label(self) -> &'static str {
        match self {
            Self::Company => "Company",
            Self::Employees => "Employees",
            Self::TimeOff => "Employee time off",
            Self::Documents => "Documents",
            Self::Users => "Users",
        }
    }

    /// The actions the endpoint supports, in display order.
    pub fn actions(self) -> &'static [ApiAction] {
        match self {
            Self::Company | Self::Users => READ_ONLY,
            Self::Employees | Self::TimeOff => CRUD,
            Self::Documents => DOCUMENT_ACTIONS,
        }
    }

    pub fn supports(self, action: ApiAction) -> bool {
        self.actions().contains(&action)
    }

    /// The fields of the endpoint's resource (SPEC §4), in display order.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Self::Company => COMPANY_FIELDS,
            Self::Employees => EMPLOYEE_FIELDS,
            Self::TimeOff => TIME_OFF_FIELDS,
            Self::Documents => DOCUMENT_FIELDS,
            Self::Users => USER_FIELDS,
        }
    }

    pub fn has_field(self, field: &str) -> bool {
        self.fields().contains(&field)
    }
}

impl ApiAction {
    /// Every action, in the order of the admin UI's checkboxes.
    pub const ALL: [ApiAction; 5] = [
        Self::Create,
        Self::Read,
        Self::Update,
        Self::Delete,
        Self::Download,
    ];

    /// The form stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Read => "read",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Download => "download",
        }
    }

    /// Parses the stored form; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The name callers send (the GraphQL enum value), used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Create => "CREATE",
            Self::Read => "READ",
            Self::Update => "UPDATE",
            Self::Delete => "DELETE",
            Self::Download => "DOWNLOAD",
        }
    }

    /// The checkbox label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Create => "Create",
            Self::Read => "Read",
            Self::Update => "Update",
            Self::Delete => "Delete",
            Self::Download => "Download",
        }
    }

    /// Seed 004's help text for the checkbox.
    pub fn description(self) -> &'static str {
        match self {
            Self::Create => "This allows the key to create new data",
            Self::Read => "This allows the key to read existing data",
            Self::Update => "This allows the key to update existing data",
            Self::Delete => "This allows the key to delete existing data",
            Self::Download => "This allows the key to download an existing document",
        }
    }
}

/// What one key may do on one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiGrant {
    pub endpoint: ApiEndpoint,
    pub actions: Vec<ApiAction>,
    /// The fields the key may see and write; `None` = all of them (seed 004's default).
    pub fields: Option<Vec<String>>,
}

impl ApiGrant {
    pub fn allows(&self, action: ApiAction) -> bool {
        self.actions.contains(&action)
    }

    /// Whether a field is visible (and writable) through this grant.
    pub fn allows_field(&self, field: &str) -> bool {
        match &self.fields {
            None => true,
            Some(list) => list.iter().any(|f| f == field),
        }
    }
}

fn join_names<T: Copy>(items: &[T], name: impl Fn(T) -> &'static str) -> String {
    items
        .iter()
        .map(|i| name(*i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks a key's grants and returns them normalised: actions and fields deduplicated and in
/// catalogue order, grants in endpoint order. Every error names the endpoint (and the action or
/// field) at fault, since a key's grants are edited as one form.
pub fn validate_grants(grants: &[ApiGrant]) -> Result<Vec<ApiGrant>, ValidationError> {
    let err = |message: String| ValidationError::new(GRANTS_FIELD, message);
    if grants.is_empty() {
        return Err(err(
            "grants must not be empty: choose at least one endpoint and its actions".into(),
        ));
    }
    let mut out: Vec<ApiGrant> = Vec::with_capacity(grants.len());
    for g in grants {
        let endpoint = g.endpoint;
        if out.iter().any(|o| o.endpoint == endpoint) {
            return Err(err(format!(
                "endpoint {} appears more than once in grants: give each endpoint one grant \
                 with all its actions",
                endpoint.name()
            )));
        }
        let supported = join_names(endpoint.actions(), ApiAction::name);
        if g.actions.is_empty() {
            return Err(err(format!(
                "actions for endpoint {} must not be empty: choose at least one of {supported}",
                endpoint.name()
            )));
        }
        if let Some(a) = g.actions.iter().find(|a| !endpoint.supports(**a)) {
            return Err(err(format!(
                "action {} is not supported by endpoint {}: it supports {supported}",
                a.name(),
                endpoint.name()
            )));
        }
        let actions: Vec<ApiAction> = endpoint
            .actions()
            .iter()
            .copied()
            .filter(|a| g.actions.contains(a))
            .collect();
        let fields = match &g.fields {
            None => None,
            Some(list) => {
                if list.is_empty() {
                    return Err(err(format!(
                        "fields for endpoint {} is an empty list: omit fields to grant all of \
                         them, or name at least one",
                        endpoint.name()
                    )));
                }
                if let Some(f) = list.iter().find(|f| !endpoint.has_field(f)) {
                    return Err(err(format!(
                        "unknown field '{f}' for endpoint {}: its fields are {}",
                        endpoint.name(),
                        endpoint.fields().join(", ")
                    )));
                }
                Some(
                    endpoint
                        .fields()
                        .iter()
                        .filter(|f| list.iter().any(|l| l == *f))
                        .map(|f| (*f).to_string())
                        .collect(),
                )
            }
        };
        out.push(ApiGrant {
            endpoint,
            actions,
            fields,
        });
    }
    out.sort_by_key(|g| g.endpoint);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(endpoint: ApiEndpoint, actions: &[ApiAction], fields: Option<&[&str]>) -> ApiGrant {
        ApiGrant {
            endpoint,
            actions: actions.to_vec(),
            fields: fields.map(|f| f.iter().map(|s| (*s).to_string()).collect()),
        }
    }

    fn message(grants: &[ApiGrant]) -> String {
        let e = validate_grants(grants).expect_err("should be rejected");
        assert_eq!(e.field, "grants");
        e.message
    }

    #[test]
    fn storage_forms_round_trip() {
        for e in ApiEndpoint::ALL {
            assert_eq!(ApiEndpoint::parse(e.as_str()), Some(e));
            assert!(!e.actions().is_empty());
            assert_eq!(e.fields().first(), Some(&"id"), "{e:?} lists id first");
        }
        for a in ApiAction::ALL {
            assert_eq!(ApiAction::parse(a.as_str()), Some(a));
        }
        assert_eq!(ApiEndpoint::parse("TIME_OFF"), None);
        assert_eq!(ApiAction::parse("Read"), None);
    }

    #[test]
    fn supported_actions_follow_the_spec() {
        use ApiAction::*;
        assert_eq!(ApiEndpoint::Company.actions(), &[Read]);
        assert_eq!(ApiEndpoint::Users.actions(), &[Read]);
        assert_eq!(
            ApiEndpoint::Employees.actions(),
            &[Create, Read, Update, Delete]
        );
        assert_eq!(
            ApiEndpoint::TimeOff.actions(),
            ApiEndpoint::Employees.actions()
        );
        assert_eq!(
            ApiEndpoint::Documents.actions(),
            &[Create, Read, Delete, Download]
        );
        // Download is a document thing only.
        for e in ApiEndpoint::ALL {
            assert_eq!(e.supports(Download), e == ApiEndpoint::Documents);
        }
    }

    #[test]
    fn valid_grants_are_normalised() {
        use ApiAction::*;
        let got = validate_grants(&[
            grant(ApiEndpoint::Users, &[Read], None),
            grant(
                ApiEndpoint::TimeOff,
                &[Read, Create, Read],
                Some(&["end_date", "employee_id", "start_date", "end_date"]),
            ),
        ])
        .expect("valid");
        assert_eq!(
            got,
            vec![
                grant(
                    ApiEndpoint::TimeOff,
                    &[Create, Read],
                    Some(&["employee_id", "start_date", "end_date"])
                ),
                grant(ApiEndpoint::Users, &[Read], None),
            ]
        );
        assert!(got[1].allows_field("email"), "absent fields = all");
        assert!(!got[0].allows_field("note"));
        assert!(got[0].allows(Create) && !got[0].allows(Delete));
    }

    #[test]
    fn empty_grants_are_rejected() {
        assert!(message(&[]).contains("grants must not be empty"));
    }

    #[test]
    fn empty_actions_name_the_endpoint_and_the_choices() {
        let m = message(&[grant(ApiEndpoint::Documents, &[], None)]);
        assert!(
            m.contains("actions for endpoint DOCUMENTS must not be empty"),
            "{m}"
        );
        assert!(m.contains("CREATE, READ, DELETE, DOWNLOAD"), "{m}");
    }

    #[test]
    fn unsupported_action_names_action_and_endpoint() {
        let m = message(&[grant(
            ApiEndpoint::Employees,
            &[ApiAction::Read, ApiAction::Download],
            None,
        )]);
        assert_eq!(
            m,
            "action DOWNLOAD is not supported by endpoint EMPLOYEES: it supports \
             CREATE, READ, UPDATE, DELETE"
        );
        let m = message(&[grant(ApiEndpoint::Company, &[ApiAction::Update], None)]);
        assert!(
            m.contains("action UPDATE") && m.contains("endpoint COMPANY"),
            "{m}"
        );
    }

    #[test]
    fn unknown_field_names_field_and_endpoint() {
        let m = message(&[grant(
            ApiEndpoint::Employees,
            &[ApiAction::Read],
            Some(&["first_name", "salry"]),
        )]);
        assert!(
            m.starts_with("unknown field 'salry' for endpoint EMPLOYEES"),
            "{m}"
        );
        assert!(m.contains("salary"), "lists the valid fields: {m}");
        // A field of another endpoint is unknown here.
        let m = message(&[grant(
            ApiEndpoint::Users,
            &[ApiAction::Read],
            Some(&["salary"]),
        )]);
        assert!(m.contains("'salary'") && m.contains("USERS"), "{m}");
    }

    #[test]
    fn empty_field_list_is_ambiguous_and_rejected() {
        let m = message(&[grant(ApiEndpoint::Users, &[ApiAction::Read], Some(&[]))]);
        assert!(m.contains("fields for endpoint USERS"), "{m}");
    }

    #[test]
    fn duplicate_endpoint_is_rejected() {
        let m = message(&[
            grant(ApiEndpoint::TimeOff, &[ApiAction::Read], None),
            grant(ApiEndpoint::TimeOff, &[ApiAction::Create], None),
        ]);
        assert!(
            m.starts_with("endpoint TIME_OFF appears more than once"),
            "{m}"
        );
    }
}
