//! A company's edit page: its name, the **API settings** section of seed 000 (access type as
//! radio cards; rate limit with the reseller's cap shown and enforced; the delay between
//! requests with the seed's help text; both hidden for None) and its feature flags with the
//! funnelled state ("enabled here, but off for the reseller").

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::Deserialize;
use serde_json::json;
use shared::{ApiAccessType, features, forms, permissions as p};

use crate::{
    api::{self, FormErrors},
    app::Forbidden,
    auth,
    components::{ConfirmDialog, ErrorBanner, FeatureFlagRow, FieldError, Loading},
    queries::{self, Company},
};

/// Seed 000's help text of the delay field, word for word.
pub const DELAY_HELP: &str = "The recommended interval between subsequent requests to the same \
endpoint. This is strictly enforced by our mobile apps. An empty value allows the apps to decide \
freely.";

#[derive(Clone, Deserialize)]
struct CompanyData {
    company: Option<Company>,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdatedData {
    update_company: Company,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FeatureData {
    set_company_feature: Company,
}

#[component]
pub fn CompanyEditPage() -> impl IntoView {
    let auth = auth::use_auth();
    let params = use_params_map();
    if !(auth.can(p::COMPANIES_READ) && auth.is_hub()) {
        return view! { <Forbidden /> }.into_any();
    }
    let company = LocalResource::new(move || {
        let id = params.read().get("id").unwrap_or_default();
        async move {
            api::call::<_, CompanyData>(&queries::company(), json!({ "id": id }))
                .await
                .map(|d| d.company)
        }
    });
    view! {
        <section class="page">
            <a href="/companies" class="back-link">"← Companies"</a>
            {move || match company.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBanner message=api::first_message(&e) /> }.into_any(),
                Some(Ok(None)) => view! {
                    <h1>"Company not found"</h1>
                    <p class="muted">"It does not exist, or it is outside your reach."</p>
                }
                .into_any(),
                Some(Ok(Some(c))) => view! { <CompanyEditor initial=c /> }.into_any(),
            }}
        </section>
    }
    .into_any()
}

/// The checked form (`shared::forms::company_settings`) as `UpdateCompanyInput`; or every
/// field's error at once.
fn validate(
    name: &str,
    access: ApiAccessType,
    rate: &str,
    delay: &str,
    ceiling: i32,
) -> Result<serde_json::Value, FormErrors> {
    let settings =
        forms::company_settings(name, access, rate, delay, ceiling).map_err(|errors| {
            FormErrors {
                fields: errors
                    .into_iter()
                    .map(|e| (e.field.to_string(), e.message))
                    .collect(),
                general: Vec::new(),
            }
        })?;
    let mut input = json!({ "name": settings.name, "apiAccessType": settings.api_access_type });
    if let Some(rate) = settings.api_rate_limit {
        input["apiRateLimit"] = json!(rate);
    }
    if let Some(delay) = settings.api_request_delay_seconds {
        input["apiRequestDelaySeconds"] = json!(delay);
    }
    Ok(input)
}

