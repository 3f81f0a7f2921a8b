//! One feature flag as a row with a switch, and its funnelled state in words (SPEC §2): a flag
//! is in force for a company only when the company *and* its reseller have it on.

use leptos::prelude::*;

use shared::features::FunnelState;

use crate::queries::Feature;

/// A flag's switch. `reseller_enabled` is `Some` on a company page (so the funnelled state is
/// explained) and `None` on a reseller page. `on_toggle` receives the wanted state.
#[component]
pub fn FeatureFlagRow(
    feature: Feature,
    reseller_enabled: Option<bool>,
    #[prop(into)] disabled: Signal<bool>,
    on_toggle: Callback<bool>,
) -> impl IntoView {
    let state = FunnelState::of(feature.enabled, feature.effective, reseller_enabled);
    let badge_class = match state {
        FunnelState::Active => "badge ok",
        FunnelState::OffForReseller | FunnelState::NotInForce => "badge warn",
        FunnelState::Off => "badge muted",
    };
    let status = state.label();
    let input_id = format!("flag-{}", feature.flag);
    let enabled = feature.enabled;
    view! {
        <div class="flag-row" data-testid=format!("feature-{}", feature.flag)>
            <div class="flag-text">
                <label for=input_id.clone() class="flag-label">{feature.label.clone()}</label>
                <p class="hint">{feature.description.clone()}</p>
            </div>
            <span class=badge_class data-testid="feature-status">{status}</span>
            <label class="switch">
                <input
                    type="checkbox"
                    role="switch"
                    id=input_id
                    prop:checked=enabled
                    disabled=move || disabled.get()
                    on:change=move |ev| on_toggle.run(event_target_checked(&ev))
                />
                <span class="switch-track" aria-hidden="true"></span>
            </label>
        </div>
    }
}
