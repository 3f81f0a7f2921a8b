//! Resellers: searchable, paginated list with each one's rate-limit ceiling and flags, and "New
//! reseller" (name and ceiling, 1 to 1,200 requests per minute). Hub only.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use serde::Deserialize;
use serde_json::json;
use shared::{features::API_ACCESS, forms, limits, permissions as p};

use super::{PAGE_SIZE, non_blank};
use crate::{
    api::{self, FormErrors},
    app::Forbidden,
    auth,
    components::{
        EmptyState, ErrorBanner, FieldError, Loading, Modal, PageHead, Pager, PagerState,
        SearchToolbar,
    },
    queries::{self, Connection, Reseller},
};

#[derive(Clone, Deserialize)]
struct ResellersData {
    resellers: Connection<Reseller>,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreatedData {
    create_reseller: Reseller,
}

#[component]
pub fn ResellersPage() -> impl IntoView {
    let auth = auth::use_auth();
    if !(auth.can(p::RESELLERS_READ) && auth.is_hub()) {
        return view! { <Forbidden /> }.into_any();
    }
    let search = RwSignal::new(String::new());
    let pager = RwSignal::new(PagerState::default());
    let creating = RwSignal::new(false);
    let list = LocalResource::new(move || {
        let variables = json!({
            "first": PAGE_SIZE,
            "after": pager.with(|p| p.after.clone()),
            "search": non_blank(&search.get()),
        });
        async move {
            api::call::<_, ResellersData>(&queries::resellers(), variables)
                .await
                .map(|d| d.resellers)
        }
    });
    let page = move || list.get().and_then(Result::ok);

    view! {
        <section class="page">
            <PageHead
                title="Resellers"
                subtitle="Each reseller's rate-limit ceiling caps its companies' limits."
                action_label="New reseller"
                can_act=Signal::derive(move || auth.can(p::RESELLERS_CREATE))
                on_action=Callback::new(move |_| creating.set(true))
            />
            <SearchToolbar
                id="reseller-search"
                label="Search resellers"
                placeholder="Search by name…"
                search=search
                pager=pager
                count=Signal::derive(move || page().map(|c| format!("{} resellers", forms::thousands(c.total_count))))
            />
            {move || match list.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBanner message=api::first_message(&e) /> }.into_any(),
                Some(Ok(conn)) if conn.nodes.is_empty() => view! {
                    <EmptyState title="No resellers" text="No reseller matches. Create one with “New reseller”." />
                }
                .into_any(),
                Some(Ok(conn)) => view! {
                    <div class="table-wrap">
                        <table class="table">
                            <thead>
                                <tr>
                                    <th scope="col">"Name"</th>
                                    <th scope="col" class="num">"Rate-limit ceiling"</th>
                                    <th scope="col">"API Access"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {conn
                                    .nodes
                                    .into_iter()
                                    .map(|r| {
                                        let on = r.features.iter().any(|f| f.flag == API_ACCESS && f.enabled);
                                        view! {
                                            <tr>
                                                <td>
                                                    <a class="row-link" href=format!("/resellers/{}", r.id)>{r.name.clone()}</a>
                                                </td>
                                                <td class="num">{format!("{}/min", forms::thousands(r.api_rate_limit.into()))}</td>
                                                <td>
                                                    <span class=if on { "badge ok" } else { "badge muted" }>
                                                        {if on { "On" } else { "Off" }}
                                                    </span>
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any(),
            }}
            <Pager
                pager=pager
                has_next=Signal::derive(move || page().is_some_and(|c| c.page_info.has_next_page))
                end_cursor=Signal::derive(move || page().and_then(|c| c.page_info.end_cursor))
                total=Signal::derive(move || page().map_or(0, |c| c.total_count))
                page_size=PAGE_SIZE
            />
            <Show when=move || creating.get()>
                <NewResellerDialog on_close=Callback::new(move |_| creating.set(false)) />
            </Show>
        </section>
    }
    .into_any()
}

#[component]
fn NewResellerDialog(on_close: Callback<()>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let rate = RwSignal::new(limits::RESELLER_RATE_LIMIT_DEFAULT.to_string());
    let errors = RwSignal::new(FormErrors::default());
    let navigate = use_navigate();
    let create = Action::new_local(|variables: &serde_json::Value| {
        let variables = variables.clone();
        async move { api::call::<_, CreatedData>(&queries::create_reseller(), variables).await }
    });
    Effect::new(move |_| match create.value().get() {
        Some(Ok(d)) => navigate(
            &format!("/resellers/{}", d.create_reseller.id),
            Default::default(),
        ),
        Some(Err(e)) => errors.set(FormErrors::from_server(&e)),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut found = FormErrors::default();
        let n = forms::name("name", &name.get_untracked());
        let r = forms::reseller_rate_limit(&rate.get_untracked());
        for e in [n.as_ref().err(), r.as_ref().err()].into_iter().flatten() {
            found.fields.insert(e.field.into(), e.message.clone());
        }
        errors.set(found);
        if let (Ok(n), Ok(r)) = (n, r) {
            create.dispatch(json!({ "input": { "name": n, "apiRateLimit": r } }));
        }
    };
    view! {
        <Modal title="New reseller" on_close=on_close>
            <form on:submit=on_submit novalidate>
                {move || errors.get().general.first().cloned().map(|m| view! { <ErrorBanner message=m /> })}
                <div class="field">
                    <label for="new-reseller-name">"Name"</label>
                    <input id="new-reseller-name" type="text" autofocus aria-describedby="new-reseller-name-error" bind:value=name />
                    <FieldError id="new-reseller-name-error" message=Signal::derive(move || errors.get().field("name")) />
                </div>
                <div class="field">
                    <label for="new-reseller-rate">"API rate-limit ceiling (requests per minute)"</label>
                    <input
                        id="new-reseller-rate"
                        type="number"
                        inputmode="numeric"
                        min=limits::RESELLER_RATE_LIMIT_MIN
                        max=limits::RESELLER_RATE_LIMIT_MAX
                        aria-describedby="new-reseller-rate-hint new-reseller-rate-error"
                        bind:value=rate
                    />
                    <p class="hint" id="new-reseller-rate-hint">
                        {format!(
                            "Default {}, at most {} requests per minute. Its companies' limits cannot exceed it.",
                            limits::RESELLER_RATE_LIMIT_DEFAULT,
                            forms::thousands(limits::RESELLER_RATE_LIMIT_MAX.into()),
                        )}
                    </p>
                    <FieldError id="new-reseller-rate-error" message=Signal::derive(move || errors.get().field("apiRateLimit")) />
                </div>
                <div class="form-actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="button primary" disabled=move || create.pending().get()>
                        "Create reseller"
                    </button>
                </div>
            </form>
        </Modal>
    }
}
