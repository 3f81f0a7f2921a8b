//! API Logs (SPEC §5, seed 000): the filter bar, summary cards, charts (requests and errors over
//! time, latency percentiles, status classes), the three top-10 tables, the paginated log list
//! with a detail drawer, and the CSV export of the filtered rows.
//!
//! **The address is the state.** Every filter lives in the query string
//! (`shared::log_filters::LogFilters`): changing a filter navigates to the new address (a
//! history entry, so Back undoes it), and everything on the page is derived from the address,
//! so a shared or reloaded link shows the same view. A relative range ("last 24 hours") is
//! closed at the moment the filters change (or Refresh is pressed): the statistics, the list and
//! the export then all describe exactly the same rows.

mod detail;
mod export;
mod filters;
mod list;
mod overview;

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_query_map},
};
use serde::Deserialize;
use serde_json::json;
use shared::{
    log_filters::{ApiLogFilterInput, LogFilters},
    permissions as p,
};

use crate::{
    api::{self, ApiResult},
    app::Forbidden,
    auth,
    components::{Drawer, ErrorBanner, Loading, PagerState, now_secs},
    queries::{self, ApiLogStats, IdName, UserName},
};

/// Rows per page of the log list.
const LOG_PAGE_SIZE: i64 = 25;

/// A list of which only the nodes are asked for.
#[derive(Clone, Deserialize)]
struct Nodes<T> {
    nodes: Vec<T>,
}

#[derive(Clone, Deserialize)]
struct CompaniesData {
    companies: Nodes<IdName>,
}

