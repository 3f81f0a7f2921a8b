//! Pages inside one company (roles, visibility groups) need a company: a company user's own, or
//! for hub users one chosen from the companies in their reach.

use leptos::prelude::*;
use serde::Deserialize;
use serde_json::json;

use crate::{
    api, auth,
    components::{ErrorBanner, Loading},
    queries::{self, Company, Connection},
};

#[derive(Clone, Deserialize)]
struct CompaniesData {
    companies: Connection<Company>,
}

/// A company user's company is fixed (nothing is shown); a hub user picks one. `selected` gets
/// the chosen company's id.
#[component]
pub fn CompanyPicker(selected: RwSignal<Option<String>>) -> impl IntoView {
    let auth = auth::use_auth();
    if let Some(own) = auth.company_id() {
        selected.set(Some(own));
        return ().into_any();
    }
    let companies = LocalResource::new(move || async move {
        api::call::<_, CompaniesData>(&queries::companies(), json!({ "first": 200 }))
            .await
            .map(|d| d.companies.nodes)
    });
    Effect::new(move |_| {
        if let Some(Ok(list)) = companies.get()
            && selected.with_untracked(Option::is_none)
            && let Some(first) = list.first()
        {
            selected.set(Some(first.id.clone()));
        }
    });
    view! {
        <div class="toolbar">
            <label for="company-picker">"Company"</label>
            {move || match companies.get() {
                None => view! { <Loading label="Loading companies…" /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBanner message=api::first_message(&e) /> }.into_any(),
                Some(Ok(list)) => view! {
                    <select id="company-picker" on:change=move |ev| selected.set(Some(event_target_value(&ev)))>
                        {list
                            .into_iter()
                            .map(|c| {
                                let is = selected.get_untracked().as_deref() == Some(c.id.as_str());
                                view! { <option value=c.id.clone() selected=is>{c.name.clone()}</option> }
                            })
                            .collect_view()}
                    </select>
                }
                .into_any(),
            }}
        </div>
    }
    .into_any()
}
