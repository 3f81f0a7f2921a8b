//! The landing page after sign-in: where this user can go, and the not-found page.

use leptos::prelude::*;

use crate::{app::nav_for, auth};

/// What each section is for, shown on the landing page's cards.
fn describe(href: &str) -> &'static str {
    match href {
        "/resellers" => "Rate-limit ceilings and feature flags of the resellers.",
        "/companies" => "API access type, rate limits, request delay and feature flags.",
        "/users" => "Who can sign in, with which role and visibility groups.",
        "/roles" => "Named permission sets, including custom least-privilege roles.",
        "/visibility-groups" => "Limit users (and their tokens) to some departments.",
        "/api-logs" => "Every API request: filters, charts, top endpoints, details and CSV export.",
        "/tokens" => "Your personal access tokens for third-party API calls.",
        "/global-settings/api-management" => {
            "API Management: API URLs, integration tokens, API docs."
        }
        "/settings" => "Partner API credentials and API V2 keys for integrations.",
        _ => "",
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let auth = auth::use_auth();
    view! {
        <section class="page">
            {move || {
                auth.me
                    .get()
                    .map(|me| {
                        let items = nav_for(&me);
                        view! {
                            <header class="page-head">
                                <div>
                                    <h1>{format!("Welcome, {}", me.name)}</h1>
                                    <p class="muted">{format!("{} · {}", me.role.name, me.tenant_label())}</p>
                                </div>
                            </header>
                            <div class="cards">
                                {items
                                    .into_iter()
                                    .map(|item| {
                                        view! {
                                            <a class="card link-card" href=item.href>
                                                <h2>{item.label}</h2>
                                                <p class="muted">{describe(item.href)}</p>
                                            </a>
                                        }
                                    })
                                    .collect_view()}
                            </div>
                        }
                    })
            }}
        </section>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <div class="page-center">
            <div class="card">
                <h1>"Page not found"</h1>
                <p class="muted">"There is nothing at this address."</p>
                <a class="button primary" href="/">"Go to the start page"</a>
            </div>
        </div>
    }
}
