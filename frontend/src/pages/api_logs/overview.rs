//! The dashboard's numbers for the filtered range: summary cards, the three charts and the
//! top-10 tables (most requested endpoints, slowest endpoints, most active companies). A row of
//! a table, or a status class of the donut, applies itself as a filter.

use leptos::prelude::*;
use shared::{
    charts::{self as geo, parse_rfc3339},
    forms::thousands,
    log_filters::StatusFilter,
};

use super::{Dashboard, company_name};
use crate::{
    components::{LatencyChart, RequestsChart, StatusDonut, utc_offset_at},
    queries::{ApiLogStats, CompanyCount, EndpointCount, EndpointLatency, LatencyPercentiles},
};

#[component]
pub fn Overview(stats: ApiLogStats, dash: Dashboard) -> impl IntoView {
    let from = parse_rfc3339(&stats.from).unwrap_or(0);
    let to = parse_rfc3339(&stats.to).unwrap_or(0);
    let offset = utc_offset_at(to);
    let client_errors: i64 = stats
        .status_classes
        .iter()
        .filter(|c| c.status_class == "4xx")
        .map(|c| c.count)
        .sum();
    let l = stats.latency.clone();
    let p95 = l.p95_us.map_or("—".to_string(), geo::duration_us);
    let p50_p99 = format!(
        "p50 {} · p99 {}",
        l.p50_us.map_or("—".to_string(), geo::duration_us),
        l.p99_us.map_or("—".to_string(), geo::duration_us)
    );
    let range = format!(
        "{} – {}",
        geo::date_time_label(from, offset),
        geo::date_time_label(to, offset)
    );
    let empty = stats.total == 0;
    let on_bucket = Callback::new(move |(start, end): (i64, i64)| {
        dash.update(|f| {
            f.from = Some(start);
            f.to = Some(end);
        });
    });
    let on_class = Callback::new(move |class: String| {
        let status = StatusFilter::parse(&class).ok().flatten();
        dash.update(|f| f.status = status);
    });

    view! {
        <div class="stat-cards" data-testid="log-summary">
            <div class="card stat">
                <span class="stat-label">"Requests"</span>
                <span class="stat-value" data-testid="stat-total">{thousands(stats.total)}</span>
                <span class="stat-sub">{range}</span>
            </div>
            <div class="card stat" class:stat-bad={stats.errors > 0}>
                <span class="stat-label">"Errors"</span>
                <span class="stat-value" data-testid="stat-errors">{thousands(stats.errors)}</span>
                <span class="stat-sub">{format!("5xx responses · {} 4xx", thousands(client_errors))}</span>
            </div>
            <div class="card stat" class:stat-bad={stats.errors > 0}>
                <span class="stat-label">"Error rate"</span>
                <span class="stat-value">{geo::percent(stats.errors, stats.total)}</span>
                <span class="stat-sub">"of all requests answered 5xx"</span>
            </div>
            <div class="card stat">
                <span class="stat-label">"p95 response time"</span>
                <span class="stat-value">{p95}</span>
                <span class="stat-sub">{p50_p99}</span>
            </div>
        </div>
        {(!empty)
            .then(|| {
                view! {
                    <div class="dash-grid">
                        <section class="card span-2" aria-labelledby="chart-requests">
                            <h2 id="chart-requests">"Requests and errors over time"</h2>
                            <RequestsChart
                                series=stats.series.clone()
                                bucket_seconds=stats.bucket_seconds
                                from=from
                                to=to
                                on_select=on_bucket
                            />
                        </section>
                        <section class="card" aria-labelledby="chart-status">
                            <h2 id="chart-status">"Status classes"</h2>
                            <StatusDonut classes=stats.status_classes.clone() on_select=on_class />
                        </section>
                        <section class="card" aria-labelledby="chart-latency">
                            <h2 id="chart-latency">"Response time percentiles"</h2>
                            <LatencyChart latency=stats.latency.clone() />
                            <LatencyNote latency=stats.latency.clone() />
                        </section>
                        <SlowestEndpoints rows=stats.slowest_endpoints.clone() dash=dash />
                        <TopEndpoints rows=stats.top_endpoints.clone() dash=dash wide=!dash.is_hub />
                        {dash
                            .is_hub
                            .then(|| view! { <ActiveCompanies rows=stats.most_active_companies.clone() dash=dash /> })}
                    </div>
                }
            })}
    }
}

/// The percentiles in words.
#[component]
fn LatencyNote(latency: LatencyPercentiles) -> impl IntoView {
    let (Some(p50), Some(p95), Some(p99)) = (latency.p50_us, latency.p95_us, latency.p99_us) else {
        return ().into_any();
    };
    view! {
        <p class="latency-note muted">
            "Half of the requests were answered within "
            <strong>{geo::duration_us(p50)}</strong>
            "; 1 in 20 took longer than "
            <strong>{geo::duration_us(p95)}</strong>
            ", 1 in 100 longer than "
            <strong>{geo::duration_us(p99)}</strong>
            "."
        </p>
    }
    .into_any()
}

/// The method as a coloured tag.
#[component]
pub fn Method(#[prop(into)] method: String) -> impl IntoView {
    let class = format!("method m-{}", method.to_ascii_lowercase());
    view! { <span class=class>{method}</span> }
}

