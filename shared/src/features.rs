//! Feature flags, set on resellers and companies and "funnelled" (SPEC §2): a flag is effective
//! for a company only when it is enabled on the company *and* on its reseller.

/// A flag the platform knows. Unknown names are rejected, so a typo cannot create a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureFlag {
    pub key: &'static str,
    pub label: &'static str,
    pub description: &'static str,
}

/// Gates the whole third-party API for a company (seed 000).
pub const API_ACCESS: &str = "api_access";

/// Every flag, in display order.
pub const FEATURE_FLAGS: &[FeatureFlag] = &[FeatureFlag {
    key: API_ACCESS,
    label: "API Access",
    description: "Allows the company to integrate through the public API. \
                  Effective only when the reseller has it enabled too.",
}];

/// Looks a flag up by key.
pub fn find(key: &str) -> Option<&'static FeatureFlag> {
    FEATURE_FLAGS.iter().find(|f| f.key == key)
}

/// The funnelling rule in one place: effective for a company iff on for the company and its reseller.
pub fn effective_for_company(company_enabled: bool, reseller_enabled: bool) -> bool {
    company_enabled && reseller_enabled
}

/// How a company's flag stands once funnelled, as the admin SPA shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunnelState {
    /// On for the company and its reseller: in force.
    Active,
    /// On for the company, off for its reseller: not in force.
    OffForReseller,
    /// On for the company but not in force for another reason (or the reseller's state unknown).
    NotInForce,
    /// Off for the company.
    Off,
}

impl FunnelState {
    /// From the company's `enabled` and `effective` and, when known, its reseller's `enabled`.
    pub fn of(enabled: bool, effective: bool, reseller_enabled: Option<bool>) -> Self {
        match (enabled, effective, reseller_enabled) {
            (false, _, _) => Self::Off,
            (true, true, _) => Self::Active,
            (true, false, Some(false)) => Self::OffForReseller,
            (true, false, _) => Self::NotInForce,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::OffForReseller => "Enabled here, but off for the reseller",
            Self::NotInForce => "Enabled here, but not in force",
            Self::Off => "Off",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn funnel_states_name_the_reason() {
        assert_eq!(FunnelState::of(true, true, Some(true)), FunnelState::Active);
        assert_eq!(
            FunnelState::of(true, false, Some(false)),
            FunnelState::OffForReseller
        );
        assert_eq!(
            FunnelState::OffForReseller.label(),
            "Enabled here, but off for the reseller"
        );
        assert_eq!(FunnelState::of(true, false, None), FunnelState::NotInForce);
        assert_eq!(FunnelState::of(false, false, Some(true)), FunnelState::Off);
        assert_eq!(FunnelState::of(false, false, Some(false)), FunnelState::Off);
    }

    #[test]
    fn funnelling_needs_both_levels() {
        assert!(effective_for_company(true, true));
        assert!(!effective_for_company(true, false));
        assert!(!effective_for_company(false, true));
        assert!(!effective_for_company(false, false));
    }

    #[test]
    fn api_access_is_known() {
        assert!(find(API_ACCESS).is_some());
        assert!(find("api-access").is_none());
    }
}