#[derive(Clone, Deserialize)]
struct UsersData {
    users: Nodes<UserName>,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatsData {
    api_log_stats: ApiLogStats,
}

/// What the parts of the dashboard share.
#[derive(Clone, Copy)]
pub struct Dashboard {
    /// The filters, as the address says.
    pub filters: Memo<LogFilters>,
    /// The same, closed at the moment they were applied: what every query sends.
    pub input: Memo<ApiLogFilterInput>,
    /// Applies new filters (navigates to their address).
    pub apply: Callback<LogFilters>,
    /// Hub users see (and filter by) companies.
    pub is_hub: bool,
    /// User id → name, for the users the filter offers.
    pub user_names: Memo<HashMap<String, String>>,
}

impl Dashboard {
    /// Applies the current filters changed by `change`.
    pub fn update(&self, change: impl FnOnce(&mut LogFilters)) {
        let mut f = self.filters.get_untracked();
        change(&mut f);
        self.apply.run(f);
    }
}

#[component]
pub fn ApiLogsPage() -> impl IntoView {
    let auth = auth::use_auth();
    if !auth.can(p::API_LOGS_VIEW) {
        return view! { <Forbidden /> }.into_any();
    }
    let is_hub = auth.is_hub();
    let query = use_query_map();
    let filters = Memo::new(move |_| query.with(|q| LogFilters::from_query(|k| q.get(k))));
    let refresh = RwSignal::new(0u32);
    let input = Memo::new(move |_| {
        refresh.track();
        filters.with(|f| f.input(now_secs()))
    });
    let navigate = use_navigate();
    let apply = Callback::new(move |f: LogFilters| {
        let q = f.to_query();
        let path = if q.is_empty() {
            "/api-logs".to_string()
        } else {
            format!("/api-logs?{q}")
        };
        navigate(
            &path,
            NavigateOptions {
                scroll: false,
                ..Default::default()
            },
        );
    });

    let stats = LocalResource::new(move || {
        let filter = input.get();
        async move {
            api::call::<_, StatsData>(queries::API_LOG_STATS, json!({ "filter": filter }))
                .await
                .map(|d| d.api_log_stats)
        }
    });
    let companies = LocalResource::new(move || async move {
        if !is_hub {
            return Ok(Vec::new());
        }
        api::call::<_, CompaniesData>(queries::API_LOG_COMPANIES, json!({}))
            .await
            .map(|d| d.companies.nodes)
    });
    let users = LocalResource::new(move || {
        let company = filters.with(|f| f.company_id.clone());
        async move {
            api::call::<_, UsersData>(queries::API_LOG_USERS, json!({ "companyId": company }))
                .await
                .map(|d| d.users.nodes)
        }
    });
    let user_names = Memo::new(move |_| {
        users
            .get()
            .and_then(Result::ok)
            .map(|list| list.into_iter().map(|u| (u.id, u.name)).collect())
            .unwrap_or_default()
    });
    let dash = Dashboard {
        filters,
        input,
        apply,
        is_hub,
        user_names,
    };

    // A new filter starts the list at its first page.
    let pager = RwSignal::new(PagerState::default());
    Effect::new(move |_| {
        input.track();
        if pager.with_untracked(|p| p.after.is_some() || !p.previous.is_empty()) {
            pager.set(PagerState::default());
        }
    });
    let selected = RwSignal::new(None::<String>);
    let endpoints = Signal::derive(move || {
        let mut out: Vec<String> = stats
            .get()
            .and_then(Result::ok)
            .map(|s| {
                s.top_endpoints
                    .iter()
                    .map(|e| e.endpoint.clone())
                    .chain(s.slowest_endpoints.iter().map(|e| e.endpoint.clone()))
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out.dedup();
        out
    });

    view! {
        <section class="page logs-page">
            <header class="page-head">
                <div>
                    <h1>"API Logs"</h1>
                    <p class="muted">
                        "Every request to the public API and OAuth, and every script's GraphQL call: who made it, how fast it was answered, and how it ended."
                    </p>
                </div>
                <div class="head-actions">
                    <button
                        type="button"
                        class="button"
                        title="Close the range at this moment and load again"
                        on:click=move |_| refresh.update(|n| *n += 1)
                    >
                        "↻ Refresh"
                    </button>
                    <export::ExportButton input=input />
                </div>
            </header>
            <filters::FilterBar dash=dash companies=companies users=users endpoints=endpoints />
            {move || match stats.get() {
                None => view! { <Loading label="Loading statistics…" /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBanner message=api::first_message(&e) /> }.into_any(),
                Some(Ok(s)) => view! { <overview::Overview stats=s dash=dash /> }.into_any(),
            }}
            <list::LogList dash=dash pager=pager selected=selected />
            {move || {
                selected
                    .get()
                    .map(|id| {
                        view! {
                            <Drawer
                                label=Signal::derive(|| "Request details".to_string())
                                on_close=Callback::new(move |_| selected.set(None))
                            >
                                <detail::LogDetail id=id dash=dash />
                            </Drawer>
                        }
                    })
            }}
        </section>
    }
    .into_any()
}

/// The name of a company a log names, or a short form of its id once it is gone.
pub fn company_name(company: &queries::LogCompany) -> String {
    company
        .name
        .clone()
        .unwrap_or_else(|| format!("Deleted company {}", short_id(&company.id)))
}

/// The first block of a UUID: enough to tell rows apart at a glance.
pub fn short_id(id: &str) -> &str {
    id.split('-').next().unwrap_or(id)
}

/// A user as the list shows them: their name when known, else a short id.
pub fn user_label(dash: &Dashboard, id: &str) -> String {
    dash.user_names
        .with(|m| m.get(id).cloned())
        .unwrap_or_else(|| format!("User {}", short_id(id)))
}

/// `personal_access_token` → "Personal token".
pub fn credential_label(kind: &str) -> &'static str {
    match kind {
        "session" => "Session",
        "personal_access_token" => "Personal token",
        "api_key" => "API key",
        "api_credential" => "Partner API client",
        _ => "Credential",
    }
}

/// The badge class of a status code.
pub fn status_badge(code: i32) -> &'static str {
    match code {
        200..=299 => "badge ok",
        300..=399 => "badge info",
        400..=499 => "badge warn",
        500..=599 => "badge danger",
        _ => "badge muted",
    }
}

/// Used by the filter bar and the list: a resource's outcome as a plain list.
pub type Listed<T> = LocalResource<ApiResult<Vec<T>>>;
