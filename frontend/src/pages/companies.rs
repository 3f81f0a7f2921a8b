//! Companies: searchable, paginated list, and "New company" (name and reseller). Hub only.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use serde::Deserialize;
use serde_json::json;
use shared::{
    features::{API_ACCESS, FunnelState},
    forms, permissions as p,
};

use super::{PAGE_SIZE, non_blank};
use crate::{
    api::{self, FormErrors},
    app::Forbidden,
    auth,
    components::{
        EmptyState, ErrorBanner, FieldError, Loading, Modal, PageHead, Pager, PagerState,
        SearchToolbar,
    },
    queries::{self, Company, Connection, Reseller},
};

#[derive(Clone, Deserialize)]
struct CompaniesData {
    companies: Connection<Company>,
}

#[derive(Clone, Deserialize)]
struct ResellersData {
    resellers: Connection<Reseller>,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreatedData {
    create_company: Company,
}

#[component]
pub fn CompaniesPage() -> impl IntoView {
    let auth = auth::use_auth();
    if !(auth.can(p::COMPANIES_READ) && auth.is_hub()) {
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
            api::call::<_, CompaniesData>(&queries::companies(), variables)
                .await
                .map(|d| d.companies)
        }
    });
    let page = move || list.get().and_then(Result::ok);

    view! {
        <section class="page">
            <PageHead
                title="Companies"
                subtitle="API access, rate limits and feature flags of each company."
                action_label="New company"
                can_act=Signal::derive(move || auth.can(p::COMPANIES_CREATE))
                on_action=Callback::new(move |_| creating.set(true))
            />
            <SearchToolbar
                id="company-search"
                label="Search companies"
                placeholder="Search by name…"
                search=search
                pager=pager
                count=Signal::derive(move || page().map(|c| format!("{} companies", forms::thousands(c.total_count))))
            />
            {move || match list.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(errors)) => view! { <ErrorBanner message=api::first_message(&errors) /> }.into_any(),
                Some(Ok(conn)) if conn.nodes.is_empty() => view! {
                    <EmptyState
                        title="No companies"
                        text=if search.get_untracked().trim().is_empty() {
                            "No company yet. Create the first one with “New company”."
                        } else {
                            "No company matches this search."
                        }
                    />
                }
                .into_any(),
                Some(Ok(conn)) => view! { <CompaniesTable companies=conn.nodes /> }.into_any(),
            }}
            <Pager
                pager=pager
                has_next=Signal::derive(move || page().is_some_and(|c| c.page_info.has_next_page))
                end_cursor=Signal::derive(move || page().and_then(|c| c.page_info.end_cursor))
                total=Signal::derive(move || page().map_or(0, |c| c.total_count))
                page_size=PAGE_SIZE
            />
            <Show when=move || creating.get()>
                <NewCompanyDialog on_close=Callback::new(move |_| creating.set(false)) />
            </Show>
        </section>
    }
    .into_any()
}

