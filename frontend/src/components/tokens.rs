//! Personal access tokens, as both the Partner API Tokens page and Global Settings → API
//! Management show them: the creation form (name and expiry), the show-once dialog with Copy,
//! and the list of the caller's own tokens (masked token, created, last used, expiry status)
//! with revocation behind a confirmation.

use leptos::prelude::*;
use serde::Deserialize;
use serde_json::json;
use shared::{
    datetime::{self, ExpiryTone, LocalClock},
    forms,
};

use super::{
    ConfirmDialog, EmptyState, ErrorBanner, FieldError, Loading, Modal, PagerState, SearchToolbar,
    secret::copy_to_clipboard,
};
use crate::{
    api::{self, FormErrors},
    pages::non_blank,
    queries::{self, CreatedPersonalAccessToken, PersonalAccessToken},
};

/// Seed 000's help text of the tokens page, word for word.
pub const TOKENS_HELP: &str = "You can generate a token to authenticate third-party API calls. \
The generated token will share your permissions. If you wish to restrict API access to certain \
subsets of data or endpoints, we recommend that you create a separate user with separate roles \
and generate a token for that user instead.";

/// Seed 000's help text of the Name field.
pub const NAME_HELP: &str = "The name is used as an internal identifier.";

/// Where the interactive API documentation is served (Swagger UI, from the binary).
pub const API_DOCS_URL: &str = "/api/docs";

/// The browser's clock and time zone, for "5 days ago" and local dates.
pub fn local_clock() -> LocalClock {
    LocalClock {
        now: (js_sys::Date::now() / 1000.0) as i64,
        offset_minutes: js_sys::Date::new_0().get_timezone_offset() as i64,
    }
}

