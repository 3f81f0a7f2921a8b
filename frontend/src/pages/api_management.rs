//! Global Settings → API Management (seed 003), for super admins only: the API URLs (every
//! endpoint of the server's own OpenAPI document, grouped by resource), token creation with an
//! expiry, the existing tokens with Delete (the caller's personal access tokens, as on the
//! Partner API Tokens page, with the same components), and the API usage documentation.

use gloo_net::http::Request;
use leptos::prelude::*;
use shared::openapi::{Document, EndpointGroup};

use crate::{
    app::Forbidden,
    auth,
    components::{
        API_DOCS_URL, EmptyState, ErrorBanner, Loading, NewTokenForm, RevokeWording,
        TokenCreatedDialog, TokenList,
    },
    queries::CreatedPersonalAccessToken,
};

/// Where the server serves its OpenAPI document (public, like the docs).
const OPENAPI_URL: &str = "/api/v1/openapi.json";

async fn endpoint_groups() -> Result<Vec<EndpointGroup>, String> {
    let response = Request::get(OPENAPI_URL)
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|_| {
            "The server could not be reached. Check your connection and try again.".to_string()
        })?;
    if !response.ok() {
        return Err(format!(
            "The API description could not be loaded (HTTP {}).",
            response.status()
        ));
    }
    let doc: Document = response
        .json()
        .await
        .map_err(|_| "The API description could not be read.".to_string())?;
    Ok(doc.endpoint_groups())
}

/// A tag as a heading: `time-off` → "Time off".
fn tag_title(tag: &str) -> String {
    let words = tag.replace(['-', '_'], " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A summary without Markdown's code quotes (the docs page renders them; this list does not).
fn plain(summary: &str) -> String {
    summary.replace('`', "")
}

/// This page's origin (`https://portcullis.example`), so the URLs can be copied whole.
fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

#[component]
pub fn ApiManagementPage() -> impl IntoView {
    let auth = auth::use_auth();
    if !auth.is_super_admin() {
        return view! { <Forbidden /> }.into_any();
    }
    let created = RwSignal::new(None::<CreatedPersonalAccessToken>);
    let reload = RwSignal::new(0u32);

    view! {
        <section class="page api-management">
            <p class="breadcrumb muted">"Global Settings"</p>
            <header class="page-head">
                <div>
                    <h1>"API Management"</h1>
                    <p class="muted">
                        "The platform's API URLs, tokens for integrations, and the API documentation."
                    </p>
                </div>
            </header>
            <div class="stack">
                <section class="card" aria-labelledby="api-urls-title">
                    <h2 id="api-urls-title">"API URLs"</h2>
                    <ApiUrls />
                </section>
                <div class="api-tokens-row">
                    <section class="card" aria-labelledby="token-creation-title">
                        <h2 id="token-creation-title">"Token creation"</h2>
                        <p class="muted small">
                            "The token shares your permissions. It is shown once, right after it is created."
                        </p>
                        <NewTokenForm
                            id="api-token"
                            name_label="Token name"
                            submit_label="Create"
                            on_created=Callback::new(move |token| {
                                created.set(Some(token));
                                reload.update(|n| *n += 1);
                            })
                        />
                    </section>
                    <section class="card" aria-labelledby="api-docs-title">
                        <h2 id="api-docs-title">"API usage docs"</h2>
                        <p>
                            "Available endpoints, request parameters, response formats, authentication and error codes, with interactive testing: authorize with a token, then try any endpoint."
                        </p>
                        <a class="button" href=API_DOCS_URL target="_blank" rel="noopener">
                            "View Documentation"
                        </a>
                    </section>
                </div>
                <section class="card" aria-labelledby="existing-tokens-title">
                    <h2 id="existing-tokens-title">"Existing API tokens"</h2>
                    <TokenList reload=reload wording=RevokeWording::Delete />
                </section>
            </div>
            {move || {
                created
                    .get()
                    .map(|c| {
                        view! {
                            <TokenCreatedDialog
                                created=c
                                on_close=Callback::new(move |_| created.set(None))
                            />
                        }
                    })
            }}
        </section>
    }
    .into_any()
}

/// Every endpoint of the public REST API, grouped by resource, each with its method and path.
#[component]
fn ApiUrls() -> impl IntoView {
    let groups = LocalResource::new(endpoint_groups);
    let base = format!("{}/api/v1", origin());
    view! {
        <p class="muted small">
            "Base URL " <code data-testid="api-base-url">{base}</code>
            ". Every request sends " <code>"Authorization: Bearer <token>"</code> "."
        </p>
        {move || match groups.get() {
            None => view! { <Loading label="Loading the API description…" /> }.into_any(),
            Some(Err(message)) => view! { <ErrorBanner message=message /> }.into_any(),
            Some(Ok(groups)) if groups.is_empty() => view! {
                <EmptyState title="No endpoints" text="The API description lists no endpoint." />
            }
            .into_any(),
            Some(Ok(groups)) => view! {
                <div class="endpoint-groups">
                    {groups
                        .into_iter()
                        .map(|g| {
                            let title_id = format!("endpoints-{}", g.tag);
                            let labelled_by = title_id.clone();
                            view! {
                                <section class="endpoint-group" aria-labelledby=labelled_by>
                                    <h3 id=title_id>{tag_title(&g.tag)}</h3>
                                    {g.description.clone().map(|d| view! { <p class="muted small">{d}</p> })}
                                    <ul class="endpoints">
                                        {g
                                            .endpoints
                                            .into_iter()
                                            .map(|e| {
                                                view! {
                                                    <li class="endpoint" data-testid="endpoint" class:deprecated=e.deprecated>
                                                        <span class=format!("method method-{}", e.method.to_ascii_lowercase())>
                                                            {e.method}
                                                        </span>
                                                        " "
                                                        <code class="endpoint-path">{e.path.clone()}</code>
                                                        {e.summary.as_deref().map(|s| view! { <span class="endpoint-summary muted">{plain(s)}</span> })}
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                    </ul>
                                </section>
                            }
                        })
                        .collect_view()}
                </div>
            }
            .into_any(),
        }}
    }
}
