//! API request logs (SPEC §5): capture, redaction, the background writer and retention.
//!
//! - [`capture`]: the layer that records every `/api/v1` and `/oauth` request, and every
//!   `/graphql` request made with a personal access token, into one `api_logs` row;
//! - [`redact`]: secrets out of headers, query strings and bodies, before a row is queued;
//! - [`client_ip`]: the request's IP, trusting `X-Forwarded-For` from configured proxies only;
//! - [`writer`]: the bounded channel the request path `try_send`s to, and the batch inserter;
//! - [`retention`]: background pruning of old rows, in small batches.
//!
//! The guards tell the capture layer what they decided by putting a [`Decision`] (with the
//! caller's [`Identity`]) into the response's extensions: the layer never re-runs a guard.

pub mod capture;
pub mod client_ip;
pub mod export;
pub mod redact;
pub mod retention;
pub mod writer;

use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::auth::{Principal, Tenant};
use crate::rest::caller::{Caller, Via};
use crate::rest::problem::{Problem, ProblemKind, TYPE_BASE};

pub use capture::Capture;

/// Who made a request, as far as authentication established it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    pub company_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    /// `session`, `personal_access_token`, `api_key` or `api_credential`.
    pub credential_kind: Option<&'static str>,
    pub credential_id: Option<Uuid>,
}

impl Identity {
    pub fn of(caller: &Caller) -> Self {
        match caller {
            Caller::User { principal, via } => {
                let mut id = Self::of_principal(principal);
                if *via == Via::Session {
                    id.credential_kind = Some("session");
                    id.credential_id = principal.session_id;
                }
                id
            }
            Caller::ApiKey(key) => Self {
                company_id: Some(key.key.company_id),
                user_id: None,
                credential_kind: Some("api_key"),
                credential_id: Some(key.key.id),
            },
            Caller::ApiCredential(access) => Self {
                company_id: Some(access.company_id),
                user_id: None,
                credential_kind: Some("api_credential"),
                credential_id: Some(access.credential_id),
            },
        }
    }

    /// A Partner API client that authenticated at an OAuth endpoint.
    pub fn of_client(cred: &crate::entity::api_credential::Model) -> Self {
        Self {
            company_id: Some(cred.company_id),
            user_id: None,
            credential_kind: Some("api_credential"),
            credential_id: Some(cred.id),
        }
    }

    /// A user's identity: through a personal token when the principal carries one, else a session.
    pub fn of_principal(principal: &Principal) -> Self {
        let company_id = match principal.tenant {
            Tenant::Company { company_id, .. } => Some(company_id),
            Tenant::Platform | Tenant::Reseller { .. } => None,
        };
        let (kind, id) = match principal.personal_token_id {
            Some(t) => ("personal_access_token", Some(t)),
            None => ("session", principal.session_id),
        };
        Self {
            company_id,
            user_id: Some(principal.user.id),
            credential_kind: Some(kind),
            credential_id: id,
        }
    }
}

/// The guards' verdict on a request, put into the response's extensions for the capture layer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decision {
    /// `None`: allowed; else the guard that refused and why, for a person.
    pub denied: Option<(&'static str, String)>,
    pub identity: Option<Identity>,
}

impl Decision {
    pub fn allowed(identity: Option<Identity>) -> Self {
        Self {
            denied: None,
            identity,
        }
    }

    /// The verdict a refusal stands for: the guard that raises the problem's kind, and its detail.
    pub fn denied(problem: &Problem, identity: Option<Identity>) -> Self {
        let guard = guard_of(&problem.type_uri).unwrap_or("error");
        let why = problem
            .detail
            .clone()
            .unwrap_or_else(|| problem.title.clone());
        Self {
            denied: Some((guard, why)),
            identity,
        }
    }

    /// `allowed`, or `<guard>: <why>`.
    pub fn text(&self) -> String {
        match &self.denied {
            None => "allowed".to_string(),
            Some((guard, why)) => format!("{guard}: {why}"),
        }
    }

    /// The guard that refused, for filtering; `None` when allowed (or for an internal error).
    pub fn denied_by(&self) -> Option<&'static str> {
        self.denied
            .as_ref()
            .map(|(g, _)| *g)
            .filter(|g| *g != "error")
    }
}

/// A refusal as a response that carries its [`Decision`].
pub fn refuse(problem: Problem, identity: Option<Identity>) -> Response {
    let decision = Decision::denied(&problem, identity);
    let mut resp = problem.into_response();
    resp.extensions_mut().insert(decision);
    resp
}

/// The guard that raises each kind of problem (SPEC §4's order). Kinds no guard raises (a
/// handler's validation, a conflict) have none.
const GUARD_OF_KIND: [(ProblemKind, &str); 8] = [
    (ProblemKind::Unauthenticated, "authenticate"),
    (ProblemKind::ApiAccessDisabled, "feature_flag"),
    (ProblemKind::AccessTypeNone, "access_type"),
    (ProblemKind::ReadOnly, "access_type"),
    (ProblemKind::RateLimited, "rate_limit"),
    (ProblemKind::Forbidden, "permission"),
    (ProblemKind::MethodNotAllowed, "permission"),
    (ProblemKind::CompanyRequired, "scope"),
];

/// The guard of a problem's `type` URI.
pub fn guard_of(type_uri: &str) -> Option<&'static str> {
    let slug = type_uri.strip_prefix(TYPE_BASE)?;
    GUARD_OF_KIND
        .iter()
        .find(|(kind, _)| kind.slug() == slug)
        .map(|(_, guard)| *guard)
}

/// What a problem response was, for the capture layer (set by `Problem::into_response`): a
/// handler's refusal after the guards let the request in is a scope decision (a company
/// endpoint called by a hub user, a field an API key may not write).
#[derive(Debug, Clone)]
pub struct ProblemSummary {
    pub type_uri: String,
    pub detail: Option<String>,
}

/// The text of a panic (or another failure the response itself does not describe), put into the
/// response's extensions for the `exception` column.
#[derive(Debug, Clone)]
pub struct Exception(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_name_their_guard() {
        let p = Problem::new(ProblemKind::RateLimited, "company limit 60/min reached");
        let d = Decision::denied(&p, None);
        assert_eq!(d.text(), "rate_limit: company limit 60/min reached");
        assert_eq!(d.denied_by(), Some("rate_limit"));
        let d = Decision::denied(&Problem::internal(), None);
        assert_eq!(d.text(), "error: Internal error");
        assert_eq!(d.denied_by(), None);
        assert_eq!(Decision::allowed(None).text(), "allowed");
        assert_eq!(
            guard_of(&ProblemKind::ReadOnly.type_uri()),
            Some("access_type")
        );
        assert_eq!(guard_of(&ProblemKind::Validation.type_uri()), None);
    }
}