/// The clock, read again every 30 s, so relative times ("just now") do not go stale.
fn ticking_clock() -> ReadSignal<LocalClock> {
    let (clock, set_clock) = signal(local_clock());
    if let Ok(handle) = set_interval_with_handle(
        move || set_clock.set(local_clock()),
        std::time::Duration::from_secs(30),
    ) {
        on_cleanup(move || handle.clear());
    }
    clock
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreatedData {
    create_personal_access_token: CreatedPersonalAccessToken,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokensData {
    personal_access_tokens: Vec<PersonalAccessToken>,
}

/// The creation form: Name (required, unique among the caller's tokens: the server answers
/// "Token already exists" beside it) and Expiration (No expiration, or a date: the token works
/// until the end of that day). `on_created` receives the token, to be shown once.
#[component]
pub fn NewTokenForm(
    /// Prefix of the inputs' ids, so two forms never share one.
    id: &'static str,
    /// "Name" on the tokens page, "Token name" in API Management (each seed's word).
    name_label: &'static str,
    submit_label: &'static str,
    on_created: Callback<CreatedPersonalAccessToken>,
    /// A Cancel button (in a dialog).
    #[prop(optional)]
    on_cancel: Option<Callback<()>>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let no_expiration = RwSignal::new(true);
    let date = RwSignal::new(String::new());
    let errors = RwSignal::new(FormErrors::default());
    let save = Action::new_local(|variables: &serde_json::Value| {
        let variables = variables.clone();
        async move {
            api::call::<_, CreatedData>(&queries::create_personal_access_token(), variables).await
        }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(created)) => {
            name.set(String::new());
            no_expiration.set(true);
            date.set(String::new());
            errors.set(FormErrors::default());
            on_created.run(created.create_personal_access_token);
        }
        Some(Err(e)) => errors.set(FormErrors::from_server(&e)),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut found = FormErrors::default();
        let n = forms::name("name", &name.get_untracked());
        let expiry = datetime::expiry_from_date(
            no_expiration.get_untracked(),
            &date.get_untracked(),
            local_clock(),
        );
        for err in [n.as_ref().err(), expiry.as_ref().err()]
            .into_iter()
            .flatten()
        {
            found.fields.insert(err.field.into(), err.message.clone());
        }
        errors.set(found);
        if let (Ok(n), Ok(expires_at)) = (n, expiry) {
            save.dispatch(json!({ "input": { "name": n, "expiresAt": expires_at } }));
        }
    };
    let name_id = format!("{id}-name");
    let name_help = format!("{id}-name-help");
    let name_error = format!("{id}-name-error");
    let date_id = format!("{id}-expires-on");
    let date_error = format!("{id}-expires-error");
    let today = local_clock().today();
    view! {
        <form class="token-form" on:submit=on_submit novalidate>
            {move || errors.get().general.first().cloned().map(|m| view! { <ErrorBanner message=m /> })}
            <div class="field">
                <label for=name_id.clone()>{name_label}</label>
                <input
                    id=name_id
                    type="text"
                    autocomplete="off"
                    aria-describedby=format!("{name_help} {name_error}")
                    aria-invalid=move || errors.with(|e| e.fields.contains_key("name")).to_string()
                    bind:value=name
                />
                <p class="hint" id=name_help>{NAME_HELP}</p>
                <FieldError id=name_error message=Signal::derive(move || errors.get().field("name")) />
            </div>
            <fieldset class="field">
                <legend>"Expiration"</legend>
                <label class="check">
                    <input
                        type="radio"
                        name=format!("{id}-expiry")
                        prop:checked=move || no_expiration.get()
                        on:change=move |_| no_expiration.set(true)
                    />
                    <span>"No expiration"</span>
                </label>
                <div class="expiry-date">
                    <label class="check">
                        <input
                            type="radio"
                            name=format!("{id}-expiry")
                            prop:checked=move || !no_expiration.get()
                            on:change=move |_| no_expiration.set(false)
                        />
                        <span>"Expires on"</span>
                    </label>
                    <label class="sr-only" for=date_id.clone()>"Expiration date"</label>
                    <input
                        id=date_id
                        type="date"
                        min=today
                        aria-describedby=date_error.clone()
                        aria-invalid=move || errors.with(|e| e.fields.contains_key("expiresAt")).to_string()
                        prop:value=move || date.get()
                        on:input=move |ev| {
                            date.set(event_target_value(&ev));
                            no_expiration.set(false);
                        }
                    />
                </div>
                <FieldError id=date_error message=Signal::derive(move || errors.get().field("expiresAt")) />
            </fieldset>
            <div class="form-actions">
                {on_cancel.map(|cancel| view! {
                    <button type="button" class="button" on:click=move |_| cancel.run(())>"Cancel"</button>
                })}
                <button type="submit" class="button primary" disabled=move || save.pending().get()>
                    {submit_label}
                </button>
            </div>
        </form>
    }
}

/// The new token, shown once, with a Copy button. Closing the dialog forgets it.
#[component]
pub fn TokenCreatedDialog(
    created: CreatedPersonalAccessToken,
    on_close: Callback<()>,
) -> impl IntoView {
    let token = created.token;
    let copy = Action::new_local(|text: &String| copy_to_clipboard(text.clone()));
    let title = format!("Token “{}” generated", created.personal_access_token.name);
    view! {
        <Modal title=title on_close=on_close>
            <p class="notice token-warning">
                "Copy the token now and store it somewhere safe: it will not be shown again."
            </p>
            <div class="token-reveal">
                <code class="token-secret" data-testid="new-token">{token.clone()}</code>
                <button
                    type="button"
                    class="button primary"
                    on:click={
                        let token = token.clone();
                        move |_| {
                            copy.dispatch(token.clone());
                        }
                    }
                >
                    "Copy"
                </button>
            </div>
            <p class="copy-status" role="status" aria-live="polite">
                {move || match copy.value().get() {
                    Some(true) => view! { <span class="saved">"Copied"</span> }.into_any(),
                    Some(false) => view! {
                        <span class="field-error">
                            "The browser did not allow copying: select the token and copy it by hand."
                        </span>
                    }
                    .into_any(),
                    None => ().into_any(),
                }}
            </p>
            <p class="hint">
                "Send it as "<code>"Authorization: Bearer <token>"</code>
                " to the REST API (/api/v1) or to GraphQL (/graphql)."
            </p>
            <div class="form-actions">
                <button type="button" class="button" on:click=move |_| on_close.run(())>"Done"</button>
            </div>
        </Modal>
    }
}

/// The words of revocation: the tokens page revokes (seed 002), API Management deletes (seed 003).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeWording {
    Revoke,
    Delete,
}

impl RevokeWording {
    fn button(self) -> &'static str {
        match self {
            Self::Revoke => "Revoke",
            Self::Delete => "Delete",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::Revoke => "Revoke this token?",
            Self::Delete => "Delete this token?",
        }
    }

    fn confirm(self) -> &'static str {
        match self {
            Self::Revoke => "Revoke token",
            Self::Delete => "Delete token",
        }
    }

    fn done(self) -> &'static str {
        match self {
            Self::Revoke => "revoked",
            Self::Delete => "deleted",
        }
    }
}

