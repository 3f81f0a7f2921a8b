//! The filter bar: range (a preset, or from/to on the viewer's clock), company (hub users),
//! user, endpoint, method, response code (`404` or `4xx`), response-time threshold and
//! exception. A select applies at once; a text field when it is left or Enter is pressed, and
//! only when valid (otherwise the field says what is wrong).

use leptos::prelude::*;
use shared::{
    charts::{datetime_local, epoch_of, parse_civil},
    log_filters::{LogFilters, Preset, StatusFilter, normalize_method, parse_min_ms},
};

use super::{Dashboard, Listed};
use crate::{
    components::{FieldError, utc_offset_at},
    pages::non_blank,
    queries::{IdName, UserName},
};

const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
const STATUS_SUGGESTIONS: [&str; 15] = [
    "2xx", "3xx", "4xx", "5xx", "200", "201", "204", "400", "401", "403", "404", "409", "422",
    "429", "500",
];

/// A `datetime-local` value on the viewer's clock as seconds since the epoch.
fn parse_local(value: &str) -> Option<i64> {
    let local = epoch_of(parse_civil(value)?);
    Some(local - utc_offset_at(local))
}

#[component]
pub fn FilterBar(
    dash: Dashboard,
    companies: Listed<IdName>,
    users: Listed<UserName>,
    /// Endpoints to suggest (from the statistics).
    endpoints: Signal<Vec<String>>,
) -> impl IntoView {
    let filters = dash.filters;
    let range = Memo::new(move |_| {
        let input = dash.input.get();
        let parse = |s: &str| shared::charts::parse_rfc3339(s).unwrap_or(0);
        (parse(&input.from), parse(&input.to))
    });
    let custom = move || filters.with(|f| f.from.is_some() || f.to.is_some());
    let status_error = RwSignal::new(None::<String>);
    let min_ms_error = RwSignal::new(None::<String>);
    let range_error = RwSignal::new(None::<String>);
    // A new address (Back, a click in a table) clears what the fields complained about.
    Effect::new(move |_| {
        filters.track();
        status_error.set(None);
        min_ms_error.set(None);
        range_error.set(None);
    });

    let on_range = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        let (from, to) = range.get_untracked();
        dash.update(|f| {
            if value == "custom" {
                f.from = Some(from);
                f.to = Some(to);
            } else {
                f.preset = Preset::parse(&value);
                f.from = None;
                f.to = None;
            }
        });
    };
    let on_from = move |ev: leptos::ev::Event| match parse_local(&event_target_value(&ev)) {
        Some(t) => dash.update(|f| f.from = Some(t)),
        None => range_error.set(Some("Enter a date and time for “From”.".into())),
    };
    let on_to = move |ev: leptos::ev::Event| match parse_local(&event_target_value(&ev)) {
        Some(t) => {
            let (from, _) = range.get_untracked();
            dash.update(|f| {
                f.from.get_or_insert(from);
                f.to = Some(t);
            });
        }
        None => range_error.set(Some("Enter a date and time for “To”.".into())),
    };
    let on_status = move |ev: leptos::ev::Event| match StatusFilter::parse(&event_target_value(&ev))
    {
        Ok(s) => dash.update(|f| f.status = s),
        Err(e) => status_error.set(Some(e)),
    };
    let on_min_ms = move |ev: leptos::ev::Event| match parse_min_ms(&event_target_value(&ev)) {
        Ok(ms) => dash.update(|f| f.min_ms = ms),
        Err(e) => min_ms_error.set(Some(e)),
    };

    let company_field = dash.is_hub.then(|| {
        view! {
            <div class="field">
                <label for="log-company">"Company"</label>
                <select
                    id="log-company"
                    on:change=move |ev| {
                        let id = non_blank(&event_target_value(&ev));
                        dash.update(|f| {
                            f.company_id = id;
                            f.user_id = None;
                        });
                    }
                >
                    <option value="">"All companies"</option>
                    {move || {
                        let chosen = filters.with(|f| f.company_id.clone());
                        let list = companies.get().and_then(Result::ok).unwrap_or_default();
                        let known = list.iter().any(|c| Some(&c.id) == chosen.as_ref());
                        // A company from the address that the list does not name still shows.
                        let extra = chosen.clone().filter(|_| !known).map(|id| {
                            view! { <option value=id.clone() selected=true>{format!("Company {}", super::short_id(&id))}</option> }
                        });
                        view! {
                            {extra}
                            {list
                                .into_iter()
                                .map(|c| {
                                    let is = Some(&c.id) == chosen.as_ref();
                                    view! { <option value=c.id.clone() selected=is>{c.name}</option> }
                                })
                                .collect_view()}
                        }
                    }}
                </select>
            </div>
        }
    });

    view! {
        <form class="card filter-bar" aria-label="Filters" on:submit=|ev| ev.prevent_default()>
            <div class="filter-grid">
                <div class="field">
                    <label for="log-range">"Range"</label>
                    <select id="log-range" on:change=on_range>
                        {Preset::ALL
                            .into_iter()
                            .map(|p| {
                                let is = move || {
                                    !custom() && filters.with(|f| f.preset.unwrap_or(Preset::Day) == p)
                                };
                                view! { <option value=p.key() selected=is>{p.label()}</option> }
                            })
                            .collect_view()}
                        <option value="custom" selected=custom>"Custom range"</option>
                    </select>
                </div>
                <div class="field">
                    <label for="log-from">"From"</label>
                    <input
                        id="log-from"
                        type="datetime-local"
                        prop:value=move || {
                            let (from, _) = range.get();
                            datetime_local(from, utc_offset_at(from))
                        }
                        on:change=on_from
                    />
                </div>
                <div class="field">
                    <label for="log-to">"To"</label>
                    <input
                        id="log-to"
                        type="datetime-local"
                        aria-describedby="log-range-error"
                        prop:value=move || {
                            let (_, to) = range.get();
                            datetime_local(to, utc_offset_at(to))
                        }
                        on:change=on_to
                    />
                    <FieldError id="log-range-error" message=range_error />
                </div>
                {company_field}
                {move || match users.get() {
                    // Without the right to list users (or while loading), no user picker.
                    Some(Ok(list)) => Some(view! {
                        <div class="field">
                            <label for="log-user">"User"</label>
                            <select
                                id="log-user"
                                on:change=move |ev| {
                                    let id = non_blank(&event_target_value(&ev));
                                    dash.update(|f| f.user_id = id);
                                }
                            >
                                <option value="">"All users"</option>
                                {
                                    let chosen = filters.with_untracked(|f| f.user_id.clone());
                                    let known = list.iter().any(|u| Some(&u.id) == chosen.as_ref());
                                    let extra = chosen.clone().filter(|_| !known).map(|id| {
                                        view! { <option value=id.clone() selected=true>{format!("User {}", super::short_id(&id))}</option> }
                                    });
                                    view! {
                                        {extra}
                                        {list
                                            .into_iter()
                                            .map(|u| {
                                                let id = u.id.clone();
                                                let is = move || filters.with(|f| f.user_id.as_ref() == Some(&id));
                                                view! { <option value=u.id.clone() selected=is>{format!("{} ({})", u.name, u.email)}</option> }
                                            })
                                            .collect_view()}
                                    }
                                }
                            </select>
                        </div>
                    }),
                    _ => None,
                }}
                <div class="field wide">
                    <label for="log-endpoint">"Endpoint"</label>
                    <input
                        id="log-endpoint"
                        type="text"
                        list="log-endpoint-options"
                        placeholder="/api/v1/employees/{id}"
                        autocomplete="off"
                        prop:value=move || filters.with(|f| f.endpoint.clone().unwrap_or_default())
                        on:change=move |ev| {
                            let e = non_blank(&event_target_value(&ev));
                            dash.update(|f| f.endpoint = e);
                        }
                    />
                    <datalist id="log-endpoint-options">
                        {move || {
                            endpoints
                                .get()
                                .into_iter()
                                .map(|e| view! { <option value=e></option> })
                                .collect_view()
                        }}
                    </datalist>
                </div>
                <div class="field">
                    <label for="log-method">"Method"</label>
                    <select
                        id="log-method"
                        on:change=move |ev| {
                            let m = normalize_method(&event_target_value(&ev));
                            dash.update(|f| f.method = m);
                        }
                    >
                        <option value="">"Any method"</option>
                        {METHODS
                            .into_iter()
                            .map(|m| {
                                let is = move || filters.with(|f| f.method.as_deref() == Some(m));
                                view! { <option value=m selected=is>{m}</option> }
                            })
                            .collect_view()}
                        {move || {
                            filters
                                .with(|f| f.method.clone())
                                .filter(|m| !METHODS.contains(&m.as_str()))
                                .map(|m| view! { <option value=m.clone() selected=true>{m.clone()}</option> })
                        }}
                    </select>
                </div>
                <div class="field">
                    <label for="log-status">"Response code"</label>
                    <input
                        id="log-status"
                        type="text"
                        list="log-status-options"
                        placeholder="404 or 4xx"
                        autocomplete="off"
                        inputmode="text"
                        aria-describedby="log-status-error"
                        aria-invalid=move || status_error.with(Option::is_some).to_string()
                        prop:value=move || filters.with(|f| f.status.map(|s| s.to_string()).unwrap_or_default())
                        on:change=on_status
                    />
                    <datalist id="log-status-options">
                        {STATUS_SUGGESTIONS.map(|s| view! { <option value=s></option> }).collect_view()}
                    </datalist>
                    <FieldError id="log-status-error" message=status_error />
                </div>
                <div class="field">
                    <label for="log-min-ms">"Slower than (ms)"</label>
                    <input
                        id="log-min-ms"
                        type="number"
                        min="0"
                        step="1"
                        placeholder="e.g. 500"
                        aria-describedby="log-min-ms-error"
                        aria-invalid=move || min_ms_error.with(Option::is_some).to_string()
                        prop:value=move || filters.with(|f| f.min_ms.map(|m| m.to_string()).unwrap_or_default())
                        on:change=on_min_ms
                    />
                    <FieldError id="log-min-ms-error" message=min_ms_error />
                </div>
                <div class="field">
                    <label for="log-exception">"Exception"</label>
                    <select
                        id="log-exception"
                        on:change=move |ev| {
                            let v = match event_target_value(&ev).as_str() {
                                "true" => Some(true),
                                "false" => Some(false),
                                _ => None,
                            };
                            dash.update(|f| f.exception = v);
                        }
                    >
                        <option value="" selected=move || filters.with(|f| f.exception.is_none())>"Any"</option>
                        <option value="true" selected=move || filters.with(|f| f.exception == Some(true))>
                            "With an exception"
                        </option>
                        <option value="false" selected=move || filters.with(|f| f.exception == Some(false))>
                            "Without"
                        </option>
                    </select>
                </div>
            </div>
            <Show when=move || filters.with(|f| *f != LogFilters::default())>
                <div class="filter-actions">
                    <button
                        type="button"
                        class="button ghost small"
                        on:click=move |_| dash.apply.run(LogFilters::default())
                    >
                        "Clear filters"
                    </button>
                </div>
            </Show>
        </form>
    }
}
