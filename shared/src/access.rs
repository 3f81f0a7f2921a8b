//! The company's API access type (seed 000, "Access Modes").

use serde::{Deserialize, Serialize};

/// What kind of third-party API operations a company may make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApiAccessType {
    /// The company cannot use the API at all; requests are rejected as unauthorised. The default.
    #[default]
    None,
    /// GET (and HEAD) only; any other method is rejected with "Read access only".
    ReadOnly,
    /// Every method, subject to the caller's permissions.
    ReadWrite,
}

impl ApiAccessType {
    /// All values, in the order the admin UI offers them.
    pub const ALL: [ApiAccessType; 3] = [Self::None, Self::ReadOnly, Self::ReadWrite];

    /// The value as stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ReadOnly => "read_only",
            Self::ReadWrite => "read_write",
        }
    }

    /// Parses the stored form; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The label shown on the radio cards of the API settings section.
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::ReadOnly => "Read only",
            Self::ReadWrite => "Read/write",
        }
    }

    /// What the option means, as the radio card explains it (seed 000, "Access Modes").
    pub fn description(self) -> &'static str {
        match self {
            Self::None => {
                "The company cannot use the API at all. All API requests are rejected with an \
                 unauthorised error."
            }
            Self::ReadOnly => {
                "GET requests to retrieve data only: creating, updating or deleting anything is \
                 rejected with \"Read access only\"."
            }
            Self::ReadWrite => {
                "Full API access: every request method is permitted, subject to the user's \
                 permissions and role."
            }
        }
    }

    /// Whether any API access is granted (the rate-limit and delay fields are shown only then).
    pub fn is_enabled(self) -> bool {
        self != Self::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_storage_form() {
        for v in ApiAccessType::ALL {
            assert_eq!(ApiAccessType::parse(v.as_str()), Some(v));
        }
        assert_eq!(ApiAccessType::parse("READ_ONLY"), None);
        assert!(!ApiAccessType::None.is_enabled());
        assert!(ApiAccessType::ReadOnly.is_enabled());
    }
}
