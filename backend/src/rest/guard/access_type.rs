//! Guard 3, access type (third-party credentials only, SPEC §4.3, seed 000 "Access Modes"):
//! `none` rejects every request as unauthorised; `read_only` lets through only methods that do
//! not change anything (GET, HEAD); `read_write` lets everything through to the permission guard.
//! First-party sessions skip this guard: the company's own apps keep working whatever it sells
//! to integrators.

use shared::ApiAccessType;

use crate::rest::problem::{Problem, ProblemKind};

/// The detail text seed 000 specifies for a write under read-only access.
pub const READ_ONLY_DETAIL: &str = "Read access only";

/// `writes`: whether the request changes anything (a method other than GET or HEAD; a GraphQL
/// mutation).
pub fn check(access: ApiAccessType, writes: bool) -> Result<(), Problem> {
    match access {
        ApiAccessType::None => Err(Problem::new(
            ProblemKind::AccessTypeNone,
            "the company's API access type is none: the public API is not available to it",
        )),
        ApiAccessType::ReadOnly if writes => {
            Err(Problem::new(ProblemKind::ReadOnly, READ_ONLY_DETAIL))
        }
        ApiAccessType::ReadOnly | ApiAccessType::ReadWrite => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::guard::writes;
    use axum::http::Method;

    #[test]
    fn table() {
        use ApiAccessType::*;
        let cases = [
            (None, Method::GET, Some(401)),
            (None, Method::POST, Some(401)),
            (ReadOnly, Method::GET, Option::None),
            (ReadOnly, Method::HEAD, Option::None),
            (ReadOnly, Method::POST, Some(403)),
            (ReadOnly, Method::PATCH, Some(403)),
            (ReadOnly, Method::DELETE, Some(403)),
            (ReadWrite, Method::DELETE, Option::None),
        ];
        for (access, method, want) in cases {
            let got = check(access, writes(&method)).err().map(|p| p.status);
            assert_eq!(got, want, "{access:?} {method}");
        }
        let p = check(ReadOnly, writes(&Method::PUT)).expect_err("write");
        assert_eq!(p.detail.as_deref(), Some(READ_ONLY_DETAIL));
    }
}
