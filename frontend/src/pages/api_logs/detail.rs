//! Everything one logged request recorded (`apiLog`): URI, the guards' decision, the exception,
//! client IP, credential, and the request and response headers (a table) and bodies (JSON
//! pretty-printed). Secrets were redacted before the row was written; this only shows it.

use leptos::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};
use shared::{charts as geo, forms::thousands};

use super::{
    Dashboard, company_name, credential_label, overview::Method, short_id, status_badge, user_label,
};
use crate::{
    api,
    components::{ErrorBanner, Loading, utc_offset_at},
    queries::{self, ApiLog},
};

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogData {
    api_log: Option<ApiLog>,
}

#[component]
pub fn LogDetail(id: String, dash: Dashboard) -> impl IntoView {
    let log = LocalResource::new(move || {
        let id = id.clone();
        async move {
            api::call::<_, LogData>(&queries::api_log(), json!({ "id": id }))
                .await
                .map(|d| d.api_log)
        }
    });
    move || {
        match log.get() {
        None => view! { <Loading label="Loading the request…" /> }.into_any(),
        Some(Err(e)) => view! { <ErrorBanner message=api::first_message(&e) /> }.into_any(),
        Some(Ok(None)) => view! {
            <ErrorBanner message="This request is no longer in the logs (it may have been pruned)." />
        }
        .into_any(),
        Some(Ok(Some(l))) => view! { <Detail log=l dash=dash /> }.into_any(),
    }
    }
}

#[component]
fn Detail(log: ApiLog, dash: Dashboard) -> impl IntoView {
    let time = geo::parse_rfc3339(&log.time).unwrap_or(0);
    let credential = match (&log.credential_kind, &log.credential_id) {
        (Some(kind), Some(id)) => format!("{} {}", credential_label(kind), short_id(id)),
        (Some(kind), None) => credential_label(kind).to_string(),
        _ => "None".to_string(),
    };
    let allowed = log.decision == "allowed";
    view! {
        <header class="drawer-head">
            <div class="drawer-title">
                <Method method=log.method.clone() />
                <h2>{log.endpoint.clone()}</h2>
            </div>
            <p class="muted">
                <span class=status_badge(log.status_code)>{log.status_code}</span>
                " "
                {format!(
                    "{} · {}",
                    geo::date_time_label(time, utc_offset_at(time)),
                    geo::duration_us(log.response_time_us),
                )}
            </p>
        </header>
        <dl class="facts">
            <dt>"URI"</dt>
            <dd class="mono break">{log.uri.clone()}</dd>
            <dt>"Decision"</dt>
            <dd>
                <span class=if allowed { "badge ok" } else { "badge warn" }>
                    {if allowed { "Allowed".to_string() } else { log.denied_by.clone().unwrap_or_else(|| "Denied".into()) }}
                </span>
                " "
                {(!allowed).then(|| view! { <span class="muted">{log.decision.clone()}</span> })}
            </dd>
            <dt>"Time"</dt>
            <dd>{format!("{} ({})", log.time, geo::duration_us(log.response_time_us))}</dd>
            <dt>"Request IP"</dt>
            <dd class="mono">{log.request_ip.clone().unwrap_or_else(|| "—".into())}</dd>
            <dt>"Company"</dt>
            <dd>{log.company.as_ref().map_or("—".to_string(), company_name)}</dd>
            <dt>"User"</dt>
            <dd>{log.user.as_ref().map_or("—".to_string(), |u| user_label(&dash, &u.id))}</dd>
            <dt>"Credential"</dt>
            <dd>{credential}</dd>
        </dl>
        {log
            .exception
            .clone()
            .map(|e| {
                view! {
                    <section class="drawer-section">
                        <h3>"Exception"</h3>
                        <pre class="code exception">{e}</pre>
                    </section>
                }
            })}
        <section class="drawer-section">
            <h3>"Request headers"</h3>
            <Headers headers=log.request_headers.clone() testid="request-headers" />
        </section>
        <section class="drawer-section">
            <h3>"Request body"</h3>
            <Body body=log.request_body.clone() />
        </section>
        <section class="drawer-section">
            <h3>"Response headers"</h3>
            <Headers headers=log.response_headers.clone() testid="response-headers" />
        </section>
        <section class="drawer-section">
            <h3>"Response body"</h3>
            <Body body=log.response_body.clone() />
        </section>
    }
}

/// Header name → value as a two-column table.
#[component]
fn Headers(headers: Value, testid: &'static str) -> impl IntoView {
    let mut rows: Vec<(String, String)> = match headers {
        Value::Object(map) => map
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s,
                    Value::Array(items) => items
                        .iter()
                        .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                        .collect::<Vec<_>>()
                        .join(", "),
                    other => other.to_string(),
                };
                (k, v)
            })
            .collect(),
        _ => Vec::new(),
    };
    rows.sort();
    if rows.is_empty() {
        return view! { <p class="muted">"No headers recorded."</p> }.into_any();
    }
    view! {
        <table class="table compact kv" data-testid=testid>
            <tbody>
                {rows
                    .into_iter()
                    .map(|(k, v)| {
                        let redacted = v == "[REDACTED]";
                        view! {
                            <tr>
                                <th scope="row" class="mono">{k}</th>
                                <td class="mono break" class:redacted=redacted>{v}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// A body: pretty-printed when it is JSON, as recorded otherwise.
#[component]
fn Body(body: Option<String>) -> impl IntoView {
    let Some(text) = body.filter(|b| !b.is_empty()) else {
        return view! { <p class="muted">"No body."</p> }.into_any();
    };
    let (shown, kind) = match serde_json::from_str::<Value>(&text) {
        Ok(v) => (
            serde_json::to_string_pretty(&v).unwrap_or(text),
            "JSON".to_string(),
        ),
        Err(_) => {
            let len = text.chars().count();
            (text, format!("{} characters", thousands(len as i64)))
        }
    };
    view! {
        <p class="muted small">{kind}</p>
        <pre class="code">{shown}</pre>
    }
    .into_any()
}
