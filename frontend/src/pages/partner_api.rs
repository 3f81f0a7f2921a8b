//! Settings → Organisation → Partner API (seed 001, SPEC §3.2): a company's OAuth 2.0 client
//! credentials. "Back to Settings" and the API documentation at the top, **Create credentials**
//! top right (and in the middle of the empty state); creating asks for a name and the role that
//! bounds what the integration may do (default Company admin), then shows the client id and the
//! client secret once, with how to get an access token. The list shows client id, name, role,
//! created, last used and status; each entry has details, regenerate secret (optionally keeping
//! the old one for a grace period) and revoke, both confirmed.

use leptos::prelude::*;
use serde::Deserialize;
use serde_json::json;
use shared::{forms, permissions as p, roles::COMPANY_ADMIN};

use super::settings::{BackToSettings, SettingsCompany};
use crate::{
    api::{self, FormErrors},
    app::Forbidden,
    auth,
    components::{
        AgoCell, ConfirmDialog, CopyField, DateCell, EmptyState, ErrorBanner, FieldError, Loading,
        Modal, Narrowed, UsageOf, UsagePanel, ago, is_future,
    },
    queries::{self, ApiCredential, CreatedApiCredential, Role},
};

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CredentialsData {
    api_credentials: Vec<ApiCredential>,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateData {
    create_api_credential: CreatedApiCredential,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegenerateData {
    regenerate_api_credential_secret: CreatedApiCredential,
}

#[derive(Clone, Deserialize)]
struct RolesData {
    roles: Vec<Role>,
}

/// Where the interactive API documentation is (Swagger UI, served by the server).
pub const API_DOCS: &str = "/api/docs";

/// The grace periods offered when regenerating a secret (the server allows 0 to 24 hours).
const GRACE_CHOICES: [(i32, &str); 4] = [
    (0, "None: the old secret stops working now"),
    (3_600, "1 hour"),
    (6 * 3_600, "6 hours"),
    (86_400, "24 hours"),
];

/// A secret just issued, shown once: after creating, or after regenerating.
#[derive(Clone)]
struct Issued {
    title: &'static str,
    created: CreatedApiCredential,
}

#[component]
pub fn PartnerApiPage() -> impl IntoView {
    let auth = auth::use_auth();
    if !auth.can(p::API_CREDENTIALS_MANAGE) {
        return view! { <Forbidden /> }.into_any();
    }
    let company = RwSignal::new(None::<String>);
    let reload = RwSignal::new(0u32);
    let creating = RwSignal::new(false);
    let issued = RwSignal::new(None::<Issued>);
    let details = RwSignal::new(None::<ApiCredential>);
    let regenerating = RwSignal::new(None::<ApiCredential>);
    let revoking = RwSignal::new(None::<ApiCredential>);
    let error = RwSignal::new(None::<String>);
    let list = LocalResource::new(move || {
        reload.track();
        let company_id = company.get();
        async move {
            match company_id {
                None => Ok(None),
                Some(id) => api::call::<_, CredentialsData>(
                    &queries::api_credentials(),
                    json!({ "companyId": id }),
                )
                .await
                .map(|d| Some(d.api_credentials)),
            }
        }
    });
    let revoke = Action::new_local(|id: &String| {
        let variables = json!({ "id": id });
        async move { api::call::<_, serde_json::Value>(queries::REVOKE_API_CREDENTIAL, variables).await }
    });
    Effect::new(move |_| match revoke.value().get() {
        Some(Ok(_)) => {
            error.set(None);
            reload.update(|n| *n += 1);
        }
        Some(Err(e)) => error.set(Some(api::first_message(&e))),
        None => {}
    });
    let open_create = move |_| creating.set(true);
    let ready = move || company.get().is_some();

    view! {
        <section class="page">
            <BackToSettings company=company />
            <header class="page-head settings-head">
                <div>
                    <h1>"Partner API"</h1>
                    <p class="muted">
                        "Credentials that external systems use to connect to the platform: each integration gets a \
                         client id and a client secret, and exchanges them for short-lived access tokens."
                    </p>
                </div>
                <div class="head-actions">
                    <a class="button ghost" href=API_DOCS target="_blank" rel="noopener">"API documentation ↗"</a>
                    <button type="button" class="button primary" disabled=move || !ready() on:click=open_create>
                        "Create credentials"
                    </button>
                </div>
            </header>
            <SettingsCompany selected=company />
            <p class="hint intro">
                "Give each integration its own credentials, bound to the narrowest role it needs; store the secret \
                 securely and rotate it regularly. Revoking credentials cuts the integration off at once."
            </p>
            {move || error.get().map(|m| view! { <ErrorBanner message=m /> })}
            {move || match list.get() {
                None | Some(Ok(None)) => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBanner message=api::first_message(&e) /> }.into_any(),
                Some(Ok(Some(rows))) if rows.is_empty() => view! {
                    <EmptyState
                        title="No credentials yet"
                        text="No external system is connected through the Partner API. Create credentials to connect your first integration."
                    >
                        <button type="button" class="button primary" on:click=open_create>"Create credentials"</button>
                    </EmptyState>
                }
                .into_any(),
                Some(Ok(Some(rows))) => view! {
                    <div class="table-wrap">
                        <table class="table credentials-table" data-testid="credentials">
                            <thead>
                                <tr>
                                    <th scope="col">"Client ID"</th>
                                    <th scope="col">"Name"</th>
                                    <th scope="col">"Role"</th>
                                    <th scope="col">"Created"</th>
                                    <th scope="col">"Last used"</th>
                                    <th scope="col">"Status"</th>
                                    <th scope="col" class="actions-col"><span class="sr-only">"Actions"</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                {rows.into_iter().map(|c| credential_row(c, details, regenerating, revoking)).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any(),
            }}
            <Show when=move || creating.get()>
                <CreateCredentialDialog
                    company_id=company.get_untracked().unwrap_or_default()
                    on_close=Callback::new(move |_| creating.set(false))
                    on_created=Callback::new(move |created| {
                        creating.set(false);
                        issued.set(Some(Issued { title: "Credentials created", created }));
                        reload.update(|n| *n += 1);
                    })
                />
            </Show>
            {move || issued.get().map(|i| view! {
                <SecretDialog issued=i on_close=Callback::new(move |_| issued.set(None)) />
            })}
            {move || details.get().map(|c| view! {
                <DetailsDialog
                    credential=c
                    on_close=Callback::new(move |_| details.set(None))
                    on_regenerate=Callback::new(move |c| {
                        details.set(None);
                        regenerating.set(Some(c));
                    })
                    on_revoke=Callback::new(move |c| {
                        details.set(None);
                        revoking.set(Some(c));
                    })
                    on_changed=Callback::new(move |_| reload.update(|n| *n += 1))
                />
            })}
            {move || regenerating.get().map(|c| view! {
                <RegenerateDialog
                    credential=c
                    on_close=Callback::new(move |_| regenerating.set(None))
                    on_done=Callback::new(move |created| {
                        regenerating.set(None);
                        issued.set(Some(Issued { title: "New client secret", created }));
                        reload.update(|n| *n += 1);
                    })
                />
            })}
            {move || revoking.get().map(|c| {
                let id = c.id.clone();
                view! {
                    <ConfirmDialog
                        title=format!("Revoke {}?", c.name)
                        message="The client secret stops working, and so does every access token already issued with \
                                 it: the integration is cut off at once. This cannot be undone."
                        confirm_label="Revoke credentials"
                        danger=true
                        on_cancel=Callback::new(move |_| revoking.set(None))
                        on_confirm=Callback::new(move |_| {
                            revoking.set(None);
                            revoke.dispatch(id.clone());
                        })
                    />
                }
            })}
        </section>
    }
    .into_any()
}

fn status_badge(c: &ApiCredential) -> impl IntoView + use<> {
    let (class, text) = if c.is_active() {
        ("badge ok", "Active")
    } else {
        ("badge muted", "Revoked")
    };
    let grace = c
        .previous_secret_expires_at
        .clone()
        .filter(|at| c.is_active() && is_future(at))
        .map(|at| {
            view! {
                <span class="hint grace" title=at.clone()>
                    {format!("old secret valid {}", ago(Some(&at)))}
                </span>
            }
        });
    view! {
        <span class=class>{text}</span>
        {grace}
    }
}

fn credential_row(
    c: ApiCredential,
    details: RwSignal<Option<ApiCredential>>,
    regenerating: RwSignal<Option<ApiCredential>>,
    revoking: RwSignal<Option<ApiCredential>>,
) -> impl IntoView {
    let active = c.is_active();
    let (d, g, r) = (c.clone(), c.clone(), c.clone());
    view! {
        <tr class:revoked=!active>
            <td class="mono">{c.client_id.clone()}</td>
            <td>{c.name.clone()}</td>
            <td>{c.role.name.clone()}</td>
            <td class="nowrap"><DateCell at=c.created_at.clone() /></td>
            <td class="nowrap"><AgoCell at=c.last_used_at.clone() /></td>
            <td class="status-cell">{status_badge(&c)}</td>
            <td class="actions-col">
                <button type="button" class="button small" aria-label=format!("Details of {}", c.name)
                    on:click=move |_| details.set(Some(d.clone()))>"Details"</button>
                <Show when=move || active>
                    <button type="button" class="button small" on:click={
                        let g = g.clone();
                        move |_| regenerating.set(Some(g.clone()))
                    }>"Regenerate secret"</button>
                    <button type="button" class="button small danger-text" on:click={
                        let r = r.clone();
                        move |_| revoking.set(Some(r.clone()))
                    }>"Revoke"</button>
                </Show>
            </td>
        </tr>
    }
}

/// "Create credentials": a name and the role bounding what the integration may do.
#[component]
fn CreateCredentialDialog(
    company_id: String,
    on_close: Callback<()>,
    on_created: Callback<CreatedApiCredential>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    // `None` until chosen: the server's default, the built-in Company admin.
    let role_id = RwSignal::new(None::<String>);
    let errors = RwSignal::new(FormErrors::default());
    let roles_company = company_id.clone();
    let roles = LocalResource::new(move || {
        let id = roles_company.clone();
        async move {
            api::call::<_, RolesData>(&queries::roles(), json!({ "companyId": id }))
                .await
                .map(|d| {
                    d.roles
                        .into_iter()
                        .filter(|r| r.kind == "company")
                        .collect::<Vec<_>>()
                })
        }
    });
    let save = Action::new_local(|variables: &serde_json::Value| {
        let variables = variables.clone();
        async move { api::call::<_, CreateData>(&queries::create_api_credential(), variables).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(d)) => on_created.run(d.create_api_credential),
        Some(Err(e)) => errors.set(FormErrors::from_server(&e)),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match forms::name("name", &name.get_untracked()) {
            Err(e) => errors.set(FormErrors::from_validation(e)),
            Ok(n) => {
                errors.set(FormErrors::default());
                let mut input = json!({ "companyId": company_id, "name": n });
                if let Some(role) = role_id.get_untracked() {
                    input["roleId"] = json!(role);
                }
                save.dispatch(json!({ "input": input }));
            }
        }
    };
    view! {
        <Modal title="Create credentials" on_close=on_close>
            <form on:submit=on_submit novalidate>
                {move || errors.get().general.first().cloned().map(|m| view! { <ErrorBanner message=m /> })}
                <div class="field">
                    <label for="credential-name">"Name"</label>
                    <input
                        id="credential-name"
                        type="text"
                        autofocus
                        placeholder="e.g. Payroll sync"
                        aria-describedby="credential-name-hint credential-name-error"
                        aria-invalid=move || errors.with(|e| e.fields.contains_key("name")).to_string()
                        bind:value=name
                    />
                    <p class="hint" id="credential-name-hint">"An internal name for the integration using these credentials."</p>
                    <FieldError id="credential-name-error" message=Signal::derive(move || errors.get().field("name")) />
                </div>
                <div class="field">
                    <label for="credential-role">"Role"</label>
                    {move || match roles.get() {
                        None => view! { <Loading label="Loading roles…" /> }.into_any(),
                        Some(Err(e)) => view! { <ErrorBanner message=api::first_message(&e) /> }.into_any(),
                        Some(Ok(list)) => view! {
                            <select
                                id="credential-role"
                                aria-describedby="credential-role-hint credential-role-error"
                                on:change=move |ev| role_id.set(Some(event_target_value(&ev)))
                            >
                                {list
                                    .into_iter()
                                    .map(|r| {
                                        let chosen = role_id.get_untracked();
                                        let selected = match &chosen {
                                            Some(id) => *id == r.id,
                                            None => r.built_in && r.name == COMPANY_ADMIN,
                                        };
                                        let label = format!("{} ({} permissions)", r.name, r.permissions.len());
                                        view! { <option value=r.id.clone() selected=selected>{label}</option> }
                                    })
                                    .collect_view()}
                            </select>
                        }
                        .into_any(),
                    }}
                    <p class="hint" id="credential-role-hint">
                        "The role bounds what the integration may do. Choose the narrowest role it needs \
                         (create a custom role under Roles for a least-privilege integration)."
                    </p>
                    <FieldError id="credential-role-error" message=Signal::derive(move || errors.get().field("roleId")) />
                </div>
                <div class="form-actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>
                        "Create credentials"
                    </button>
                </div>
            </form>
        </Modal>
    }
}

/// How an integration exchanges its credentials for an access token.
#[component]
fn TokenHowTo(client_id: String) -> impl IntoView {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let snippet = format!(
        "curl -u \"{client_id}:$CLIENT_SECRET\" \\\n  -d grant_type=client_credentials \\\n  {origin}/oauth/token"
    );
    view! {
        <div class="howto">
            <h3>"How to get an access token"</h3>
            <p class="hint">
                "Send the client id and secret to " <code>"POST /oauth/token"</code>
                " with " <code>"grant_type=client_credentials"</code>
                " (HTTP Basic authentication or form fields). The answer's " <code>"access_token"</code>
                " is valid for one hour: send it as " <code>"Authorization: Bearer …"</code>
                " to the " <code>"/api/v1"</code> " endpoints, and ask for a new one when it expires."
            </p>
            <pre class="code-block">{snippet}</pre>
        </div>
    }
}

/// The client id and secret, shown once.
#[component]
fn SecretDialog(issued: Issued, on_close: Callback<()>) -> impl IntoView {
    let c = issued.created;
    view! {
        <Modal title=issued.title on_close=on_close>
            <p class="notice" role="status">
                <strong>"Copy the client secret now: it will not be shown again."</strong>
                " Store it securely, like a password. If it is lost, regenerate it."
            </p>
            <p class="muted">{format!("Credentials for {} ({})", c.credential.name, c.credential.role.name)}</p>
            <CopyField id="issued-client-id" label="Client ID" value=c.client_id.clone() />
            <CopyField id="issued-client-secret" label="Client secret" value=c.client_secret.clone() />
            <TokenHowTo client_id=c.client_id.clone() />
            <div class="form-actions">
                <button type="button" class="button primary" on:click=move |_| on_close.run(())>"Done"</button>
            </div>
        </Modal>
    }
}

/// One credential's details, with its role's permissions and what can be done to it.
#[component]
fn DetailsDialog(
    credential: ApiCredential,
    on_close: Callback<()>,
    on_regenerate: Callback<ApiCredential>,
    on_revoke: Callback<ApiCredential>,
    /// Something changed it (narrowing): the list is re-read.
    on_changed: Callback<()>,
) -> impl IntoView {
    let c = credential;
    let active = c.is_active();
    // Narrowing binds the credential to a new role: what the dialog shows of the role follows.
    let role = RwSignal::new(c.role.clone());
    let permissions = move || {
        role.get()
            .permissions
            .into_iter()
            .map(|k| {
                let description = p::find(&k).map_or("", |i| i.description);
                view! { <li><code>{k}</code> " " <span class="muted">{description}</span></li> }
            })
            .collect_view()
    };
    let usage = active.then(|| {
        view! {
            <UsagePanel
                of=UsageOf::Credential(c.clone())
                on_narrowed=Callback::new(move |n| {
                    if let Narrowed::Credential(r) = n {
                        role.set(r);
                    }
                    on_changed.run(());
                })
            />
        }
    });
    let grace = c
        .previous_secret_expires_at
        .clone()
        .filter(|at| active && is_future(at));
    let (g, r) = (c.clone(), c.clone());
    view! {
        <Modal title=format!("Credentials: {}", c.name) on_close=on_close>
            <dl class="details">
                <dt>"Client ID"</dt>
                <dd class="mono">{c.client_id.clone()}</dd>
                <dt>"Client secret"</dt>
                <dd class="mono">{c.masked_secret.clone()}</dd>
                <dt>"Status"</dt>
                <dd>{status_badge(&c)}</dd>
                <dt>"Created"</dt>
                <dd title=c.created_at.clone()>{format!("{} ({})", forms::date_of(&c.created_at), ago(Some(&c.created_at)))}</dd>
                <dt>"Last used"</dt>
                <dd><AgoCell at=c.last_used_at.clone() /></dd>
                {grace.map(|at| view! {
                    <dt>"Old secret"</dt>
                    <dd title=at.clone()>{format!("keeps working until {}", at.replace('T', " "))}</dd>
                })}
                {c.revoked_at.clone().map(|at| view! {
                    <dt>"Revoked"</dt>
                    <dd title=at.clone()>{ago(Some(&at))}</dd>
                })}
                <dt>"Role"</dt>
                <dd data-testid="credential-role">{move || role.get().name}</dd>
            </dl>
            <details class="perm-details">
                <summary>{move || format!("What the role allows ({} permissions)", role.with(|r| r.permissions.len()))}</summary>
                <ul class="perm-items">{permissions}</ul>
            </details>
            {usage}
            <div class="form-actions">
                <Show when=move || active>
                    <button type="button" class="button danger-text" on:click={
                        let r = r.clone();
                        move |_| on_revoke.run(r.clone())
                    }>"Revoke"</button>
                    <button type="button" class="button" on:click={
                        let g = g.clone();
                        move |_| on_regenerate.run(g.clone())
                    }>"Regenerate secret"</button>
                </Show>
                <button type="button" class="button primary" on:click=move |_| on_close.run(())>"Close"</button>
            </div>
        </Modal>
    }
}

/// "Regenerate secret": confirms, and offers to keep the old secret working for a while.
#[component]
fn RegenerateDialog(
    credential: ApiCredential,
    on_close: Callback<()>,
    on_done: Callback<CreatedApiCredential>,
) -> impl IntoView {
    let grace = RwSignal::new(0i32);
    let error = RwSignal::new(None::<String>);
    let id = credential.id.clone();
    let regenerate = Action::new_local(move |grace: &i32| {
        let variables = json!({ "id": id, "graceSeconds": grace });
        async move {
            api::call::<_, RegenerateData>(&queries::regenerate_api_credential_secret(), variables)
                .await
        }
    });
    Effect::new(move |_| match regenerate.value().get() {
        Some(Ok(d)) => on_done.run(d.regenerate_api_credential_secret),
        Some(Err(e)) => error.set(Some(api::first_message(&e))),
        None => {}
    });
    view! {
        <Modal title=format!("Regenerate the secret of {}?", credential.name) on_close=on_close>
            {move || error.get().map(|m| view! { <ErrorBanner message=m /> })}
            <p class="confirm-message">
                "A new client secret is generated and shown once. Access tokens issued so far stop working at \
                 once; the integration must then use the new secret."
            </p>
            <div class="field">
                <label for="grace-period">"Grace period for the old secret"</label>
                <select id="grace-period" aria-describedby="grace-period-hint"
                    on:change=move |ev| grace.set(event_target_value(&ev).parse().unwrap_or(0))>
                    {GRACE_CHOICES
                        .iter()
                        .map(|(secs, label)| view! { <option value=secs.to_string() selected=*secs == 0>{*label}</option> })
                        .collect_view()}
                </select>
                <p class="hint" id="grace-period-hint">
                    "With a grace period the old secret can still obtain access tokens until it ends, so the \
                     integration can switch over without downtime."
                </p>
            </div>
            <div class="form-actions">
                <button type="button" class="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="button" class="button primary" disabled=move || regenerate.pending().get()
                    on:click=move |_| { regenerate.dispatch(grace.get_untracked()); }>
                    "Regenerate secret"
                </button>
            </div>
        </Modal>
    }
}
