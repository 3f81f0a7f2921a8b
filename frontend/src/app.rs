//! The routes and the app shell: a sidebar whose entries are filtered by the signed-in user's
//! permissions, the user's name and tenant, and sign-out. Pages render inside the shell.

use leptos::prelude::*;
use leptos_router::{
    components::{A, Outlet, ParentRoute, Redirect, Route, Router, Routes},
    path,
};
use shared::permissions as p;

use crate::{
    api,
    auth::{self, Auth, Me},
    components::{ErrorBanner, Loading},
    pages, queries,
};

#[component]
pub fn App() -> impl IntoView {
    provide_context(Auth {
        me: RwSignal::new(None),
    });
    view! {
        <Router>
            <Routes fallback=|| view! { <pages::NotFound /> }>
                <Route path=path!("/login") view=pages::LoginPage />
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=pages::HomePage />
                    <Route path=path!("resellers") view=pages::ResellersPage />
                    <Route path=path!("resellers/:id") view=pages::ResellerEditPage />
                    <Route path=path!("companies") view=pages::CompaniesPage />
                    <Route path=path!("companies/:id") view=pages::CompanyEditPage />
                    <Route path=path!("users") view=pages::UsersPage />
                    <Route path=path!("roles") view=pages::RolesPage />
                    <Route path=path!("visibility-groups") view=pages::GroupsPage />
                    <Route path=path!("api-logs") view=pages::ApiLogsPage />
                    <Route path=path!("tokens") view=pages::TokensPage />
                    <Route path=path!("global-settings/api-management") view=pages::ApiManagementPage />
                    <Route path=path!("settings") view=pages::SettingsPage />
                    <Route path=path!("settings/partner-api") view=pages::PartnerApiPage />
                    <Route path=path!("settings/api-keys") view=pages::ApiKeysPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// A navigation entry and the permission it needs.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub permission: &'static str,
    /// Hub pages (resellers, companies) are for platform and reseller staff only.
    pub hub_only: bool,
}

pub const NAV: &[NavItem] = &[
    NavItem {
        href: "/resellers",
        label: "Resellers",
        permission: p::RESELLERS_READ,
        hub_only: true,
    },
    NavItem {
        href: "/companies",
        label: "Companies",
        permission: p::COMPANIES_READ,
        hub_only: true,
    },
    NavItem {
        href: "/users",
        label: "Users",
        permission: p::USERS_READ,
        hub_only: false,
    },
    NavItem {
        href: "/roles",
        label: "Roles",
        permission: p::ROLES_READ,
        hub_only: false,
    },
    NavItem {
        href: "/visibility-groups",
        label: "Visibility groups",
        permission: p::VISIBILITY_GROUPS_READ,
        hub_only: false,
    },
    NavItem {
        href: "/api-logs",
        label: "API Logs",
        permission: p::API_LOGS_VIEW,
        hub_only: false,
    },
    NavItem {
        href: "/tokens",
        label: "Partner API Tokens",
        permission: p::PERSONAL_TOKENS_MANAGE,
        hub_only: false,
    },
    // Shown to holders of either API permission (see `nav_for`).
    NavItem {
        href: "/settings",
        label: "Settings",
        permission: p::API_CREDENTIALS_MANAGE,
        hub_only: false,
    },
];

/// Global Settings (seed 003): for super admins only, after the other entries.
pub const GLOBAL_SETTINGS_NAV: &[NavItem] = &[NavItem {
    href: "/global-settings/api-management",
    label: "Global Settings",
    permission: p::PERSONAL_TOKENS_MANAGE,
    hub_only: true,
}];

/// The entries this user may see.
pub fn nav_for(me: &Me) -> Vec<&'static NavItem> {
    let global_settings = if me.is_super_admin() {
        GLOBAL_SETTINGS_NAV
    } else {
        &[]
    };
    NAV.iter()
        .chain(global_settings)
        .filter(|item| {
            (me.can(item.permission)
                || (item.href == "/settings" && pages::settings::has_settings(me)))
                && (!item.hub_only || me.is_hub())
        })
        .collect()
}

/// Loads the signed-in user, then shows the layout around the current page. Without a session
/// it sends the browser to the sign-in page.
#[component]
fn Shell() -> impl IntoView {
    let auth = auth::use_auth();
    let me = LocalResource::new(move || async move {
        if auth::token().is_none() {
            return Err(Vec::new());
        }
        #[derive(Clone, serde::Deserialize)]
        struct Data {
            me: Me,
        }
        let me = api::call::<_, Data>(queries::ME, serde_json::json!({}))
            .await
            .map(|d| d.me)?;
        // Set before the resource resolves, so the pages rendered in the outlet can already
        // ask for permissions when they are built.
        auth.me.set(Some(me.clone()));
        Ok(me)
    });
    let menu_open = RwSignal::new(false);

    view! {
        {move || match me.get() {
            None => view! { <div class="page-center"><Loading /></div> }.into_any(),
            // No session: sign in first.
            Some(Err(errors)) if errors.is_empty() => view! { <Redirect path="/login" /> }.into_any(),
            Some(Err(errors)) => view! {
                <div class="page-center">
                    <ErrorBanner message=api::first_message(&errors) />
                </div>
            }
            .into_any(),
            Some(Ok(user)) => {
                let items = nav_for(&user);
                view! {
                    <div class="shell" class:menu-open=move || menu_open.get()>
                        <header class="topbar">
                            <button
                                type="button"
                                class="icon-button menu-toggle"
                                aria-label="Menu"
                                aria-expanded=move || menu_open.get().to_string()
                                on:click=move |_| menu_open.update(|o| *o = !*o)
                            >
                                "☰"
                            </button>
                            <a href="/" class="brand">
                                <span class="brand-mark" aria-hidden="true">"▦"</span>
                                "Portcullis"
                            </a>
                            <div class="topbar-user">
                                <span class="user-name" data-testid="user-name">{user.name.clone()}</span>
                                <span class="user-meta">
                                    {format!("{} · {}", user.role.name, user.tenant_label())}
                                </span>
                            </div>
                            <SignOut />
                        </header>
                        <nav class="sidebar" aria-label="Main" on:click=move |_| menu_open.set(false)>
                            <ul>
                                {items
                                    .into_iter()
                                    .map(|item| {
                                        view! {
                                            <li>
                                                <A href=item.href>{item.label}</A>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        </nav>
                        <main class="content">
                            <Outlet />
                        </main>
                    </div>
                }
                .into_any()
            }
        }}
    }
}

/// Signs the session out on the server (its token stops working at once), then forgets it.
#[component]
fn SignOut() -> impl IntoView {
    let sign_out = Action::new_local(|_: &()| async move {
        // Even if the server cannot be reached, the token is forgotten here.
        let _ = api::call::<_, serde_json::Value>(queries::LOGOUT, serde_json::json!({})).await;
        auth::clear_token();
        if let Some(w) = web_sys::window() {
            let _ = w.location().set_href("/login");
        }
    });
    view! {
        <button
            type="button"
            class="button ghost"
            disabled=move || sign_out.pending().get()
            on:click=move |_| {
                sign_out.dispatch(());
            }
        >
            "Sign out"
        </button>
    }
}

/// Shown by a page when the user lacks its permission (reached by typing the address).
#[component]
pub fn Forbidden() -> impl IntoView {
    view! {
        <section class="page">
            <h1>"Not available"</h1>
            <p class="muted">"Your role does not give you access to this page."</p>
        </section>
    }
}
