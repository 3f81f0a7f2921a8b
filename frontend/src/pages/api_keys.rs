//! Settings → API → API V2 keys (seed 004, SPEC §3.3), for company administrators
//! (`api_keys.manage`): the endpoints in the left column, the Create / Read / Update / Delete /
//! Download checkboxes of each (only the actions the endpoint has can be ticked), a fields picker
//! per endpoint (default: all fields, with the seed's warning), a key name and **Generate key**
//! at the bottom left, which shows the key once. The keys are listed at the bottom, each with
//! an (i) view of its endpoints, actions and fields and a delete (x); the red **Revoke ALL
//! keys** in the bottom bar asks first, since it cannot be undone. The catalogue (endpoints,
//! their actions and fields) and the grants' rules are `shared::api`'s, the server's own.

use leptos::prelude::*;
use serde::Deserialize;
use serde_json::json;
use shared::{
    api::{self as catalogue, ApiAction, ApiEndpoint, ApiGrant},
    forms, permissions as p,
};

use super::partner_api::API_DOCS;
use super::settings::{BackToSettings, SettingsCompany};
use crate::{
    api::{self, FormErrors},
    auth,
    components::{
        AgoCell, ConfirmDialog, CopyField, DateCell, EmptyState, ErrorBanner, FieldError, Loading,
        Modal, Narrowed, UsageOf, UsagePanel,
    },
    queries::{self, ApiKey, CreatedApiKey},
};

/// Seed 004's warning about fields, word for word.
pub const DEFAULT_FIELDS_WARNING: &str = "If you do not choose to restrict the fields the key can \
access, the key will be able to access ALL fields.";

