//! Roles: the built-in ones (read-only) and a company's custom roles, which hold company
//! permissions from the shared catalogue only (so a least-privilege user can be made, seed 000).

use leptos::prelude::*;
use serde::Deserialize;
use serde_json::json;
use shared::{
    forms,
    permissions::{self as p, PermissionScope},
};

use crate::{
    api::{self, FormErrors},
    app::Forbidden,
    auth,
    components::{
        CompanyPicker, ConfirmDialog, EmptyState, ErrorBanner, FieldError, Loading, Modal, PageHead,
    },
    queries::{self, Role},
};

#[derive(Clone, Deserialize)]
struct RolesData {
    roles: Vec<Role>,
}

#[component]
pub fn RolesPage() -> impl IntoView {
    let auth = auth::use_auth();
    if !auth.can(p::ROLES_READ) {
        return view! { <Forbidden /> }.into_any();
    }
    let company = RwSignal::new(None::<String>);
    let reload = RwSignal::new(0u32);
    let editing = RwSignal::new(None::<Option<Role>>);
    let deleting = RwSignal::new(None::<Role>);
    let error = RwSignal::new(None::<String>);
    let roles = LocalResource::new(move || {
        reload.track();
        let company_id = company.get();
        async move {
            match company_id {
                None => Ok(None),
                Some(id) => {
                    api::call::<_, RolesData>(&queries::roles(), json!({ "companyId": id }))
                        .await
                        .map(|d| Some(d.roles))
                }
            }
        }
    });
    let delete = Action::new_local(|id: &String| {
        let variables = json!({ "id": id });
        async move { api::call::<_, serde_json::Value>(queries::DELETE_ROLE, variables).await }
    });
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(_)) => {
            error.set(None);
            reload.update(|n| *n += 1);
        }
        Some(Err(e)) => error.set(Some(api::first_message(&e))),
        None => {}
    });
    let can_edit = move || auth.can(p::ROLES_EDIT);

    view! {
        <section class="page">
            <PageHead
                title="Roles"
                subtitle="A role is a named set of permissions. Create a custom role to give a user (and their tokens) only what they need."
                action_label="New role"
                can_act=Signal::derive(move || can_edit() && company.get().is_some())
                on_action=Callback::new(move |_| editing.set(Some(None)))
            />
            <CompanyPicker selected=company />
            {move || error.get().map(|m| view! { <ErrorBanner message=m /> })}
            {move || match roles.get() {
                None | Some(Ok(None)) => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBanner message=api::first_message(&e) /> }.into_any(),
                Some(Ok(Some(list))) if list.is_empty() => view! {
                    <EmptyState title="No roles" text="No role is available here." />
                }
                .into_any(),
                Some(Ok(Some(list))) => view! {
                    <div class="table-wrap">
                        <table class="table">
                            <thead>
                                <tr>
                                    <th scope="col">"Name"</th>
                                    <th scope="col">"Type"</th>
                                    <th scope="col">"Permissions"</th>
                                    <th scope="col" class="actions-col"><span class="sr-only">"Actions"</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                {list
                                    .into_iter()
                                    .map(|r| {
                                        let (edit_r, delete_r) = (r.clone(), r.clone());
                                        let custom = !r.built_in;
                                        view! {
                                            <tr>
                                                <td>{r.name.clone()}</td>
                                                <td>
                                                    <span class=if r.built_in { "badge muted" } else { "badge info" }>
                                                        {if r.built_in { "Built-in" } else { "Custom" }}
                                                    </span>
                                                </td>
                                                <td class="perm-list" title=r.permissions.join(", ")>
                                                    {format!("{} permissions", r.permissions.len())}
                                                </td>
                                                <td class="actions-col">
                                                    <Show when=move || custom && can_edit()>
                                                        <button type="button" class="button small" on:click={
                                                            let r = edit_r.clone();
                                                            move |_| editing.set(Some(Some(r.clone())))
                                                        }>"Edit"</button>
                                                        <button type="button" class="button small danger-text" on:click={
                                                            let r = delete_r.clone();
                                                            move |_| deleting.set(Some(r.clone()))
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
                    .map(|role| {
                        view! {
                            <RoleDialog
                                company_id=company.get_untracked().unwrap_or_default()
                                role=role
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
                    .map(|r| {
                        let id = r.id.clone();
                        view! {
                            <ConfirmDialog
                                title=format!("Delete the role “{}”?", r.name)
                                message="Only a role nobody holds can be deleted. This cannot be undone."
                                confirm_label="Delete role"
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
fn RoleDialog(
    company_id: String,
    role: Option<Role>,
    on_close: Callback<()>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let editing_id = role.as_ref().map(|r| r.id.clone());
    let title = if role.is_some() {
        "Edit role"
    } else {
        "New role"
    };
    let name = RwSignal::new(role.as_ref().map(|r| r.name.clone()).unwrap_or_default());
    let chosen = RwSignal::new(role.map(|r| r.permissions).unwrap_or_default());
    let errors = RwSignal::new(FormErrors::default());
    let save = Action::new_local(|variables: &serde_json::Value| {
        let variables = variables.clone();
        let query = if variables.get("id").is_some() {
            queries::update_role()
        } else {
            queries::create_role()
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
        let n = match forms::name("name", &name.get_untracked()) {
            Ok(n) => n,
            Err(e) => return errors.set(FormErrors::from_validation(e)),
        };
        errors.set(FormErrors::default());
        let permissions = chosen.get_untracked();
        let variables = match &editing_id {
            Some(id) => json!({ "id": id, "input": { "name": n, "permissions": permissions } }),
            None => {
                json!({ "input": { "companyId": company_id, "name": n, "permissions": permissions } })
            }
        };
        save.dispatch(variables);
    };
    view! {
        <Modal title=title on_close=on_close>
            <form on:submit=on_submit novalidate>
                {move || errors.get().general.first().cloned().map(|m| view! { <ErrorBanner message=m /> })}
                <div class="field">
                    <label for="role-name">"Name"</label>
                    <input id="role-name" type="text" autofocus aria-describedby="role-name-error" bind:value=name />
                    <FieldError id="role-name-error" message=Signal::derive(move || errors.get().field("name")) />
                </div>
                <fieldset class="field permissions">
                    <legend>"Permissions"</legend>
                    <div class="checklist">
                        {p::CATALOGUE
                            .iter()
                            .filter(|info| info.scope == PermissionScope::Company)
                            .map(|info| {
                                let key = info.key;
                                view! {
                                    <label class="check">
                                        <input
                                            type="checkbox"
                                            value=key
                                            prop:checked=move || chosen.with(|c| c.iter().any(|x| x == key))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                chosen.update(|c| {
                                                    c.retain(|x| x != key);
                                                    if on {
                                                        c.push(key.to_string());
                                                    }
                                                });
                                            }
                                        />
                                        <span>
                                            <code>{key}</code>
                                            <span class="hint">{info.description}</span>
                                        </span>
                                    </label>
                                }
                            })
                            .collect_view()}
                    </div>
                    <FieldError id="role-permissions-error" message=Signal::derive(move || errors.get().field("permissions")) />
                </fieldset>
                <div class="form-actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>"Save"</button>
                </div>
            </form>
        </Modal>
    }
}
