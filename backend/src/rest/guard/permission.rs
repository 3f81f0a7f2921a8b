//! Guard 5, permission: the caller's permissions must allow this endpoint and action (SPEC §4.5).
//!
//! Users (sessions and personal tokens) need the permission of their role, e.g.
//! `employees.read`; a Partner API credential needs it in its token's scope, which verification
//! has already narrowed to what the credential's role grants now; an API key needs a grant of
//! the action on the endpoint. The failure names what is missing, so an integrator knows what to
//! ask their administrator for.

use shared::api::{ApiAction, ApiEndpoint};
use shared::permissions as perm;

use crate::rest::caller::Caller;
use crate::rest::problem::{Problem, ProblemKind};

/// The permission an endpoint and action need from a user or a credential; `None` for a
/// combination the API does not offer.
pub fn required(endpoint: ApiEndpoint, action: ApiAction) -> Option<&'static str> {
    use ApiAction::*;
    use ApiEndpoint::*;
    Some(match (endpoint, action) {
        (Company, Read) => perm::COMPANY_READ,
        (Employees, Read) => perm::EMPLOYEES_READ,
        (Employees, Create) => perm::EMPLOYEES_CREATE,
        (Employees, Update) => perm::EMPLOYEES_UPDATE,
        (Employees, Delete) => perm::EMPLOYEES_DELETE,
        (TimeOff, Read) => perm::TIME_OFF_READ,
        (TimeOff, Create) => perm::TIME_OFF_CREATE,
        (TimeOff, Update) => perm::TIME_OFF_UPDATE,
        (TimeOff, Delete) => perm::TIME_OFF_DELETE,
        (Documents, Read) => perm::DOCUMENTS_READ,
        (Documents, Create) => perm::DOCUMENTS_CREATE,
        (Documents, Delete) => perm::DOCUMENTS_DELETE,
        (Documents, Download) => perm::DOCUMENTS_DOWNLOAD,
        (Users, Read) => perm::USERS_READ,
        _ => return None,
    })
}

pub fn missing_permission(permission: &str) -> Problem {
    Problem::new(
        ProblemKind::Forbidden,
        format!("missing permission {permission}"),
    )
    .with("missing", permission)
}

pub fn check(caller: &Caller, endpoint: ApiEndpoint, action: ApiAction) -> Result<(), Problem> {
    let Some(permission) = required(endpoint, action) else {
        return Err(Problem::new(
            ProblemKind::MethodNotAllowed,
            format!(
                "endpoint {} does not support action {}",
                endpoint.name(),
                action.name()
            ),
        ));
    };
    let allowed = match caller {
        Caller::User { principal, .. } => principal.has(permission),
        Caller::ApiCredential(access) => access.has(permission),
        Caller::ApiKey(key) => {
            return if key.grant(endpoint).is_some_and(|g| g.allows(action)) {
                Ok(())
            } else {
                Err(Problem::new(
                    ProblemKind::Forbidden,
                    format!(
                        "the API key has no {} grant on endpoint {}",
                        action.name(),
                        endpoint.name()
                    ),
                )
                .with("missing", format!("{}:{}", endpoint.name(), action.name())))
            };
        }
    };
    if allowed {
        Ok(())
    } else {
        Err(missing_permission(permission))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_supported_action_has_a_catalogued_permission() {
        for e in ApiEndpoint::ALL {
            for a in ApiAction::ALL {
                let p = required(e, a);
                assert_eq!(p.is_some(), e.supports(a), "{e:?} {a:?}");
                if let Some(p) = p {
                    assert!(perm::find(p).is_some(), "{p} is catalogued");
                }
            }
        }
    }
}