/// Seed 004: a key cannot be limited to some employees.
pub const NO_EMPLOYEE_SUBSET: &str = "It is NOT possible to limit key access to a sub set of \
employees: if a key has access to Employees, it can see all permitted fields for all employees.";

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeysData {
    api_keys: Vec<ApiKey>,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateData {
    create_api_key: CreatedApiKey,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RevokeAllData {
    revoke_all_api_keys: i64,
}

/// `first_name` → "First name".
pub fn field_label(field: &str) -> String {
    let text = field.replace('_', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

/// "Read, Create" in the catalogue's order.
fn actions_text(actions: &[ApiAction]) -> String {
    actions
        .iter()
        .map(|a| a.label())
        .collect::<Vec<_>>()
        .join(", ")
}

/// "All fields" or "First name, Last name".
pub fn fields_text(fields: &Option<Vec<String>>) -> String {
    match fields {
        None => "All fields".to_string(),
        Some(list) => list
            .iter()
            .map(|f| field_label(f))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The form's grants: one per endpoint, in catalogue order, none ticked, all fields.
fn empty_draft() -> Vec<ApiGrant> {
    ApiEndpoint::ALL
        .into_iter()
        .map(|endpoint| ApiGrant {
            endpoint,
            actions: Vec::new(),
            fields: None,
        })
        .collect()
}

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let auth = auth::use_auth();
    if !auth.can(p::API_KEYS_MANAGE) {
        return view! {
            <section class="page">
                <h1>"Not available"</h1>
                <p class="muted">"API keys can only be added and administered by Administrator level users."</p>
            </section>
        }
        .into_any();
    }
    let company = RwSignal::new(None::<String>);
    let reload = RwSignal::new(0u32);
    let details = RwSignal::new(None::<ApiKey>);
    let deleting = RwSignal::new(None::<ApiKey>);
    let revoking_all = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let list = LocalResource::new(move || {
        reload.track();
        let company_id = company.get();
        async move {
            match company_id {
                None => Ok(None),
                Some(id) => {
                    api::call::<_, KeysData>(&queries::api_keys(), json!({ "companyId": id }))
                        .await
                        .map(|d| Some(d.api_keys))
                }
            }
        }
    });
    let key_count = move || {
        list.get()
            .and_then(Result::ok)
            .flatten()
            .map_or(0, |l| l.len())
    };
    let delete = Action::new_local(|key: &ApiKey| {
        let variables = json!({ "id": key.id });
        let name = key.name.clone();
        async move {
            api::call::<_, serde_json::Value>(queries::REVOKE_API_KEY, variables)
                .await
                .map(|_| name)
        }
    });
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(name)) => {
            error.set(None);
            notice.set(Some(format!("The key {name} was deleted.")));
            reload.update(|n| *n += 1);
        }
        Some(Err(e)) => error.set(Some(api::first_message(&e))),
        None => {}
    });
    let revoke_all = Action::new_local(|company_id: &String| {
        let variables = json!({ "companyId": company_id });
        async move { api::call::<_, RevokeAllData>(queries::REVOKE_ALL_API_KEYS, variables).await }
    });
    Effect::new(move |_| match revoke_all.value().get() {
        Some(Ok(d)) => {
            error.set(None);
            let n = d.revoke_all_api_keys;
            notice.set(Some(format!(
                "{n} {} revoked. Generate new keys for the integrations that still need access.",
                if n == 1 { "key was" } else { "keys were" }
            )));
            reload.update(|n| *n += 1);
        }
        Some(Err(e)) => error.set(Some(api::first_message(&e))),
        None => {}
    });

    view! {
        <section class="page keys-page">
            <BackToSettings company=company />
            <header class="page-head settings-head">
                <div>
                    <h1>"API V2 keys"</h1>
                    <p class="muted">
                        "A key gives an integration exactly the endpoints, actions and fields chosen here, and \
                         nothing else."
                    </p>
                </div>
                <div class="head-actions">
                    <a class="button ghost" href=API_DOCS target="_blank" rel="noopener">"API documentation ↗"</a>
                </div>
            </header>
            <SettingsCompany selected=company />
            <p class="hint intro">"API keys can only be added and administered by Administrator level users."</p>
            {move || match company.get() {
                None => view! { <Loading /> }.into_any(),
                Some(id) => view! {
                    <NewKeyForm company_id=id on_created=Callback::new(move |_| reload.update(|n| *n += 1)) />
                }
                .into_any(),
            }}

            <section class="card keys-list" aria-labelledby="keys-heading">
                <h2 id="keys-heading">"Your keys"</h2>
                {move || notice.get().map(|m| view! { <p class="success-banner" role="status">{m}</p> })}
                {move || error.get().map(|m| view! { <ErrorBanner message=m /> })}
                {move || match list.get() {
                    None | Some(Ok(None)) => view! { <Loading /> }.into_any(),
                    Some(Err(e)) => view! { <ErrorBanner message=api::first_message(&e) /> }.into_any(),
                    Some(Ok(Some(keys))) if keys.is_empty() => view! {
                        <EmptyState title="No keys" text="No API key has been generated for this company yet." />
                    }
                    .into_any(),
                    Some(Ok(Some(keys))) => view! {
                        <div class="table-wrap flat">
                            <table class="table" data-testid="api-keys">
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Key"</th>
                                        <th scope="col">"Endpoints"</th>
                                        <th scope="col">"Created"</th>
                                        <th scope="col">"Last used"</th>
                                        <th scope="col" class="actions-col"><span class="sr-only">"Actions"</span></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {keys.into_iter().map(|k| key_row(k, details, deleting)).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }
                    .into_any(),
                }}
            </section>

            <div class="bottom-bar">
                <p class="hint">"Revoking every key stops all integrations that use API keys at once."</p>
                <button
                    type="button"
                    class="button danger"
                    disabled=move || key_count() == 0 || revoke_all.pending().get()
                    on:click=move |_| revoking_all.set(true)
                >
                    "Revoke ALL keys"
                </button>
            </div>

            {move || details.get().map(|k| view! {
                <KeyDetailsDialog
                    company_id=company.get_untracked().unwrap_or_default()
                    key_info=k
                    on_close=Callback::new(move |_| details.set(None))
                    on_changed=Callback::new(move |_| reload.update(|n| *n += 1))
                />
            })}
            {move || deleting.get().map(|k| {
                let key = k.clone();
                view! {
                    <ConfirmDialog
                        title=format!("Delete the key {}?", k.name)
                        message="The key stops working at once. This cannot be undone: an integration that uses it \
                                 needs a new key."
                        confirm_label="Delete key"
                        danger=true
                        on_cancel=Callback::new(move |_| deleting.set(None))
                        on_confirm=Callback::new(move |_| {
                            deleting.set(None);
                            notice.set(None);
                            delete.dispatch(key.clone());
                        })
                    />
                }
            })}
            <Show when=move || revoking_all.get()>
                <ConfirmDialog
                    title="Revoke ALL keys?"
                    message=format!(
                        "Every API key of this company ({}) is removed immediately and further access is prevented. \
                         This process cannot be reversed: you would need to generate all required keys again and \
                         replace all keys in use in third party systems with the new key(s).",
                        key_count(),
                    )
                    confirm_label="Revoke ALL keys"
                    danger=true
                    on_cancel=Callback::new(move |_| revoking_all.set(false))
                    on_confirm=Callback::new(move |_| {
                        revoking_all.set(false);
                        notice.set(None);
                        if let Some(id) = company.get_untracked() {
                            revoke_all.dispatch(id);
                        }
                    })
                />
            </Show>
        </section>
    }
    .into_any()
}

fn key_row(
    k: ApiKey,
    details: RwSignal<Option<ApiKey>>,
    deleting: RwSignal<Option<ApiKey>>,
) -> impl IntoView {
    let endpoints = k
        .grants
        .iter()
        .map(|g| g.endpoint.label())
        .collect::<Vec<_>>()
        .join(", ");
    let (d, x) = (k.clone(), k.clone());
    view! {
        <tr>
            <td>{k.name.clone()}</td>
            <td class="mono">{k.masked_key.clone()}</td>
            <td>{endpoints}</td>
            <td class="nowrap"><DateCell at=k.created_at.clone() /></td>
            <td class="nowrap"><AgoCell at=k.last_used_at.clone() /></td>
            <td class="actions-col">
                <button type="button" class="icon-button info-button" title="Details"
                    aria-label=format!("Details of {}", k.name)
                    on:click=move |_| details.set(Some(d.clone()))><span class="info-dot" aria-hidden="true">"i"</span></button>
                <button type="button" class="icon-button delete-button" title="Delete"
                    aria-label=format!("Delete {}", k.name)
                    on:click=move |_| deleting.set(Some(x.clone()))>"×"</button>
            </td>
        </tr>
    }
}

/// The grants of a key as a table: endpoint, actions, fields.
#[component]
pub fn GrantsTable(grants: Vec<ApiGrant>) -> impl IntoView {
    view! {
        <table class="table compact grants-table">
            <thead>
                <tr>
                    <th scope="col">"Endpoint"</th>
                    <th scope="col">"Actions"</th>
                    <th scope="col">"Fields"</th>
                </tr>
            </thead>
            <tbody>
                {grants
                    .into_iter()
                    .map(|g| view! {
                        <tr>
                            <td>{g.endpoint.label()}</td>
                            <td>{actions_text(&g.actions)}</td>
                            <td>{fields_text(&g.fields)}</td>
                        </tr>
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// The (i) view: what the key may do.
#[component]
fn KeyDetailsDialog(
    company_id: String,
    key_info: ApiKey,
    on_close: Callback<()>,
    /// Something changed it (narrowing): the list is re-read.
    on_changed: Callback<()>,
) -> impl IntoView {
    let k = key_info;
    // Narrowing replaces the grants: the table follows.
    let grants = RwSignal::new(k.grants.clone());
    view! {
        <Modal title=format!("Key: {}", k.name) on_close=on_close>
            <dl class="details">
                <dt>"Key"</dt>
                <dd class="mono">{k.masked_key.clone()}</dd>
                <dt>"Created"</dt>
                <dd><DateCell at=k.created_at.clone() /></dd>
                <dt>"Last used"</dt>
                <dd><AgoCell at=k.last_used_at.clone() /></dd>
            </dl>
            <h3>"Endpoints, actions and fields"</h3>
            {move || view! { <GrantsTable grants=grants.get() /> }}
            <UsagePanel
                of=UsageOf::Key { company_id, key: k.clone() }
                on_narrowed=Callback::new(move |n| {
                    if let Narrowed::Key(updated) = n {
                        grants.set(updated.grants);
                    }
                    on_changed.run(());
                })
            />
            <div class="form-actions">
                <button type="button" class="button primary" on:click=move |_| on_close.run(())>"Close"</button>
            </div>
        </Modal>
    }
}

/// The key form: endpoints × actions, fields per endpoint, a name, Generate key; then the key,
/// once.
#[component]
fn NewKeyForm(company_id: String, on_created: Callback<()>) -> impl IntoView {
    let draft = RwSignal::new(empty_draft());
    let name = RwSignal::new(String::new());
    let errors = RwSignal::new(FormErrors::default());
    let created = RwSignal::new(None::<CreatedApiKey>);
    let picking = RwSignal::new(None::<ApiEndpoint>);
    let save = Action::new_local(|variables: &serde_json::Value| {
        let variables = variables.clone();
        async move { api::call::<_, CreateData>(&queries::create_api_key(), variables).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(d)) => {
            created.set(Some(d.create_api_key));
            draft.set(empty_draft());
            name.set(String::new());
            errors.set(FormErrors::default());
            on_created.run(());
        }
        Some(Err(e)) => errors.set(FormErrors::from_server(&e)),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        created.set(None);
        let mut found = FormErrors::default();
        let n = forms::name("name", &name.get_untracked());
        if let Err(e) = &n {
            found.fields.insert(e.field.into(), e.message.clone());
        }
        let chosen: Vec<ApiGrant> = draft.with_untracked(|d| {
            d.iter()
                .filter(|g| !g.actions.is_empty())
                .cloned()
                .collect()
        });
        let grants = catalogue::validate_grants(&chosen);
        if let Err(e) = &grants {
            found.fields.insert(e.field.into(), e.message.clone());
        }
        errors.set(found);
        if let (Ok(n), Ok(grants)) = (n, grants) {
            save.dispatch(json!({
                "input": { "companyId": company_id, "name": n, "grants": grants }
            }));
        }
    };
    let toggle = move |endpoint: ApiEndpoint, action: ApiAction, on: bool| {
        errors.update(|e| {
            e.fields.remove("grants");
        });
        draft.update(|d| {
            if let Some(g) = d.iter_mut().find(|g| g.endpoint == endpoint) {
                g.actions.retain(|a| *a != action);
                if on {
                    g.actions.push(action);
                    g.actions.sort();
                }
            }
        });
    };
    let fields_of = move |endpoint: ApiEndpoint| {
        draft.with(|d| {
            d.iter()
                .find(|g| g.endpoint == endpoint)
                .and_then(|g| g.fields.clone())
        })
    };
    let has_actions = move |endpoint: ApiEndpoint| {
        draft.with(|d| {
            d.iter()
                .any(|g| g.endpoint == endpoint && !g.actions.is_empty())
        })
    };

    view! {
        <form class="card key-form" on:submit=on_submit novalidate aria-labelledby="new-key-heading">
            <h2 id="new-key-heading">"Generate a key"</h2>
            <p class="hint">
                "Choose the endpoint in the left column, then the access you wish to give the key. Create allows \
                 the key to create new data, Read to read existing data, Update to update existing data, Delete to \
                 delete existing data and Download to download an existing document."
            </p>
            {move || errors.get().general.first().cloned().map(|m| view! { <ErrorBanner message=m /> })}
            <div class="table-wrap flat">
                <table class="table grant-matrix" aria-describedby="grants-error">
                    <thead>
                        <tr>
                            <th scope="col">"Endpoint"</th>
                            {ApiAction::ALL
                                .into_iter()
                                .map(|a| view! { <th scope="col" class="check-col" title=a.description()>{a.label()}</th> })
                                .collect_view()}
                            <th scope="col">"Fields"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {ApiEndpoint::ALL
                            .into_iter()
                            .map(|endpoint| {
                                view! {
                                    <tr data-testid=format!("grant-{}", endpoint.name())>
                                        <th scope="row">{endpoint.label()}</th>
                                        {ApiAction::ALL
                                            .into_iter()
                                            .map(|action| {
                                                let supported = endpoint.supports(action);
                                                let label = format!("{} {}", endpoint.label(), action.label());
                                                view! {
                                                    <td class="check-col">
                                                        <input
                                                            type="checkbox"
                                                            aria-label=label
                                                            title=if supported { action.description() } else { "Not available for this endpoint" }
                                                            disabled=!supported
                                                            prop:checked=move || draft.with(|d| {
                                                                d.iter().any(|g| g.endpoint == endpoint && g.actions.contains(&action))
                                                            })
                                                            on:change=move |ev| toggle(endpoint, action, event_target_checked(&ev))
                                                        />
                                                    </td>
                                                }
                                            })
                                            .collect_view()}
                                        <td>
                                            <button
                                                type="button"
                                                class="button small fields-button"
                                                aria-label=format!("Fields of {}", endpoint.label())
                                                disabled=move || !has_actions(endpoint)
                                                on:click=move |_| picking.set(Some(endpoint))
                                            >
                                                {move || match fields_of(endpoint) {
                                                    None => "All fields".to_string(),
                                                    Some(list) => format!("{} of {} fields", list.len(), endpoint.fields().len()),
                                                }}
                                            </button>
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
            <FieldError id="grants-error" message=Signal::derive(move || errors.get().field("grants")) />
            <div class="notice key-warning" role="note">
                <strong>"Default fields. "</strong>
                {DEFAULT_FIELDS_WARNING}
                <br />
                {NO_EMPLOYEE_SUBSET}
            </div>
            <div class="field">
                <label for="key-name">"Key name"</label>
                <input
                    id="key-name"
                    type="text"
                    placeholder="e.g. Calendar sync"
                    aria-describedby="key-name-hint key-name-error"
                    aria-invalid=move || errors.with(|e| e.fields.contains_key("name")).to_string()
                    bind:value=name
                />
                <p class="hint" id="key-name-hint">"Unique within the company; used as an internal identifier."</p>
                <FieldError id="key-name-error" message=Signal::derive(move || errors.get().field("name")) />
            </div>
            <div class="form-actions start">
                <button type="submit" class="button primary" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { "Generating…" } else { "Generate key" }}
                </button>
            </div>
            {move || created.get().map(|c| view! {
                <div class="success-card" role="status" data-testid="key-created">
                    <h3>{format!("Key generated: {}", c.api_key.name)}</h3>
                    <p>
                        <strong>"Copy the key now: it will not be shown again."</strong>
                        " Send it as " <code>"Authorization: Bearer <key>"</code> " to the " <code>"/api/v1"</code> " endpoints."
                    </p>
                    <CopyField id="created-key" label="API key" value=c.key.clone() />
                    <button type="button" class="button small" on:click=move |_| created.set(None)>"Dismiss"</button>
                </div>
            })}
        </form>
        {move || picking.get().map(|endpoint| view! {
            <FieldsDialog
                endpoint=endpoint
                initial=fields_of(endpoint)
                on_close=Callback::new(move |_| picking.set(None))
                on_done=Callback::new(move |fields: Option<Vec<String>>| {
                    draft.update(|d| {
                        if let Some(g) = d.iter_mut().find(|g| g.endpoint == endpoint) {
                            g.fields = fields.clone();
                        }
                    });
                    picking.set(None);
                })
            />
        })}
    }
}

/// The fields picker of one endpoint: every field ticked means all fields (the default, which
/// also covers fields added later); untick those the key must not see.
#[component]
fn FieldsDialog(
    endpoint: ApiEndpoint,
    initial: Option<Vec<String>>,
    on_close: Callback<()>,
    on_done: Callback<Option<Vec<String>>>,
) -> impl IntoView {
    let all: Vec<String> = endpoint.fields().iter().map(|f| f.to_string()).collect();
    let chosen = RwSignal::new(initial.unwrap_or_else(|| all.clone()));
    let error = RwSignal::new(None::<String>);
    let all_for_select = all.clone();
    let done = move |_| {
        let picked: Vec<String> = chosen.with_untracked(|c| {
            endpoint
                .fields()
                .iter()
                .filter(|f| c.iter().any(|x| x == *f))
                .map(|f| f.to_string())
                .collect()
        });
        if picked.is_empty() {
            error.set(Some(
                "Choose at least one field, or select all of them.".into(),
            ));
            return;
        }
        let everything = picked.len() == endpoint.fields().len();
        on_done.run((!everything).then_some(picked));
    };
    view! {
        <Modal title=format!("Fields: {}", endpoint.label()) on_close=on_close>
            <p class="notice">{DEFAULT_FIELDS_WARNING}</p>
            {(endpoint == ApiEndpoint::Employees).then(|| view! { <p class="hint">{NO_EMPLOYEE_SUBSET}</p> })}
            <fieldset class="field">
                <legend>"Fields the key may access"</legend>
                <div class="toolbar">
                    <button type="button" class="button small" on:click=move |_| chosen.set(all_for_select.clone())>"Select all"</button>
                    <button type="button" class="button small" on:click=move |_| chosen.set(Vec::new())>"Clear"</button>
                    <span class="muted count">
                        {move || {
                            let n = chosen.with(Vec::len);
                            if n == endpoint.fields().len() { "All fields".to_string() } else { format!("{n} of {}", endpoint.fields().len()) }
                        }}
                    </span>
                </div>
                <div class="checklist">
                    {all
                        .into_iter()
                        .map(|f| {
                            let (f1, f2) = (f.clone(), f.clone());
                            view! {
                                <label class="check">
                                    <input
                                        type="checkbox"
                                        prop:checked=move || chosen.with(|c| c.contains(&f1))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            let f = f2.clone();
                                            error.set(None);
                                            chosen.update(|c| {
                                                c.retain(|x| *x != f);
                                                if on {
                                                    c.push(f);
                                                }
                                            });
                                        }
                                    />
                                    <span>{field_label(&f)} " " <code class="muted">{f.clone()}</code></span>
                                </label>
                            }
                        })
                        .collect_view()}
                </div>
                <FieldError id="fields-error" message=error />
            </fieldset>
            <div class="form-actions">
                <button type="button" class="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="button" class="button primary" on:click=done>"Done"</button>
            </div>
        </Modal>
    }
}