/// The caller's own tokens, newest first, optionally with the name filter; each can be revoked
/// (after a confirmation). `reload` is bumped by the owner after creating a token.
#[component]
pub fn TokenList(
    reload: RwSignal<u32>,
    wording: RevokeWording,
    /// The name filter's input id; no filter without one.
    #[prop(optional)]
    filter_id: Option<&'static str>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    // The search bar restarts paging on each keystroke; this list is not paged.
    let pager = RwSignal::new(PagerState::default());
    let confirming = RwSignal::new(None::<PersonalAccessToken>);
    let done = RwSignal::new(None::<String>);
    let clock = ticking_clock();
    let list = LocalResource::new(move || {
        reload.track();
        let variables = json!({ "name": non_blank(&name.get()) });
        async move {
            api::call::<_, TokensData>(&queries::personal_access_tokens(), variables)
                .await
                .map(|d| d.personal_access_tokens)
        }
    });
    let revoke = Action::new_local(|token: &PersonalAccessToken| {
        let token = token.clone();
        async move {
            api::call::<_, serde_json::Value>(
                queries::REVOKE_PERSONAL_ACCESS_TOKEN,
                json!({ "id": token.id }),
            )
            .await
            .map(|_| token.name)
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(name)) = revoke.value().get() {
            done.set(Some(format!("Token “{name}” {}.", wording.done())));
            reload.update(|n| *n += 1);
        }
    });
    let count = Signal::derive(move || {
        list.get().and_then(Result::ok).map(|l| match l.len() {
            1 => "1 token".to_string(),
            n => format!("{n} tokens"),
        })
    });
    view! {
        {filter_id.map(|id| view! {
            <SearchToolbar
                id=id
                label="Filter tokens by name"
                placeholder="Filter by name…"
                search=name
                pager=pager
                count=count
            />
        })}
        {move || match revoke.value().get() {
            Some(Err(e)) => Some(view! { <ErrorBanner message=api::first_message(&e) /> }),
            _ => None,
        }}
        {move || done.get().map(|m| view! { <p class="saved token-done" role="status">{m}</p> })}
        {move || match list.get() {
            None => view! { <Loading label="Loading tokens…" /> }.into_any(),
            Some(Err(e)) => view! { <ErrorBanner message=api::first_message(&e) /> }.into_any(),
            Some(Ok(tokens)) if tokens.is_empty() => {
                if name.with_untracked(|n| n.trim().is_empty()) {
                    view! {
                        <EmptyState
                            title="No tokens yet"
                            text="Generate a token to authenticate third-party API calls as yourself."
                        />
                    }
                    .into_any()
                } else {
                    view! { <EmptyState title="No tokens" text="No token matches this name." /> }
                        .into_any()
                }
            }
            Some(Ok(tokens)) => view! {
                <div class="table-wrap">
                    <table class="table tokens-table">
                        <thead>
                            <tr>
                                <th scope="col">"Name"</th>
                                <th scope="col">"Token"</th>
                                <th scope="col">"Created"</th>
                                <th scope="col">"Last used"</th>
                                <th scope="col">"Expiration"</th>
                                <th scope="col" class="actions-col"><span class="sr-only">"Actions"</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {tokens
                                .into_iter()
                                .map(|t| view! { <TokenRow token=t clock=clock wording=wording confirming=confirming /> })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any(),
        }}
        {move || {
            confirming
                .get()
                .map(|t| {
                    view! {
                        <ConfirmDialog
                            title=wording.title()
                            message=format!(
                                "“{}” ({}) stops working at once, on the REST API and on GraphQL. This cannot be undone: a new token would have to be generated.",
                                t.name,
                                t.masked_token,
                            )
                            confirm_label=wording.confirm()
                            danger=true
                            on_cancel=Callback::new(move |_| confirming.set(None))
                            on_confirm=Callback::new(move |_| {
                                confirming.set(None);
                                done.set(None);
                                revoke.dispatch(t.clone());
                            })
                        />
                    }
                })
        }}
    }
}

#[component]
fn TokenRow(
    token: PersonalAccessToken,
    clock: ReadSignal<LocalClock>,
    wording: RevokeWording,
    confirming: RwSignal<Option<PersonalAccessToken>>,
) -> impl IntoView {
    let created = datetime::parse_rfc3339(&token.created_at);
    let last_used = token.last_used_at.clone();
    let last_used_title = last_used
        .as_deref()
        .and_then(datetime::parse_rfc3339)
        .map(|t| clock.get_untracked().date_time(t));
    let expires = token.expires_at.clone();
    let expires_date = expires
        .as_deref()
        .and_then(datetime::parse_rfc3339)
        .map(|t| clock.get_untracked().date(t));
    let expiry = Memo::new(move |_| datetime::expiry_status(expires.as_deref(), clock.get().now));
    let name = token.name.clone();
    let masked = token.masked_token.clone();
    let created_at = token.created_at.clone();
    let created_text = created.map_or_else(
        || created_at.clone(),
        |c| clock.get_untracked().date_time(c),
    );
    let action_label = format!("{} {name}", wording.button());
    view! {
        <tr data-testid="token-row">
            <td class="token-name">{name}</td>
            <td><code class="mono masked-token">{masked}</code></td>
            <td title=created_at>{created_text}</td>
            <td title=last_used_title>
                {move || datetime::last_used(last_used.as_deref(), clock.get().now)}
            </td>
            <td>
                <span
                    class=move || match expiry.get().1 {
                        ExpiryTone::Calm => "badge muted",
                        ExpiryTone::Soon => "badge warn",
                        ExpiryTone::Expired => "badge danger",
                    }
                    title=expires_date.clone()
                >
                    {move || expiry.get().0}
                </span>
                {expires_date.clone().map(|d| view! { <span class="muted small expiry-on">{d}</span> })}
            </td>
            <td class="actions-col">
                <button
                    type="button"
                    class="button small danger-text"
                    aria-label=action_label
                    on:click=move |_| confirming.set(Some(token.clone()))
                >
                    {wording.button()}
                </button>
            </td>
        </tr>
    }
}
