//! Sign-in: e-mail and password; the server's message when it fails (the same for a wrong
//! e-mail and a wrong password, and the login throttle's when there were too many attempts).

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use serde::Deserialize;
use serde_json::json;

use crate::{api, auth, components::ErrorBanner, queries};

#[derive(Clone, Deserialize)]
struct LoginData {
    login: Token,
}

#[derive(Clone, Deserialize)]
struct Token {
    token: String,
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let query = use_query_map();
    let expired = move || query.read().get("expired").is_some();
    let navigate = use_navigate();

    let login = Action::new_local(|(email, password): &(String, String)| {
        let variables = json!({ "email": email, "password": password });
        async move {
            api::call::<_, LoginData>(queries::LOGIN, variables)
                .await
                .map(|d| d.login.token)
        }
    });
    Effect::new(move |_| match login.value().get() {
        Some(Ok(token)) => {
            auth::set_token(&token);
            navigate("/", Default::default());
        }
        Some(Err(errors)) => error.set(Some(api::first_message(&errors))),
        None => {}
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let e = email.get_untracked();
        if e.trim().is_empty() || password.with_untracked(String::is_empty) {
            error.set(Some("Enter your e-mail address and your password.".into()));
            return;
        }
        login.dispatch((e.trim().to_string(), password.get_untracked()));
    };

    view! {
        <div class="login-page">
            <form class="login-card" on:submit=on_submit novalidate>
                <div class="brand login-brand">
                    <span class="brand-mark" aria-hidden="true">"▦"</span>
                    "Portcullis"
                </div>
                <h1>"Sign in"</h1>
                <p class="muted">"API access management for your platform."</p>
                <Show when=expired>
                    <p class="notice">"Your session ended. Please sign in again."</p>
                </Show>
                {move || error.get().map(|m| view! { <ErrorBanner message=m /> })}
                <div class="field">
                    <label for="email">"E-mail"</label>
                    <input id="email" type="email" autocomplete="username" required autofocus bind:value=email />
                </div>
                <div class="field">
                    <label for="password">"Password"</label>
                    <input
                        id="password"
                        type="password"
                        autocomplete="current-password"
                        required
                        bind:value=password
                    />
                </div>
                <button type="submit" class="button primary wide" disabled=move || login.pending().get()>
                    {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </div>
    }
}
