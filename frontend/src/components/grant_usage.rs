//! Least privilege from real use: on a key or a credential, "Usage (30 days)" shows which of its
//! grants the request logs saw used and which not, and offers one step, "Narrow to what was
//! used", confirmed with the exact list of what goes. A key keeps the grants it used
//! (`updateApiKeyGrants`); a credential is bound to a new custom role holding the permissions
//! it used (`narrowApiCredential`). Not offered without requests, with nothing unused, or when
//! some requests could not be attributed to a grant (what was used is then not fully known).

use leptos::prelude::*;
use serde::Deserialize;
use serde_json::json;
use shared::{api::ApiGrant, forms, permissions as p};

use crate::{
    api,
    components::{ErrorBanner, FieldError, Loading, Modal},
    queries::{self, ApiCredential, ApiKey, CredentialRole, GrantUsage},
};

/// What the panel is about.
#[derive(Clone)]
pub enum UsageOf {
    Key { company_id: String, key: ApiKey },
    Credential(ApiCredential),
}

impl UsageOf {
    fn id(&self) -> String {
        match self {
            Self::Key { key, .. } => key.id.clone(),
            Self::Credential(c) => c.id.clone(),
        }
    }

    fn name(&self) -> String {
        match self {
            Self::Key { key, .. } => key.name.clone(),
            Self::Credential(c) => c.name.clone(),
        }
    }
}

/// The item after narrowing, for the dialog that shows it: the key with its new grants, or the
/// credential's new role.
#[derive(Clone)]
pub enum Narrowed {
    Key(ApiKey),
    Credential(CredentialRole),
}

