//! A reseller's edit page: name, rate-limit ceiling (1 to 1,200), and its feature flags, which
//! funnel down to its companies.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::Deserialize;
use serde_json::json;
use shared::{features, forms, limits, permissions as p};

use crate::{
    api::{self, FormErrors},
    app::Forbidden,
    auth,
    components::{ConfirmDialog, ErrorBanner, FeatureFlagRow, FieldError, Loading},
    queries::{self, Reseller},
};

#[derive(Clone, Deserialize)]
struct ResellerData {
    reseller: Option<Reseller>,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdatedData {
    update_reseller: Reseller,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FeatureData {
    set_reseller_feature: Reseller,
}

#[component]
pub fn ResellerEditPage() -> impl IntoView {
    let auth = auth::use_auth();
    let params = use_params_map();
    if !(auth.can(p::RESELLERS_READ) && auth.is_hub()) {
        return view! { <Forbidden /> }.into_any();
    }
    let reseller = LocalResource::new(move || {
        let id = params.read().get("id").unwrap_or_default();
        async move {
            api::call::<_, ResellerData>(&queries::reseller(), json!({ "id": id }))
                .await
                .map(|d| d.reseller)
        }
    });
    view! {
        <section class="page">
            <a href="/resellers" class="back-link">"← Resellers"</a>
            {move || match reseller.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBanner message=api::first_message(&e) /> }.into_any(),
                Some(Ok(None)) => view! {
                    <h1>"Reseller not found"</h1>
                    <p class="muted">"It does not exist, or it is outside your reach."</p>
                }
                .into_any(),
                Some(Ok(Some(r))) => view! { <ResellerEditor initial=r /> }.into_any(),
            }}
        </section>
    }
    .into_any()
}

#[component]
fn ResellerEditor(initial: Reseller) -> impl IntoView {
    let auth = auth::use_auth();
    let can_edit = move || auth.can(p::RESELLERS_EDIT);
    let reseller = RwSignal::new(initial.clone());
    let name = RwSignal::new(initial.name.clone());
    let rate = RwSignal::new(initial.api_rate_limit.to_string());
    let errors = RwSignal::new(FormErrors::default());
    let saved = RwSignal::new(false);
    let id = initial.id.clone();
    let save = Action::new_local(move |input: &serde_json::Value| {
        let variables = json!({ "id": id, "input": input });
        async move { api::call::<_, UpdatedData>(&queries::update_reseller(), variables).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(d)) => {
            reseller.set(d.update_reseller);
            errors.set(FormErrors::default());
            saved.set(true);
        }
        Some(Err(e)) => {
            saved.set(false);
            errors.set(FormErrors::from_server(&e));
        }
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let mut found = FormErrors::default();
        let n = forms::name("name", &name.get_untracked());
        let r = forms::reseller_rate_limit(&rate.get_untracked());
        for e in [n.as_ref().err(), r.as_ref().err()].into_iter().flatten() {
            found.fields.insert(e.field.into(), e.message.clone());
        }
        errors.set(found);
        if let (Ok(n), Ok(r)) = (n, r) {
            save.dispatch(json!({ "name": n, "apiRateLimit": r }));
        }
    };

    let flag_error = RwSignal::new(None::<String>);
    let confirm_off = RwSignal::new(None::<String>);
    let toggle = Action::new_local(move |(flag, enabled): &(String, bool)| {
        let variables =
            json!({ "id": reseller.get_untracked().id, "flag": flag, "enabled": enabled });
        async move { api::call::<_, FeatureData>(&queries::set_reseller_feature(), variables).await }
    });
    Effect::new(move |_| match toggle.value().get() {
        Some(Ok(d)) => {
            flag_error.set(None);
            reseller.set(d.set_reseller_feature);
        }
        Some(Err(e)) => flag_error.set(Some(api::first_message(&e))),
        None => {}
    });
    let busy = Signal::derive(move || toggle.pending().get() || !auth.can(p::RESELLERS_EDIT));

    view! {
        <header class="page-head">
            <h1>{move || reseller.get().name}</h1>
        </header>
        <form class="stack" on:submit=on_submit novalidate>
            <fieldset class="card" disabled=move || !can_edit()>
                <h2>"Settings"</h2>
                {move || errors.get().general.first().cloned().map(|m| view! { <ErrorBanner message=m /> })}
                <div class="field">
                    <label for="reseller-name">"Name"</label>
                    <input id="reseller-name" type="text" aria-describedby="reseller-name-error"
                        aria-invalid=move || errors.with(|e| e.fields.contains_key("name")).to_string() bind:value=name />
                    <FieldError id="reseller-name-error" message=Signal::derive(move || errors.get().field("name")) />
                </div>
                <div class="field">
                    <label for="reseller-rate">"API rate-limit ceiling (requests per minute)"</label>
                    <input
                        id="reseller-rate"
                        type="number"
                        inputmode="numeric"
                        min=limits::RESELLER_RATE_LIMIT_MIN
                        max=limits::RESELLER_RATE_LIMIT_MAX
                        aria-describedby="reseller-rate-hint reseller-rate-error"
                        aria-invalid=move || errors.with(|e| e.fields.contains_key("apiRateLimit")).to_string()
                        bind:value=rate
                    />
                    <p class="hint" id="reseller-rate-hint">
                        {format!(
                            "At most {} requests per minute. Companies keep their own limit, but never more than this.",
                            forms::thousands(limits::RESELLER_RATE_LIMIT_MAX.into()),
                        )}
                    </p>
                    <FieldError id="reseller-rate-error" message=Signal::derive(move || errors.get().field("apiRateLimit")) />
                </div>
            </fieldset>
            <Show when=can_edit>
                <div class="form-actions">
                    <Show when=move || saved.get()>
                        <span class="saved" role="status">"Saved"</span>
                    </Show>
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>
                        {move || if save.pending().get() { "Saving…" } else { "Save" }}
                    </button>
                </div>
            </Show>
        </form>
        <section class="card">
            <h2>"Feature flags"</h2>
            <p class="hint">"A company gets a feature only when it is on here and on the company."</p>
            {move || flag_error.get().map(|m| view! { <ErrorBanner message=m /> })}
            {move || {
                reseller
                    .get()
                    .features
                    .into_iter()
                    .map(|f| {
                        let flag = f.flag.clone();
                        view! {
                            <FeatureFlagRow
                                feature=f
                                reseller_enabled=None
                                disabled=busy
                                on_toggle=Callback::new(move |on: bool| {
                                    if on {
                                        toggle.dispatch((flag.clone(), true));
                                    } else {
                                        confirm_off.set(Some(flag.clone()));
                                    }
                                })
                            />
                        }
                    })
                    .collect_view()
            }}
            {move || {
                confirm_off
                    .get()
                    .map(|flag| {
                        let label = features::find(&flag).map_or(flag.clone(), |f| f.label.to_string());
                        view! {
                            <ConfirmDialog
                                title=format!("Turn off {label} for the reseller?")
                                message=format!(
                                    "Every company of this reseller loses {label}, whatever its own setting.",
                                )
                                confirm_label="Turn off"
                                danger=true
                                on_cancel=Callback::new(move |_| {
                                    confirm_off.set(None);
                                    reseller.update(|_| {});
                                })
                                on_confirm=Callback::new(move |_| {
                                    confirm_off.set(None);
                                    toggle.dispatch((flag.clone(), false));
                                })
                            />
                        }
                    })
            }}
        </section>
    }
}
