//! Visibility groups (seed 002): a company user in groups sees only employees of the groups'
//! departments, and so do their tokens. List, create, rename, change departments, delete.

use leptos::prelude::*;
use serde::Deserialize;
use serde_json::json;
use shared::{forms, permissions as p};

use crate::{
    api::{self, FormErrors},
    app::Forbidden,
    auth,
    components::{
        CompanyPicker, ConfirmDialog, EmptyState, ErrorBanner, FieldError, Loading, Modal, PageHead,
    },
    queries::{self, VisibilityGroup},
};

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupsData {
    visibility_groups: Vec<VisibilityGroup>,
}

#[component]
pub fn GroupsPage() -> impl IntoView {
    let auth = auth::use_auth();
    if !auth.can(p::VISIBILITY_GROUPS_READ) {
        return view! { <Forbidden /> }.into_any();
    }
    let company = RwSignal::new(None::<String>);
    let reload = RwSignal::new(0u32);
    let editing = RwSignal::new(None::<Option<VisibilityGroup>>);
    let deleting = RwSignal::new(None::<VisibilityGroup>);
    let error = RwSignal::new(None::<String>);
    let groups = LocalResource::new(move || {
        reload.track();
        let company_id = company.get();
        async move {
            match company_id {
                None => Ok(None),
                Some(id) => api::call::<_, GroupsData>(
                    &queries::visibility_groups(),
                    json!({ "companyId": id }),
                )
                .await
                .map(|d| Some(d.visibility_groups)),
            }
        }
    });
    let delete = Action::new_local(|id: &String| {
        let variables = json!({ "id": id });
        async move {
            api::call::<_, serde_json::Value>(queries::DELETE_VISIBILITY_GROUP, variables).await
        }
    });
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(_)) => reload.update(|n| *n += 1),
        Some(Err(e)) => error.set(Some(api::first_message(&e))),
        None => {}
    });
    let can_edit = move || auth.can(p::VISIBILITY_GROUPS_EDIT);

    view! {
        <section class="page">
            <PageHead
                title="Visibility groups"
                subtitle="Users in a group see only employees of its departments, and so do their tokens. \
                          Users in no group see everything their role allows."
                action_label="New group"
                can_act=Signal::derive(move || can_edit() && company.get().is_some())
                on_action=Callback::new(move |_| editing.set(Some(None)))
            />
            <CompanyPicker selected=company />
            {move || error.get().map(|m| view! { <ErrorBanner message=m /> })}
            {move || match groups.get() {
                None | Some(Ok(None)) => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBanner message=api::first_message(&e) /> }.into_any(),
                Some(Ok(Some(list))) if list.is_empty() => view! {
                    <EmptyState title="No visibility groups" text="Every user of this company sees all employees their role allows." />
                }
                .into_any(),
                Some(Ok(Some(list))) => view! {
                    <div class="table-wrap">
                        <table class="table">
                            <thead>
                                <tr>
                                    <th scope="col">"Name"</th>
                                    <th scope="col">"Departments"</th>
                                    <th scope="col" class="actions-col"><span class="sr-only">"Actions"</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                {list
                                    .into_iter()
                                    .map(|g| {
                                        let (edit_g, delete_g) = (g.clone(), g.clone());
                                        view! {
                                            <tr>
                                                <td>{g.name.clone()}</td>
                                                <td>{g.departments.join(", ")}</td>
                                                <td class="actions-col">
                                                    <Show when=can_edit>
                                                        <button type="button" class="button small" on:click={
                                                            let g = edit_g.clone();
                                                            move |_| editing.set(Some(Some(g.clone())))
                                                        }>"Edit"</button>
                                                        <button type="button" class="button small danger-text" on:click={
                                                            let g = delete_g.clone();
                                                            move |_| deleting.set(Some(g.clone()))
                                                        }>"Delete"</button>
                                                    </Show>
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
            {move || {
                editing
                    .get()
                    .map(|group| {
                        view! {
                            <GroupDialog
                                company_id=company.get_untracked().unwrap_or_default()
                                group=group
                                on_close=Callback::new(move |_| editing.set(None))
                                on_saved=Callback::new(move |_| {
                                    editing.set(None);
                                    reload.update(|n| *n += 1);
                                })
                            />
                        }
                    })
            }}
            {move || {
                deleting
                    .get()
                    .map(|g| {
                        let id = g.id.clone();
                        view! {
                            <ConfirmDialog
                                title=format!("Delete “{}”?", g.name)
                                message="Its users will no longer be limited by it: they see every employee their role allows, unless they are in another group."
                                confirm_label="Delete group"
                                danger=true
                                on_cancel=Callback::new(move |_| deleting.set(None))
                                on_confirm=Callback::new(move |_| {
                                    deleting.set(None);
                                    delete.dispatch(id.clone());
                                })
                            />
                        }
                    })
            }}
        </section>
    }
    .into_any()
}

#[component]
fn GroupDialog(
    company_id: String,
    group: Option<VisibilityGroup>,
    on_close: Callback<()>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let editing_id = group.as_ref().map(|g| g.id.clone());
    let title = if group.is_some() {
        "Edit visibility group"
    } else {
        "New visibility group"
    };
    let name = RwSignal::new(group.as_ref().map(|g| g.name.clone()).unwrap_or_default());
    let departments = RwSignal::new(
        group
            .as_ref()
            .map(|g| g.departments.join(", "))
            .unwrap_or_default(),
    );
    let errors = RwSignal::new(FormErrors::default());
    let save = Action::new_local(move |variables: &serde_json::Value| {
        let variables = variables.clone();
        let query = if variables.get("id").is_some() {
            queries::update_visibility_group()
        } else {
            queries::create_visibility_group()
        };
        async move { api::call::<_, serde_json::Value>(&query, variables).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => on_saved.run(()),
        Some(Err(e)) => errors.set(FormErrors::from_server(&e)),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut found = FormErrors::default();
        let n = forms::name("name", &name.get_untracked());
        if let Err(e) = &n {
            found.fields.insert(e.field.into(), e.message.clone());
        }
        let deps = forms::departments(&departments.get_untracked());
        if deps.is_empty() {
            found
                .fields
                .insert("departments".into(), "Name at least one department.".into());
        }
        errors.set(found.clone());
        let Ok(n) = n else { return };
        if !found.is_empty() {
            return;
        }
        let variables = match &editing_id {
            Some(id) => json!({ "id": id, "input": { "name": n, "departments": deps } }),
            None => json!({ "input": { "companyId": company_id, "name": n, "departments": deps } }),
        };
        save.dispatch(variables);
    };
    view! {
        <Modal title=title on_close=on_close>
            <form on:submit=on_submit novalidate>
                {move || errors.get().general.first().cloned().map(|m| view! { <ErrorBanner message=m /> })}
                <div class="field">
                    <label for="group-name">"Name"</label>
                    <input id="group-name" type="text" autofocus aria-describedby="group-name-error" bind:value=name />
                    <FieldError id="group-name-error" message=Signal::derive(move || errors.get().field("name")) />
                </div>
                <div class="field">
                    <label for="group-departments">"Departments"</label>
                    <input
                        id="group-departments"
                        type="text"
                        placeholder="Engineering, Sales"
                        aria-describedby="group-departments-hint group-departments-error"
                        bind:value=departments
                    />
                    <p class="hint" id="group-departments-hint">"Comma-separated, as written on the employees."</p>
                    <FieldError id="group-departments-error" message=Signal::derive(move || errors.get().field("departments")) />
                </div>
                <div class="form-actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>"Save"</button>
                </div>
            </form>
        </Modal>
    }
}