/// The window the panel looks at, in days.
const DAYS: i32 = 30;

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyUsageRow {
    id: String,
    unused_grants: GrantUsage,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeysUsageData {
    api_keys: Vec<KeyUsageRow>,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CredentialsUsageData {
    api_credentials: Vec<KeyUsageRow>,
}

#[derive(Clone, Deserialize)]
struct NarrowedCredential {
    role: CredentialRole,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateGrantsData {
    update_api_key_grants: ApiKey,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NarrowData {
    narrow_api_credential: NarrowedCredential,
}

async fn load(of: UsageOf) -> Result<Option<GrantUsage>, Vec<shared::graphql::Error>> {
    match of {
        UsageOf::Key { company_id, key } => api::call::<_, KeysUsageData>(
            &queries::api_key_usage(),
            json!({ "companyId": company_id, "days": DAYS }),
        )
        .await
        .map(|d| {
            d.api_keys
                .into_iter()
                .find(|k| k.id == key.id)
                .map(|k| k.unused_grants)
        }),
        UsageOf::Credential(c) => api::call::<_, CredentialsUsageData>(
            &queries::api_credential_usage(),
            json!({ "companyId": c.company_id, "days": DAYS }),
        )
        .await
        .map(|d| {
            d.api_credentials
                .into_iter()
                .find(|r| r.id == c.id)
                .map(|r| r.unused_grants)
        }),
    }
}

/// "Employees: Read, Create".
fn grant_line(g: &ApiGrant) -> String {
    let actions = g
        .actions
        .iter()
        .map(|a| a.label())
        .collect::<Vec<_>>()
        .join(", ");
    format!("{}: {actions}", g.endpoint.label())
}

fn permission_line(key: &str) -> impl IntoView + use<> {
    let description = p::find(key).map_or("", |i| i.description);
    view! { <code>{key.to_string()}</code> " " <span class="muted">{description}</span> }
}

/// Why narrowing is not offered, or `None` when it is.
pub fn not_offered(u: &GrantUsage, is_key: bool) -> Option<String> {
    let nothing_unused = if is_key {
        u.unused.is_empty()
    } else {
        u.unused_permissions.is_empty()
    };
    if u.requests == 0 {
        Some(format!(
            "No requests in the last {} days: there is nothing to learn from yet, so narrowing is not offered.",
            u.days
        ))
    } else if u.unattributed_requests > 0 {
        Some(format!(
            "{} of the requests could not be attributed to a grant (for example GraphQL calls), so what was \
             used is not fully known and narrowing is not offered.",
            forms::thousands(u.unattributed_requests.into())
        ))
    } else if nothing_unused {
        Some("Everything granted was used: there is nothing to remove.".to_string())
    } else {
        None
    }
}

#[component]
pub fn UsagePanel(of: UsageOf, on_narrowed: Callback<Narrowed>) -> impl IntoView {
    let version = RwSignal::new(0u32);
    let confirming = RwSignal::new(false);
    let is_key = matches!(of, UsageOf::Key { .. });
    let source = of.clone();
    let usage = LocalResource::new(move || {
        version.track();
        load(source.clone())
    });
    let of_for_confirm = of.clone();
    view! {
        <section class="usage-panel" aria-labelledby="usage-heading" data-testid="usage-panel">
            <h3 id="usage-heading">{format!("Usage ({DAYS} days)")}</h3>
            {move || match usage.get() {
                None => view! { <Loading label="Reading the request logs…" /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBanner message=api::first_message(&e) /> }.into_any(),
                Some(Ok(None)) => view! { <p class="muted">"No usage is available."</p> }.into_any(),
                Some(Ok(Some(u))) => {
                    let reason = not_offered(&u, is_key);
                    let summary = format!(
                        "{} {} since {}.",
                        forms::thousands(u.requests.into()),
                        if u.requests == 1 { "request" } else { "requests" },
                        forms::date_of(&u.since),
                    );
                    let (used, unused) = if is_key {
                        (
                            u.used.iter().map(|g| view! { <li>{grant_line(g)}</li> }.into_any()).collect::<Vec<_>>(),
                            u.unused.iter().map(|g| view! { <li>{grant_line(g)}</li> }.into_any()).collect::<Vec<_>>(),
                        )
                    } else {
                        (
                            u.used_permissions.iter().map(|k| view! { <li>{permission_line(k)}</li> }.into_any()).collect(),
                            u.unused_permissions.iter().map(|k| view! { <li>{permission_line(k)}</li> }.into_any()).collect(),
                        )
                    };
                    let used_empty = used.is_empty();
                    let unused_empty = unused.is_empty();
                    let usage_for_confirm = u.clone();
                    let of = of_for_confirm.clone();
                    view! {
                        <p class="muted" data-testid="usage-summary">{summary}</p>
                        <div class="usage-columns">
                            <div data-testid="usage-used">
                                <h4>"Used"</h4>
                                {if used_empty {
                                    view! { <p class="muted">"Nothing."</p> }.into_any()
                                } else {
                                    view! { <ul class="usage-list used">{used}</ul> }.into_any()
                                }}
                            </div>
                            <div data-testid="usage-unused">
                                <h4>"Not used"</h4>
                                {if unused_empty {
                                    view! { <p class="muted">"Nothing."</p> }.into_any()
                                } else {
                                    view! { <ul class="usage-list unused">{unused}</ul> }.into_any()
                                }}
                            </div>
                        </div>
                        {match reason {
                            Some(why) => view! { <p class="hint" data-testid="usage-not-offered">{why}</p> }.into_any(),
                            None => view! {
                                <button type="button" class="button" on:click=move |_| confirming.set(true)>
                                    "Narrow to what was used"
                                </button>
                            }
                            .into_any(),
                        }}
                        <Show when=move || confirming.get()>
                            <NarrowDialog
                                of=of.clone()
                                usage=usage_for_confirm.clone()
                                on_close=Callback::new(move |_| confirming.set(false))
                                on_done=Callback::new(move |n| {
                                    confirming.set(false);
                                    version.update(|v| *v += 1);
                                    on_narrowed.run(n);
                                })
                            />
                        </Show>
                    }
                    .into_any()
                }
            }}
        </section>
    }
}

/// The confirmation: exactly what will be removed; for a credential, the new role's name.
#[component]
fn NarrowDialog(
    of: UsageOf,
    usage: GrantUsage,
    on_close: Callback<()>,
    on_done: Callback<Narrowed>,
) -> impl IntoView {
    let is_key = matches!(of, UsageOf::Key { .. });
    let name = of.name();
    let role_name = RwSignal::new(format!("{name} – least privilege"));
    let error = RwSignal::new(None::<String>);
    let field_error = RwSignal::new(None::<String>);
    let id = of.id();
    let used_grants = usage.used.clone();
    let used_permissions = usage.used_permissions.clone();
    let narrow = Action::new_local(move |role: &String| {
        let id = id.clone();
        let role = role.clone();
        let grants = used_grants.clone();
        let permissions = used_permissions.clone();
        async move {
            if is_key {
                api::call::<_, UpdateGrantsData>(
                    queries::UPDATE_API_KEY_GRANTS,
                    json!({ "id": id, "grants": grants }),
                )
                .await
                .map(|d| Narrowed::Key(d.update_api_key_grants))
            } else {
                api::call::<_, NarrowData>(
                    queries::NARROW_API_CREDENTIAL,
                    json!({ "id": id, "input": { "roleName": role, "permissions": permissions } }),
                )
                .await
                .map(|d| Narrowed::Credential(d.narrow_api_credential.role))
            }
        }
    });
    Effect::new(move |_| match narrow.value().get() {
        Some(Ok(n)) => on_done.run(n),
        Some(Err(e)) => {
            let found = api::FormErrors::from_server(&e);
            field_error.set(
                found
                    .field("roleName")
                    .or_else(|| found.field("input.roleName")),
            );
            error.set(
                found
                    .general
                    .first()
                    .cloned()
                    .or_else(|| found.fields.is_empty().then(|| api::first_message(&e))),
            );
        }
        None => {}
    });
    let removed: Vec<AnyView> = if is_key {
        usage
            .unused
            .iter()
            .map(|g| view! { <li>{grant_line(g)}</li> }.into_any())
            .collect()
    } else {
        usage
            .unused_permissions
            .iter()
            .map(|k| view! { <li>{permission_line(k)}</li> }.into_any())
            .collect()
    };
    let count = removed.len();
    let explanation = if is_key {
        "The key keeps what it used, and nothing else, at once. The key itself does not change."
            .to_string()
    } else {
        format!(
            "A custom role with the {} permissions used is created and the credentials are bound to it. \
             The client id and secret do not change; access tokens already issued lose the removed \
             permissions at once.",
            usage.used_permissions.len()
        )
    };
    let confirm = move |_| {
        error.set(None);
        field_error.set(None);
        if !is_key {
            match forms::name("roleName", &role_name.get_untracked()) {
                Ok(n) => {
                    narrow.dispatch(n);
                }
                Err(e) => field_error.set(Some(e.message)),
            }
        } else {
            narrow.dispatch(String::new());
        }
    };
    view! {
        <Modal title=format!("Narrow {name} to what was used?") on_close=on_close>
            {move || error.get().map(|m| view! { <ErrorBanner message=m /> })}
            <p>{format!("{count} unused {} will be removed:", if is_key { "grants" } else { "permissions" })}</p>
            <ul class="usage-list unused removed" data-testid="narrow-removed">{removed}</ul>
            <p class="hint">{explanation}</p>
            {(!is_key).then(|| view! {
                <div class="field">
                    <label for="narrow-role-name">"Name of the new role"</label>
                    <input id="narrow-role-name" type="text" aria-describedby="narrow-role-name-error" bind:value=role_name />
                    <FieldError id="narrow-role-name-error" message=field_error />
                </div>
            })}
            <div class="form-actions">
                <button type="button" class="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="button" class="button danger" disabled=move || narrow.pending().get() on:click=confirm>
                    {format!("Remove {count} unused")}
                </button>
            </div>
        </Modal>
    }
}