/// A relative bar behind a number (its share of the table's largest).
fn share(value: i64, max: i64) -> String {
    let pct = if max > 0 {
        value as f64 * 100.0 / max as f64
    } else {
        0.0
    };
    format!("--share: {pct:.1}%")
}

/// Applies one endpoint (and its method) as the dashboard's filter: what a click on a row of
/// the top tables does.
fn endpoint_filter(dash: Dashboard, endpoint: &str, method: &str) -> impl Fn() + Clone + use<> {
    let (endpoint, method) = (endpoint.to_string(), method.to_string());
    move || {
        let (e, m) = (endpoint.clone(), method.clone());
        dash.update(|f| {
            f.endpoint = Some(e);
            f.method = Some(m);
        });
    }
}

/// A top table's endpoint cell: the method badge and the route, as a button (keyboard users
/// apply the filter with it; the whole row is the mouse's target).
#[component]
fn EndpointButton(
    method: String,
    endpoint: String,
    pick: impl Fn() + Clone + 'static,
) -> impl IntoView {
    view! {
        <button
            type="button"
            class="link-button"
            title="Show only this endpoint"
            on:click=move |ev| {
                ev.stop_propagation();
                pick();
            }
        >
            <Method method=method />
            <span class="endpoint">{endpoint}</span>
        </button>
    }
}

#[component]
fn TopEndpoints(rows: Vec<EndpointCount>, dash: Dashboard, wide: bool) -> impl IntoView {
    let max = rows.iter().map(|r| r.count).max().unwrap_or(0);
    let empty = rows.is_empty();
    let body = rows
        .into_iter()
        .map(|r| {
            let pick = endpoint_filter(dash, &r.endpoint, &r.method);
            let pick2 = pick.clone();
            view! {
                <tr class="pick-row" on:click=move |_| pick()>
                    <td>
                        <EndpointButton method=r.method.clone() endpoint=r.endpoint.clone() pick=pick2 />
                    </td>
                    <td class="num share" style=share(r.count, max)>{thousands(r.count)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <TopCard
            id="top-endpoints"
            title="Most requested endpoints"
            columns=vec!["Endpoint", "Requests"]
            empty=empty
            class=if wide { "card span-3" } else { "card span-2" }
        >
            {body}
        </TopCard>
    }
}

#[component]
fn SlowestEndpoints(rows: Vec<EndpointLatency>, dash: Dashboard) -> impl IntoView {
    let max = rows
        .iter()
        .map(|r| r.avg_response_time_us)
        .max()
        .unwrap_or(0);
    let empty = rows.is_empty();
    let body = rows
        .into_iter()
        .map(|r| {
            let pick = endpoint_filter(dash, &r.endpoint, &r.method);
            let pick2 = pick.clone();
            view! {
                <tr class="pick-row" on:click=move |_| pick()>
                    <td>
                        <EndpointButton method=r.method.clone() endpoint=r.endpoint.clone() pick=pick2 />
                    </td>
                    <td class="num share slow" style=share(r.avg_response_time_us, max)>
                        {geo::duration_us(r.avg_response_time_us)}
                    </td>
                    <td class="num">{thousands(r.count)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <TopCard id="slowest-endpoints" title="Slowest endpoints" columns=vec!["Endpoint", "Average", "Requests"] empty=empty class="card span-2">
            {body}
        </TopCard>
    }
}

#[component]
fn ActiveCompanies(rows: Vec<CompanyCount>, dash: Dashboard) -> impl IntoView {
    let max = rows.iter().map(|r| r.count).max().unwrap_or(0);
    let empty = rows.is_empty();
    let body = rows
        .into_iter()
        .map(|r| {
            let id = r.company.id.clone();
            let pick = move || {
                let id = id.clone();
                dash.update(|f| {
                    f.company_id = Some(id);
                    f.user_id = None;
                });
            };
            let pick2 = pick.clone();
            view! {
                <tr class="pick-row" on:click=move |_| pick()>
                    <td>
                        <button
                            type="button"
                            class="link-button"
                            title="Show only this company"
                            on:click=move |ev| {
                                ev.stop_propagation();
                                pick2();
                            }
                        >
                            {company_name(&r.company)}
                        </button>
                    </td>
                    <td class="num share" style=share(r.count, max)>{thousands(r.count)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <TopCard id="active-companies" title="Most active companies" columns=vec!["Company", "Requests"] empty=empty class="card">
            {body}
        </TopCard>
    }
}

/// A card with a titled top-10 table, or a line saying there is nothing to rank.
#[component]
fn TopCard(
    id: &'static str,
    title: &'static str,
    columns: Vec<&'static str>,
    class: &'static str,
    /// Nothing to rank: a line says so instead of an empty table.
    empty: bool,
    children: Children,
) -> impl IntoView {
    let rows = children();
    let table = if empty {
        view! { <p class="muted top-empty">"Nothing to rank for these filters."</p> }.into_any()
    } else {
        view! {
            <table class="table compact">
                <thead>
                    <tr>
                        {columns
                            .into_iter()
                            .enumerate()
                            .map(|(i, c)| {
                                view! { <th scope="col" class:num={i > 0}>{c}</th> }
                            })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {rows}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section class=format!("{class} top-card") aria-labelledby=format!("{id}-title") data-testid=id>
            <h2 id=format!("{id}-title")>{title}</h2>
            {table}
        </section>
    }
}