#[component]
fn CompanyEditor(initial: Company) -> impl IntoView {
    let auth = auth::use_auth();
    let can_edit = move || auth.can(p::COMPANIES_EDIT);
    let reseller_name = initial.reseller.name.clone();
    let company = RwSignal::new(initial.clone());
    // The reseller's ceiling as last read: it can drop while the page is open (see below).
    let ceiling = Memo::new(move |_| company.with(|c| c.reseller.api_rate_limit));

    let name = RwSignal::new(initial.name.clone());
    let access = RwSignal::new(initial.api_access_type);
    let rate = RwSignal::new(initial.api_rate_limit.to_string());
    let delay = RwSignal::new(
        initial
            .api_request_delay_seconds
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    let errors = RwSignal::new(FormErrors::default());
    let saved = RwSignal::new(false);

    let id = initial.id.clone();
    let save = Action::new_local(move |input: &serde_json::Value| {
        let variables = json!({ "id": id, "input": input });
        async move { api::call::<_, UpdatedData>(&queries::update_company(), variables).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(d)) => {
            company.set(d.update_company);
            errors.set(FormErrors::default());
            saved.set(true);
        }
        Some(Err(e)) => {
            saved.set(false);
            let found = FormErrors::from_server(&e);
            // The server measured the rate limit against the reseller's current ceiling, which
            // may have dropped since the page was loaded: re-read it, so the hint and the
            // form's own check use the same number as the server's message.
            if found.fields.contains_key("apiRateLimit") {
                let id = company.get_untracked().id;
                leptos::task::spawn_local(async move {
                    if let Ok(CompanyData {
                        company: Some(fresh),
                    }) =
                        api::call::<_, CompanyData>(&queries::company(), json!({ "id": id })).await
                    {
                        company.update(|c| c.reseller = fresh.reseller);
                    }
                });
            }
            errors.set(found);
        }
        None => {}
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        match validate(
            &name.get_untracked(),
            access.get_untracked(),
            &rate.get_untracked(),
            &delay.get_untracked(),
            ceiling.get_untracked(),
        ) {
            Ok(input) => {
                errors.set(FormErrors::default());
                save.dispatch(input);
            }
            Err(found) => errors.set(found),
        }
    };
    // Editing a field clears the message about it (and the "Saved" note).
    let touched = move |field: &'static str| {
        saved.set(false);
        errors.update(|e| {
            e.fields.remove(field);
        });
    };
    let field_error = move |field: &'static str| Signal::derive(move || errors.get().field(field));
    let invalid =
        move |field: &'static str| errors.with(|e| e.fields.contains_key(field)).to_string();

    view! {
        <header class="page-head">
            <div>
                <h1>{move || company.get().name}</h1>
                <p class="muted">{format!("Reseller: {reseller_name}")}</p>
            </div>
            <super::settings::CompanySettingsLinks company_id=initial.id.clone() />
        </header>
        <form class="stack" on:submit=on_submit novalidate>
            <fieldset class="card" disabled=move || !can_edit()>
                <h2>"General"</h2>
                {move || errors.get().general.first().cloned().map(|m| view! { <ErrorBanner message=m /> })}
                <div class="field">
                    <label for="company-name">"Name"</label>
                    <input
                        id="company-name"
                        type="text"
                        aria-describedby="company-name-error"
                                aria-invalid=move || invalid("name")
                        bind:value=name
                        on:input=move |_| touched("name")
                    />
                    <FieldError id="company-name-error" message=field_error("name") />
                </div>
            </fieldset>

            <fieldset class="card" disabled=move || !can_edit()>
                <h2 id="api-settings">"API settings"</h2>
                <p class="hint">
                    "Whether the company can use the public API, what kind of access it has, and how many \
                     requests it can make."
                </p>
                <div class="radio-cards" role="radiogroup" aria-labelledby="api-settings">
                    {ApiAccessType::ALL
                        .into_iter()
                        .map(|t| {
                            view! {
                                <label class="radio-card" class:selected=move || access.get() == t>
                                    <input
                                        type="radio"
                                        name="api-access-type"
                                        value=t.as_str()
                                        prop:checked=move || access.get() == t
                                        on:change=move |_| {
                                            access.set(t);
                                            touched("apiAccessType");
                                        }
                                    />
                                    <span class="radio-card-title">{t.label()}</span>
                                    <span class="radio-card-text">{t.description()}</span>
                                </label>
                            }
                        })
                        .collect_view()}
                </div>
                <FieldError id="api-access-type-error" message=field_error("apiAccessType") />
                <Show when=move || access.get().is_enabled()>
                    <div class="field-row">
                        <div class="field">
                            <label for="api-rate-limit">"API rate limit (requests per minute)"</label>
                            <input
                                id="api-rate-limit"
                                type="number"
                                inputmode="numeric"
                                min="1"
                                max=move || ceiling.get()
                                aria-describedby="api-rate-limit-hint api-rate-limit-error"
                                aria-invalid=move || invalid("apiRateLimit")
                                bind:value=rate
                                on:input=move |_| touched("apiRateLimit")
                            />
                            <p class="hint" id="api-rate-limit-hint" data-testid="rate-limit-cap">
                                {move || {
                                    format!(
                                        "At most {} requests per minute: the reseller's limit.",
                                        forms::thousands(ceiling.get().into()),
                                    )
                                }}
                            </p>
                            <FieldError id="api-rate-limit-error" message=field_error("apiRateLimit") />
                        </div>
                        <div class="field">
                            <label for="api-delay">"API delay between requests (seconds)"</label>
                            <input
                                id="api-delay"
                                type="number"
                                inputmode="numeric"
                                min="0"
                                placeholder="Apps decide"
                                aria-describedby="api-delay-hint api-delay-error"
                                aria-invalid=move || invalid("apiRequestDelaySeconds")
                                bind:value=delay
                                on:input=move |_| touched("apiRequestDelaySeconds")
                            />
                            <p class="hint" id="api-delay-hint">{DELAY_HELP}</p>
                            <FieldError id="api-delay-error" message=field_error("apiRequestDelaySeconds") />
                        </div>
                    </div>
                    <p class="muted small">
                        {move || {
                            let c = company.get();
                            format!(
                                "In force now: {} requests per minute.",
                                forms::thousands(c.effective_api_rate_limit.into()),
                            )
                        }}
                    </p>
                </Show>
            </fieldset>
            <Show when=can_edit>
                <div class="form-actions sticky-actions">
                    <Show when=move || saved.get()>
                        <span class="saved" role="status">"Saved"</span>
                    </Show>
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>
                        {move || if save.pending().get() { "Saving…" } else { "Save" }}
                    </button>
                </div>
            </Show>
        </form>
        <CompanyFeatures company=company />
    }
}

/// The company's feature flags, each with its funnelled state. Turning a flag off asks first
/// (for API Access it cuts every integration off).
#[component]
fn CompanyFeatures(company: RwSignal<Company>) -> impl IntoView {
    let auth = auth::use_auth();
    let error = RwSignal::new(None::<String>);
    let confirm_off = RwSignal::new(None::<String>);
    let toggle = Action::new_local(move |(flag, enabled): &(String, bool)| {
        let variables =
            json!({ "id": company.get_untracked().id, "flag": flag, "enabled": enabled });
        async move { api::call::<_, FeatureData>(&queries::set_company_feature(), variables).await }
    });
    Effect::new(move |_| match toggle.value().get() {
        Some(Ok(d)) => {
            error.set(None);
            company.set(d.set_company_feature);
        }
        Some(Err(e)) => error.set(Some(api::first_message(&e))),
        None => {}
    });
    let busy = Signal::derive(move || toggle.pending().get() || !auth.can(p::COMPANIES_EDIT));

    view! {
        <section class="card">
            <h2>"Feature flags"</h2>
            <p class="hint">
                "A feature is in force for the company only when it is enabled here and for its reseller."
            </p>
            {move || error.get().map(|m| view! { <ErrorBanner message=m /> })}
            {move || {
                let c = company.get();
                c.features
                    .iter()
                    .map(|f| {
                        let reseller_enabled = c
                            .reseller
                            .features
                            .iter()
                            .find(|r| r.flag == f.flag)
                            .map(|r| r.enabled);
                        let flag = f.flag.clone();
                        view! {
                            <FeatureFlagRow
                                feature=f.clone()
                                reseller_enabled=reseller_enabled
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
                        let message = if flag == features::API_ACCESS {
                            "Every API request of this company will be rejected until the flag is turned on again."
                                .to_string()
                        } else {
                            format!("The company loses {label} until it is turned on again.")
                        };
                        let cancel = Callback::new(move |_| {
                            confirm_off.set(None);
                            // The switch already moved: put it back by re-reading the state.
                            company.update(|_| {});
                        });
                        view! {
                            <ConfirmDialog
                                title=format!("Turn off {label}?")
                                message=message
                                confirm_label="Turn off"
                                danger=true
                                on_cancel=cancel
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
