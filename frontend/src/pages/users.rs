//! Users: searchable, paginated list; "New user" (platform staff, reseller staff or a company
//! user, as far as the signed-in user may create them: e-mail, name, password, role, reseller or
//! company, visibility groups); edit a user's name, role and visibility groups; deactivate (asks first: every
//! session and token of theirs stops at once) and reactivate.

use leptos::prelude::*;
use serde::Deserialize;
use serde_json::json;
use shared::{forms, limits, permissions as p, roles::RoleKind};

use super::{PAGE_SIZE, non_blank};
use crate::{
    api::{self, FormErrors},
    app::Forbidden,
    auth,
    components::{
        CompanyPicker, ConfirmDialog, EmptyState, ErrorBanner, FieldError, Loading, Modal,
        PageHead, Pager, PagerState, SearchToolbar,
    },
    queries::{self, Connection, IdName, Role, User, VisibilityGroup},
};

#[derive(Clone, Deserialize)]
struct UsersData {
    users: Connection<User>,
}

#[derive(Clone, Deserialize)]
struct RolesData {
    roles: Vec<Role>,
}

#[derive(Clone, Deserialize)]
struct ResellersData {
    resellers: Connection<IdName>,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupsData {
    visibility_groups: Vec<VisibilityGroup>,
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let auth = auth::use_auth();
    if !auth.can(p::USERS_READ) {
        return view! { <Forbidden /> }.into_any();
    }
    let search = RwSignal::new(String::new());
    let pager = RwSignal::new(PagerState::default());
    let reload = RwSignal::new(0u32);
    let creating = RwSignal::new(false);
    let editing = RwSignal::new(None::<User>);
    let list = LocalResource::new(move || {
        reload.track();
        let variables = json!({
            "first": PAGE_SIZE,
            "after": pager.with(|p| p.after.clone()),
            "search": non_blank(&search.get()),
        });
        async move {
            api::call::<_, UsersData>(&queries::users(), variables)
                .await
                .map(|d| d.users)
        }
    });
    let page = move || list.get().and_then(Result::ok);
    let can_edit = move || auth.can(p::USERS_EDIT);

    view! {
        <section class="page">
            <PageHead
                title="Users"
                subtitle="Who can sign in, with which role, limited to which departments."
                action_label="New user"
                can_act=Signal::derive(move || auth.can(p::USERS_CREATE))
                on_action=Callback::new(move |_| creating.set(true))
            />
            <SearchToolbar
                id="user-search"
                label="Search users"
                placeholder="Search by name or e-mail…"
                search=search
                pager=pager
                count=Signal::derive(move || page().map(|c| format!("{} users", forms::thousands(c.total_count))))
            />
            {move || match list.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBanner message=api::first_message(&e) /> }.into_any(),
                Some(Ok(conn)) if conn.nodes.is_empty() => view! {
                    <EmptyState title="No users" text="No user matches this search." />
                }
                .into_any(),
                Some(Ok(conn)) => view! {
                    <div class="table-wrap">
                        <table class="table">
                            <thead>
                                <tr>
                                    <th scope="col">"Name"</th>
                                    <th scope="col">"E-mail"</th>
                                    <th scope="col">"Role"</th>
                                    <th scope="col">"Belongs to"</th>
                                    <th scope="col">"Status"</th>
                                    <th scope="col" class="actions-col"><span class="sr-only">"Actions"</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                {conn
                                    .nodes
                                    .into_iter()
                                    .map(|u| {
                                        let tenant = u
                                            .company
                                            .as_ref()
                                            .or(u.reseller.as_ref())
                                            .map_or("Platform".to_string(), |t| t.name.clone());
                                        let edit_u = u.clone();
                                        view! {
                                            <tr>
                                                <td>{u.name.clone()}</td>
                                                <td class="mono">{u.email.clone()}</td>
                                                <td>{u.role.name.clone()}</td>
                                                <td>{tenant}</td>
                                                <td>
                                                    <span class=if u.active { "badge ok" } else { "badge muted" }>
                                                        {if u.active { "Active" } else { "Deactivated" }}
                                                    </span>
                                                </td>
                                                <td class="actions-col">
                                                    <Show when=can_edit>
                                                        <button type="button" class="button small" on:click={
                                                            let u = edit_u.clone();
                                                            move |_| editing.set(Some(u.clone()))
                                                        }>"Edit"</button>
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
            <Pager
                pager=pager
                has_next=Signal::derive(move || page().is_some_and(|c| c.page_info.has_next_page))
                end_cursor=Signal::derive(move || page().and_then(|c| c.page_info.end_cursor))
                total=Signal::derive(move || page().map_or(0, |c| c.total_count))
                page_size=PAGE_SIZE
            />
            <Show when=move || creating.get()>
                <NewUserDialog
                    on_close=Callback::new(move |_| creating.set(false))
                    on_saved=Callback::new(move |_| {
                        creating.set(false);
                        reload.update(|n| *n += 1);
                    })
                />
            </Show>
            {move || {
                editing
                    .get()
                    .map(|u| {
                        view! {
                            <EditUserDialog
                                user=u
                                on_close=Callback::new(move |_| editing.set(None))
                                on_saved=Callback::new(move |_| {
                                    editing.set(None);
                                    reload.update(|n| *n += 1);
                                })
                            />
                        }
                    })
            }}
        </section>
    }
    .into_any()
}

/// The roles a user of `kind` can be given: for company users those of their company (built-in
/// company roles and its custom ones), for hub staff the built-in roles of that kind.
fn assignable_roles(
    kind: Signal<RoleKind>,
    company: RwSignal<Option<String>>,
) -> LocalResource<Result<Vec<Role>, Vec<shared::graphql::Error>>> {
    LocalResource::new(move || {
        let kind = kind.get();
        let company_id = company.get();
        async move {
            let variables = match (kind, company_id) {
                (RoleKind::Company, None) => return Ok(Vec::new()),
                (RoleKind::Company, Some(id)) => json!({ "companyId": id }),
                _ => json!({}),
            };
            api::call::<_, RolesData>(&queries::roles(), variables)
                .await
                .map(|d| {
                    d.roles
                        .into_iter()
                        .filter(|r| r.kind == kind.as_str())
                        .collect()
                })
        }
    })
}

/// Checkboxes for the visibility groups of `company`; `chosen` holds the ticked groups' ids.
#[component]
fn GroupChecks(company: RwSignal<Option<String>>, chosen: RwSignal<Vec<String>>) -> impl IntoView {
    let groups = LocalResource::new(move || {
        let company_id = company.get();
        async move {
            let Some(id) = company_id else {
                return Ok(Vec::new());
            };
            api::call::<_, GroupsData>(&queries::visibility_groups(), json!({ "companyId": id }))
                .await
                .map(|d| d.visibility_groups)
        }
    });
    view! {
        <p class="hint">"None: the user sees every employee the role allows."</p>
        {move || match groups.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(e)) => view! { <ErrorBanner message=api::first_message(&e) /> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"This company has no visibility groups."</p> }.into_any(),
            Some(Ok(list)) => list
                .into_iter()
                .map(|g| {
                    let gid = g.id.clone();
                    let gid2 = g.id.clone();
                    view! {
                        <label class="check">
                            <input
                                type="checkbox"
                                prop:checked=move || chosen.with(|c| c.contains(&gid))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    let gid = gid2.clone();
                                    chosen.update(|c| {
                                        c.retain(|x| *x != gid);
                                        if on {
                                            c.push(gid);
                                        }
                                    });
                                }
                            />
                            <span>{format!("{} ({})", g.name, g.departments.join(", "))}</span>
                        </label>
                    }
                })
                .collect_view()
                .into_any(),
        }}
    }
}

/// Lets platform staff pick a reseller (the first one is preselected); reseller staff's own
/// reseller is fixed and only named.
#[component]
fn ResellerPicker(
    selected: RwSignal<Option<String>>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let auth = auth::use_auth();
    if let Some(own) = auth.reseller() {
        selected.set(Some(own.id.clone()));
        return view! {
            <div class="field">
                <span class="label">"Reseller"</span>
                <p data-testid="user-reseller-fixed">{own.name}</p>
            </div>
        }
        .into_any();
    }
    let resellers = LocalResource::new(move || async move {
        api::call::<_, ResellersData>(&queries::resellers(), json!({ "first": 200 }))
            .await
            .map(|d| d.resellers.nodes)
    });
    Effect::new(move |_| {
        if let Some(Ok(list)) = resellers.get()
            && selected.with_untracked(Option::is_none)
            && let Some(first) = list.first()
        {
            selected.set(Some(first.id.clone()));
        }
    });
    view! {
        <div class="field">
            <label for="user-reseller">"Reseller"</label>
            {move || match resellers.get() {
                None => view! { <Loading label="Loading resellers…" /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBanner message=api::first_message(&e) /> }.into_any(),
                Some(Ok(list)) => view! {
                    <select
                        id="user-reseller"
                        aria-describedby="user-reseller-error"
                        aria-invalid=move || error.with(Option::is_some).to_string()
                        on:change=move |ev| selected.set(Some(event_target_value(&ev)))
                    >
                        {list
                            .into_iter()
                            .map(|r| {
                                let is = selected.get_untracked().as_deref() == Some(r.id.as_str());
                                view! { <option value=r.id.clone() selected=is>{r.name.clone()}</option> }
                            })
                            .collect_view()}
                    </select>
                }
                .into_any(),
            }}
            <FieldError id="user-reseller-error" message=error />
        </div>
    }
    .into_any()
}

/// "New user": first what kind of user (only the kinds the signed-in user may create, see
/// `forms::creatable_user_kinds`), then where they belong (reseller or company), then who they
/// are and their role.
#[component]
fn NewUserDialog(on_close: Callback<()>, on_saved: Callback<()>) -> impl IntoView {
    let auth = auth::use_auth();
    let kinds = forms::creatable_user_kinds(auth.kind(), |k| auth.can(k));
    // Company users stay the default: they are what most new users are.
    let kind = RwSignal::new(
        kinds
            .iter()
            .copied()
            .find(|k| *k == RoleKind::Company)
            .or_else(|| kinds.first().copied())
            .unwrap_or(RoleKind::Company),
    );
    let company = RwSignal::new(None::<String>);
    let reseller = RwSignal::new(None::<String>);
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role_id = RwSignal::new(String::new());
    let groups_chosen = RwSignal::new(Vec::<String>::new());
    let errors = RwSignal::new(FormErrors::default());
    let roles = assignable_roles(kind.into(), company);
    // Another kind or company offers other roles and groups: a choice made before no longer holds.
    Effect::new(move |_| {
        kind.track();
        company.track();
        role_id.set(String::new());
        groups_chosen.set(Vec::new());
    });
    let save = Action::new_local(|variables: &serde_json::Value| {
        let variables = variables.clone();
        async move { api::call::<_, serde_json::Value>(&queries::create_user(), variables).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => on_saved.run(()),
        Some(Err(e)) => errors.set(FormErrors::from_server(&e)),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut found = FormErrors::default();
        let k = kind.get_untracked();
        let e = limits::email(&email.get_untracked());
        let n = forms::name("name", &name.get_untracked());
        let pw = password.get_untracked();
        let pw_check = if pw.is_empty() {
            Ok(())
        } else {
            limits::password(&pw)
        };
        let place = forms::user_placement(
            k,
            reseller.get_untracked().as_deref(),
            company.get_untracked().as_deref(),
        );
        for err in [
            place.as_ref().err(),
            e.as_ref().err(),
            n.as_ref().err(),
            pw_check.as_ref().err(),
        ]
        .into_iter()
        .flatten()
        {
            found.fields.insert(err.field.into(), err.message.clone());
        }
        let role = role_id.get_untracked();
        if role.is_empty() {
            found
                .fields
                .insert("roleId".into(), "Choose a role.".into());
        }
        errors.set(found.clone());
        if let (true, Ok(place), Ok(e), Ok(n)) = (found.is_empty(), place, e, n) {
            let mut input = json!({
                "email": e,
                "name": n,
                "roleId": role,
                "companyId": place.company_id,
                "resellerId": place.reseller_id,
            });
            if k == RoleKind::Company {
                input["visibilityGroupIds"] = json!(groups_chosen.get_untracked());
            }
            if !pw.is_empty() {
                input["password"] = json!(pw);
            }
            save.dispatch(json!({ "input": input }));
        }
    };
    let kind_choices = (kinds.len() > 1).then(|| {
        view! {
            <fieldset class="field">
                <legend>"Kind of user"</legend>
                {kinds
                    .iter()
                    .map(|&k| {
                        view! {
                            <label class="check">
                                <input
                                    type="radio"
                                    name="user-kind"
                                    prop:checked=move || kind.get() == k
                                    on:change=move |_| kind.set(k)
                                />
                                <span>{forms::user_kind_label(k)}</span>
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
        }
    });
    view! {
        <Modal title="New user" on_close=on_close>
            <form on:submit=on_submit novalidate>
                {move || errors.get().general.first().cloned().map(|m| view! { <ErrorBanner message=m /> })}
                {kind_choices}
                <Show when=move || kind.get() == RoleKind::Reseller>
                    <ResellerPicker selected=reseller error=Signal::derive(move || errors.get().field("resellerId")) />
                </Show>
                <Show when=move || kind.get() == RoleKind::Company>
                    <CompanyPicker selected=company />
                    <FieldError id="user-company-error" message=Signal::derive(move || errors.get().field("companyId")) />
                </Show>
                <div class="field">
                    <label for="user-email">"E-mail"</label>
                    <input id="user-email" type="email" autofocus aria-describedby="user-email-error" bind:value=email />
                    <FieldError id="user-email-error" message=Signal::derive(move || errors.get().field("email")) />
                </div>
                <div class="field">
                    <label for="user-name">"Name"</label>
                    <input id="user-name" type="text" aria-describedby="user-name-error" bind:value=name />
                    <FieldError id="user-name-error" message=Signal::derive(move || errors.get().field("name")) />
                </div>
                <div class="field">
                    <label for="user-password">"Password"</label>
                    <input
                        id="user-password"
                        type="password"
                        autocomplete="new-password"
                        aria-describedby="user-password-hint user-password-error"
                        bind:value=password
                    />
                    <p class="hint" id="user-password-hint">
                        {format!(
                            "At least {} characters. Leave empty for a user who only uses tokens.",
                            limits::PASSWORD_MIN_CHARS,
                        )}
                    </p>
                    <FieldError id="user-password-error" message=Signal::derive(move || errors.get().field("password")) />
                </div>
                <div class="field">
                    <label for="user-role">"Role"</label>
                    {move || match roles.get() {
                        None => view! { <Loading label="Loading roles…" /> }.into_any(),
                        Some(Err(e)) => view! { <ErrorBanner message=api::first_message(&e) /> }.into_any(),
                        Some(Ok(list)) => view! {
                            <select id="user-role" aria-describedby="user-role-error" on:change=move |ev| role_id.set(event_target_value(&ev))>
                                <option value="">"Choose a role…"</option>
                                {list
                                    .into_iter()
                                    .map(|r| {
                                        // Reloaded lists keep showing the choice still held.
                                        let selected = role_id.get_untracked() == r.id;
                                        view! { <option value=r.id.clone() selected=selected>{r.name.clone()}</option> }
                                    })
                                    .collect_view()}
                            </select>
                        }
                        .into_any(),
                    }}
                    <FieldError id="user-role-error" message=Signal::derive(move || errors.get().field("roleId")) />
                </div>
                <Show when=move || kind.get() == RoleKind::Company>
                    <fieldset class="field">
                        <legend>"Visibility groups"</legend>
                        <GroupChecks company=company chosen=groups_chosen />
                        <FieldError id="user-groups-error" message=Signal::derive(move || errors.get().field("visibilityGroupIds")) />
                    </fieldset>
                </Show>
                <div class="form-actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>"Create user"</button>
                </div>
            </form>
        </Modal>
    }
}

/// Edits a user: name and role (a role of the user's own kind: the server keeps where a user
/// belongs), for company users also visibility groups; deactivates and reactivates. Nobody
/// changes their own role (the server refuses), so the role is not offered for oneself.
#[component]
fn EditUserDialog(user: User, on_close: Callback<()>, on_saved: Callback<()>) -> impl IntoView {
    let auth = auth::use_auth();
    let company = RwSignal::new(user.company.as_ref().map(|c| c.id.clone()));
    let kind = forms::user_kind(user.company.is_some(), user.reseller.is_some());
    let name = RwSignal::new(user.name.clone());
    let role_id = RwSignal::new(user.role.id.clone());
    let groups_chosen = RwSignal::new(
        user.visibility_groups
            .iter()
            .map(|g| g.id.clone())
            .collect::<Vec<_>>(),
    );
    let active = user.active;
    let confirm_deactivate = RwSignal::new(false);
    let errors = RwSignal::new(FormErrors::default());
    let roles = assignable_roles(Signal::stored(kind), company);
    let id = user.id.clone();
    let save = Action::new_local(move |input: &serde_json::Value| {
        let variables = json!({ "id": id, "input": input });
        async move { api::call::<_, serde_json::Value>(&queries::update_user(), variables).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => on_saved.run(()),
        Some(Err(e)) => errors.set(FormErrors::from_server(&e)),
        None => {}
    });
    let is_company_user = user.company.is_some();
    let role_editable = auth.user_id().as_deref() != Some(user.id.as_str());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let n = match forms::name("name", &name.get_untracked()) {
            Ok(n) => n,
            Err(e) => return errors.set(FormErrors::from_validation(e)),
        };
        let mut input = json!({ "name": n });
        if role_editable {
            input["roleId"] = json!(role_id.get_untracked());
        }
        if is_company_user {
            input["visibilityGroupIds"] = json!(groups_chosen.get_untracked());
        }
        save.dispatch(input);
    };
    view! {
        <Modal title=format!("Edit {}", user.email) on_close=on_close>
            <form on:submit=on_submit novalidate>
                {move || errors.get().general.first().cloned().map(|m| view! { <ErrorBanner message=m /> })}
                <div class="field">
                    <label for="edit-user-name">"Name"</label>
                    <input id="edit-user-name" type="text" autofocus aria-describedby="edit-user-name-error" bind:value=name />
                    <FieldError id="edit-user-name-error" message=Signal::derive(move || errors.get().field("name")) />
                </div>
                <Show when=move || role_editable>
                    <div class="field">
                        <label for="edit-user-role">"Role"</label>
                        {move || match roles.get() {
                            None => view! { <Loading label="Loading roles…" /> }.into_any(),
                            Some(Err(e)) => view! { <ErrorBanner message=api::first_message(&e) /> }.into_any(),
                            Some(Ok(list)) => view! {
                                <select id="edit-user-role" aria-describedby="edit-user-role-error" on:change=move |ev| role_id.set(event_target_value(&ev))>
                                    {list
                                        .into_iter()
                                        .map(|r| {
                                            let selected = role_id.get_untracked() == r.id;
                                            view! { <option value=r.id.clone() selected=selected>{r.name.clone()}</option> }
                                        })
                                        .collect_view()}
                                </select>
                            }
                            .into_any(),
                        }}
                        <FieldError id="edit-user-role-error" message=Signal::derive(move || errors.get().field("roleId")) />
                    </div>
                </Show>
                <Show when=move || is_company_user>
                    <fieldset class="field">
                        <legend>"Visibility groups"</legend>
                        <GroupChecks company=company chosen=groups_chosen />
                        <FieldError id="edit-user-groups-error" message=Signal::derive(move || errors.get().field("visibilityGroupIds")) />
                    </fieldset>
                </Show>
                <div class="form-actions spread">
                    {if active {
                        view! {
                            <button type="button" class="button danger-text" on:click=move |_| confirm_deactivate.set(true)>
                                "Deactivate user"
                            </button>
                        }
                        .into_any()
                    } else {
                        view! {
                            <button type="button" class="button" on:click=move |_| { save.dispatch(json!({ "active": true })); }>
                                "Reactivate user"
                            </button>
                        }
                        .into_any()
                    }}
                    <span class="grow"></span>
                    <button type="button" class="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>"Save"</button>
                </div>
            </form>
            <Show when=move || confirm_deactivate.get()>
                <ConfirmDialog
                    title="Deactivate this user?"
                    message="They can no longer sign in, and every session and token of theirs stops working at once."
                    confirm_label="Deactivate"
                    danger=true
                    on_cancel=Callback::new(move |_| confirm_deactivate.set(false))
                    on_confirm=Callback::new(move |_| {
                        confirm_deactivate.set(false);
                        save.dispatch(json!({ "active": false }));
                    })
                />
            </Show>
        </Modal>
    }
}
