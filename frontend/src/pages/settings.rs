//! Settings: a small overview ("Organisation → Partner API", "API → API V2 keys", each shown to
//! those allowed) and what the settings pages share: which company they are about. A company
//! user's settings are their own company's; hub users reach one company's settings from its edit
//! page (`?company=<id>`) or pick one here.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::Deserialize;
use serde_json::json;
use shared::permissions as p;

use crate::{
    api,
    app::Forbidden,
    auth::{self, Me},
    components::CompanyPicker,
    queries::{self, Company},
};

/// Whether a user has any settings page: the navigation shows "Settings" to them.
pub fn has_settings(me: &Me) -> bool {
    me.can(p::API_CREDENTIALS_MANAGE) || me.can(p::API_KEYS_MANAGE)
}

/// A settings page's address for the company in view: hub users carry it in `?company=`.
pub fn settings_href(path: &str, company: Option<&str>) -> String {
    let auth = auth::use_auth();
    match company {
        Some(id) if auth.is_hub() => format!("{path}?company={id}"),
        _ => path.to_string(),
    }
}

#[derive(Clone, Deserialize)]
struct CompanyData {
    company: Option<Company>,
}

/// Resolves the company a settings page is about into `selected`, and shows which one it is:
/// nothing for a company user (their own), the company's name (with a link back to it) for a
/// hub user who came with `?company=`, else a company picker.
#[component]
pub fn SettingsCompany(selected: RwSignal<Option<String>>) -> impl IntoView {
    let auth = auth::use_auth();
    let query = use_query_map();
    let from_query = auth
        .is_hub()
        .then(|| query.with_untracked(|q| q.get("company")))
        .flatten()
        .filter(|id| !id.is_empty());
    let Some(id) = from_query else {
        return view! { <CompanyPicker selected=selected /> }.into_any();
    };
    selected.set(Some(id.clone()));
    let company_id = id.clone();
    let company = LocalResource::new(move || {
        let id = company_id.clone();
        async move {
            api::call::<_, CompanyData>(&queries::company(), json!({ "id": id }))
                .await
                .map(|d| d.company)
        }
    });
    view! {
        <p class="toolbar settings-company" data-testid="settings-company">
            <span class="muted">"Company:"</span>
            <a href=format!("/companies/{id}")>
                {move || match company.get() {
                    Some(Ok(Some(c))) => c.name,
                    Some(Ok(None)) => "not found".to_string(),
                    Some(Err(_)) | None => "…".to_string(),
                }}
            </a>
        </p>
    }
    .into_any()
}

/// The "Back to Settings" link at the top of a settings page (seed 001).
#[component]
pub fn BackToSettings(company: RwSignal<Option<String>>) -> impl IntoView {
    let href = move || settings_href("/settings", company.get().as_deref());
    view! { <a href=href class="back-link">"← Back to Settings"</a> }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let auth = auth::use_auth();
    let can_credentials = auth.can(p::API_CREDENTIALS_MANAGE);
    let can_keys = auth.can(p::API_KEYS_MANAGE);
    if !(can_credentials || can_keys) {
        return view! { <Forbidden /> }.into_any();
    }
    let company = RwSignal::new(None::<String>);
    let link = move |path: &'static str| move || settings_href(path, company.get().as_deref());
    view! {
        <section class="page">
            <header class="page-head">
                <div>
                    <h1>"Settings"</h1>
                    <p class="muted">"How external systems connect to the company's data."</p>
                </div>
            </header>
            <SettingsCompany selected=company />
            <div class="settings-sections">
                <Show when=move || can_credentials>
                    <section class="settings-section" aria-labelledby="settings-organisation">
                        <h2 id="settings-organisation">"Organisation"</h2>
                        <a class="card link-card" href=link("/settings/partner-api")>
                            <h3>"Partner API"</h3>
                            <p class="muted">
                                "Client credentials (OAuth 2.0) for integrations: create, regenerate and revoke them."
                            </p>
                        </a>
                    </section>
                </Show>
                <Show when=move || can_keys>
                    <section class="settings-section" aria-labelledby="settings-api">
                        <h2 id="settings-api">"API"</h2>
                        <a class="card link-card" href=link("/settings/api-keys")>
                            <h3>"API V2 keys"</h3>
                            <p class="muted">
                                "Scoped keys: choose the endpoints, actions and fields each key may use."
                            </p>
                        </a>
                    </section>
                </Show>
            </div>
        </section>
    }
    .into_any()
}

/// The company edit page's links to that company's Partner API and API V2 keys, for hub users
/// allowed to manage them.
#[component]
pub fn CompanySettingsLinks(company_id: String) -> impl IntoView {
    let auth = auth::use_auth();
    let credentials = auth.can(p::API_CREDENTIALS_MANAGE).then(|| {
        view! {
            <a class="button" href=format!("/settings/partner-api?company={company_id}")>"Partner API"</a>
        }
    });
    let keys = auth.can(p::API_KEYS_MANAGE).then(|| {
        view! {
            <a class="button" href=format!("/settings/api-keys?company={company_id}")>"API V2 keys"</a>
        }
    });
    view! { <nav class="head-actions" aria-label="Company settings">{credentials}{keys}</nav> }
}