#[component]
fn CompaniesTable(companies: Vec<Company>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Reseller"</th>
                        <th scope="col">"API access"</th>
                        <th scope="col" class="num">"Rate limit"</th>
                        <th scope="col">"API Access flag"</th>
                    </tr>
                </thead>
                <tbody>
                    {companies
                        .into_iter()
                        .map(|c| {
                            let reseller_on = c
                                .reseller
                                .features
                                .iter()
                                .find(|f| f.flag == API_ACCESS)
                                .map(|f| f.enabled);
                            let state = c
                                .features
                                .iter()
                                .find(|f| f.flag == API_ACCESS)
                                .map_or(FunnelState::Off, |f| FunnelState::of(f.enabled, f.effective, reseller_on));
                            let flag_class = match state {
                                FunnelState::Active => "badge ok",
                                FunnelState::Off => "badge muted",
                                _ => "badge warn",
                            };
                            let flag_text = state.label();
                            view! {
                                <tr>
                                    <td>
                                        <a href=format!("/companies/{}", c.id) class="row-link">{c.name.clone()}</a>
                                    </td>
                                    <td>{c.reseller.name.clone()}</td>
                                    <td>
                                        <span class=if c.api_access_type.is_enabled() { "badge info" } else { "badge muted" }>
                                            {c.api_access_type.label()}
                                        </span>
                                    </td>
                                    <td class="num">{format!("{}/min", forms::thousands(c.effective_api_rate_limit.into()))}</td>
                                    <td><span class=flag_class>{flag_text}</span></td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Name and reseller; on success, straight to the new company's edit page.
#[component]
fn NewCompanyDialog(on_close: Callback<()>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let reseller_id = RwSignal::new(String::new());
    let errors = RwSignal::new(FormErrors::default());
    let navigate = use_navigate();

    let resellers = LocalResource::new(move || async move {
        api::call::<_, ResellersData>(&queries::resellers(), json!({ "first": 200 }))
            .await
            .map(|d| d.resellers.nodes)
    });
    // Preselect the only reseller (a reseller admin has exactly one).
    Effect::new(move |_| {
        if let Some(Ok(list)) = resellers.get()
            && reseller_id.with_untracked(String::is_empty)
            && let Some(first) = list.first()
        {
            reseller_id.set(first.id.clone());
        }
    });

    let create = Action::new_local(|variables: &serde_json::Value| {
        let variables = variables.clone();
        async move { api::call::<_, CreatedData>(&queries::create_company(), variables).await }
    });
    Effect::new(move |_| match create.value().get() {
        Some(Ok(d)) => navigate(
            &format!("/companies/{}", d.create_company.id),
            Default::default(),
        ),
        Some(Err(e)) => errors.set(FormErrors::from_server(&e)),
        None => {}
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut found = FormErrors::default();
        let checked_name = forms::name("name", &name.get_untracked());
        if let Err(e) = &checked_name {
            found.fields.insert(e.field.into(), e.message.clone());
        }
        let rid = reseller_id.get_untracked();
        if rid.is_empty() {
            found
                .fields
                .insert("resellerId".into(), "Choose a reseller.".into());
        }
        errors.set(found.clone());
        if let (true, Ok(n)) = (found.is_empty(), checked_name) {
            create.dispatch(json!({ "input": { "name": n, "resellerId": rid } }));
        }
    };

    view! {
        <Modal title="New company" on_close=on_close>
            <form on:submit=on_submit novalidate>
                {move || errors.get().general.first().cloned().map(|m| view! { <ErrorBanner message=m /> })}
                <div class="field">
                    <label for="new-company-name">"Name"</label>
                    <input
                        id="new-company-name"
                        type="text"
                        autofocus
                        aria-describedby="new-company-name-error"
                        bind:value=name
                    />
                    <FieldError id="new-company-name-error" message=Signal::derive(move || errors.get().field("name")) />
                </div>
                <div class="field">
                    <label for="new-company-reseller">"Reseller"</label>
                    {move || match resellers.get() {
                        None => view! { <Loading label="Loading resellers…" /> }.into_any(),
                        Some(Err(e)) => view! { <ErrorBanner message=api::first_message(&e) /> }.into_any(),
                        Some(Ok(list)) => view! {
                            <select
                                id="new-company-reseller"
                                aria-describedby="new-company-reseller-error"
                                on:change=move |ev| reseller_id.set(event_target_value(&ev))
                            >
                                {list
                                    .into_iter()
                                    .map(|r| {
                                        let selected = reseller_id.get_untracked() == r.id;
                                        view! { <option value=r.id.clone() selected=selected>{r.name.clone()}</option> }
                                    })
                                    .collect_view()}
                            </select>
                        }
                        .into_any(),
                    }}
                    <FieldError
                        id="new-company-reseller-error"
                        message=Signal::derive(move || errors.get().field("resellerId"))
                    />
                </div>
                <div class="form-actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="button primary" disabled=move || create.pending().get()>
                        "Create company"
                    </button>
                </div>
            </form>
        </Modal>
    }
}
