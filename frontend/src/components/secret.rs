//! Secrets shown once (a client secret, an API key): the value in a read-only field with a Copy
//! button, so nobody has to select a long string by hand. Also the relative times the credential
//! lists show ("5 days ago", "never").

use leptos::prelude::*;
use shared::{datetime, forms};
use wasm_bindgen::{JsCast, JsValue};

/// Calls `target.method(arg)` on a JS object, ignoring failures: the clipboard and `select()`
/// are conveniences, and the value stays on screen whatever happens.
fn call_js(target: &JsValue, method: &str, args: &[JsValue]) -> Option<JsValue> {
    let f = js_sys::Reflect::get(target, &JsValue::from_str(method))
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    let array: js_sys::Array = args.iter().collect();
    f.apply(target, &array).ok()
}

/// Puts text on the clipboard (`navigator.clipboard`, which needs a secure context: HTTPS or
/// localhost). `false` when the browser has no clipboard or refuses; every Copy button of the
/// SPA goes through here.
pub async fn copy_to_clipboard(text: String) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let navigator = window.navigator();
    let available = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .is_ok_and(|c| !c.is_undefined() && !c.is_null());
    if !available {
        return false;
    }
    let promise = navigator.clipboard().write_text(&text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

/// A value to copy: its label, the value in a read-only monospace field (selected on focus),
/// and a Copy button that says "Copied" once it did.
#[component]
pub fn CopyField(
    /// The input's id (the label points at it, and the tests find it by its label).
    id: &'static str,
    label: &'static str,
    #[prop(into)] value: String,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let input = NodeRef::<leptos::html::Input>::new();
    let text = value.clone();
    let copy = move |_| {
        if let Some(el) = input.get() {
            call_js(&el, "select", &[]);
        }
        let text = text.clone();
        leptos::task::spawn_local(async move { copied.set(copy_to_clipboard(text).await) });
    };
    view! {
        <div class="field copy-field">
            <label for=id>{label}</label>
            <div class="copy-row">
                <input
                    id=id
                    type="text"
                    class="mono"
                    readonly
                    spellcheck="false"
                    autocomplete="off"
                    node_ref=input
                    prop:value=value
                    on:focus=move |ev| {
                        if let Some(t) = ev.target() {
                            call_js(&t, "select", &[]);
                        }
                    }
                />
                <button type="button" class="button" aria-label=format!("Copy {}", label.to_lowercase()) on:click=copy>
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
            </div>
        </div>
    }
}

fn now_secs() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// "5 days ago", "in 2 hours"; "never" for a credential never used (`shared::datetime`, the
/// same words as the token lists).
pub fn ago(at: Option<&str>) -> String {
    datetime::last_used(at, now_secs())
}

/// Whether an RFC 3339 time is still ahead.
pub fn is_future(at: &str) -> bool {
    datetime::parse_rfc3339(at).is_some_and(|s| s > now_secs())
}

/// A date for tables (`2026-12-02`), with the full time as a tooltip.
#[component]
pub fn DateCell(#[prop(into)] at: String) -> impl IntoView {
    view! { <span title=at.clone()>{forms::date_of(&at).to_string()}</span> }
}

/// "5 days ago" (or "never"), with the exact time as a tooltip.
#[component]
pub fn AgoCell(at: Option<String>) -> impl IntoView {
    let text = ago(at.as_deref());
    view! { <span title=at.unwrap_or_default()>{text}</span> }
}
