//! The filtered log list, newest first, a page at a time; a row opens the detail drawer.

use leptos::prelude::*;
use serde::Deserialize;
use serde_json::json;
use shared::{charts as geo, forms::thousands};

use super::{
    Dashboard, LOG_PAGE_SIZE, company_name, credential_label, overview::Method, status_badge,
    user_label,
};
use crate::{
    api,
    components::{EmptyState, ErrorBanner, Loading, Pager, PagerState, utc_offset_at},
    queries::{self, ApiLog, Connection},
};

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogsData {
    api_logs: Connection<ApiLog>,
}

#[component]
pub fn LogList(
    dash: Dashboard,
    pager: RwSignal<PagerState>,
    selected: RwSignal<Option<String>>,
) -> impl IntoView {
    let list = LocalResource::new(move || {
        let filter = dash.input.get();
        let after = pager.with(|p| p.after.clone());
        async move {
            api::call::<_, LogsData>(
                &queries::api_logs(),
                json!({ "filter": filter, "first": LOG_PAGE_SIZE, "after": after }),
            )
            .await
            .map(|d| d.api_logs)
        }
    });
    let page = move || list.get().and_then(Result::ok);

    view! {
        <section class="log-list" aria-labelledby="log-list-title">
            <div class="section-head">
                <h2 id="log-list-title">"Requests"</h2>
                <span class="muted count" data-testid="log-count">
                    {move || page().map(|c| format!("{} matching", thousands(c.total_count)))}
                </span>
            </div>
            {move || match list.get() {
                None => view! { <Loading label="Loading requests…" /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBanner message=api::first_message(&e) /> }.into_any(),
                Some(Ok(conn)) if conn.nodes.is_empty() => view! {
                    <EmptyState
                        title="No requests match these filters"
                        text="Widen the range or clear a filter to see more."
                    >
                        <button
                            type="button"
                            class="button"
                            on:click=move |_| dash.apply.run(Default::default())
                        >
                            "Clear filters"
                        </button>
                    </EmptyState>
                }
                .into_any(),
                Some(Ok(conn)) => view! { <LogTable logs=conn.nodes dash=dash selected=selected /> }.into_any(),
            }}
            <Pager
                pager=pager
                has_next=Signal::derive(move || page().is_some_and(|c| c.page_info.has_next_page))
                end_cursor=Signal::derive(move || page().and_then(|c| c.page_info.end_cursor))
                total=Signal::derive(move || page().map_or(0, |c| c.total_count))
                page_size=LOG_PAGE_SIZE
            />
        </section>
    }
}

#[component]
fn LogTable(
    logs: Vec<ApiLog>,
    dash: Dashboard,
    selected: RwSignal<Option<String>>,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table logs-table" data-testid="log-table">
                <thead>
                    <tr>
                        <th scope="col">"Time"</th>
                        <th scope="col">"Request"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col" class="num">"Time taken"</th>
                        {dash.is_hub.then(|| view! { <th scope="col">"Company"</th> })}
                        <th scope="col">"User / credential"</th>
                    </tr>
                </thead>
                <tbody>
                    {logs
                        .into_iter()
                        .map(|log| {
                            let id = log.id.clone();
                            let id2 = log.id.clone();
                            let time = geo::parse_rfc3339(&log.time).unwrap_or(0);
                            let is_open = {
                                let id = log.id.clone();
                                move || selected.with(|s| s.as_ref() == Some(&id))
                            };
                            let who = log.user.as_ref().map(|u| user_label(&dash, &u.id));
                            let kind = log.credential_kind.as_deref().map(credential_label);
                            view! {
                                <tr
                                    class="log-row"
                                    class:open=is_open
                                    on:click=move |_| selected.set(Some(id.clone()))
                                >
                                    <td class="nowrap">
                                        <button
                                            type="button"
                                            class="link-button"
                                            aria-label=format!("Details of {} {} at {}", log.method, log.uri, log.time)
                                            on:click=move |ev| {
                                                ev.stop_propagation();
                                                selected.set(Some(id2.clone()));
                                            }
                                        >
                                            {geo::date_time_label(time, utc_offset_at(time))}
                                        </button>
                                    </td>
                                    <td class="request-cell">
                                        <Method method=log.method.clone() />
                                        <span class="endpoint">{log.endpoint.clone()}</span>
                                        {(log.uri != log.endpoint)
                                            .then(|| view! { <span class="uri muted">{log.uri.clone()}</span> })}
                                    </td>
                                    <td>
                                        <span class=status_badge(log.status_code)>{log.status_code}</span>
                                    </td>
                                    <td class="num nowrap">{geo::duration_us(log.response_time_us)}</td>
                                    {dash
                                        .is_hub
                                        .then(|| {
                                            view! {
                                                <td>{log.company.as_ref().map_or("—".to_string(), company_name)}</td>
                                            }
                                        })}
                                    <td>
                                        <span class="who">{who.unwrap_or_else(|| "—".to_string())}</span>
                                        {kind.map(|k| view! { <span class="muted small block">{k}</span> })}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
