//! CSV export of the filtered list. `GET /api/logs/export.csv` wants the session as
//! `Authorization: Bearer` (a plain link could not send it), so the SPA fetches the file with the
//! header, then hands the bytes to the browser as a Blob download under the server's file name.

use gloo_net::http::Request;
use leptos::prelude::*;
use shared::log_filters::ApiLogFilterInput;
use wasm_bindgen::JsCast;

use crate::auth;

#[component]
pub fn ExportButton(input: Memo<ApiLogFilterInput>) -> impl IntoView {
    let export = Action::new_local(|filter: &ApiLogFilterInput| {
        let filter = filter.clone();
        async move { download_csv(&filter).await }
    });
    let error = move || export.value().get().and_then(Result::err);
    view! {
        <button
            type="button"
            class="button primary"
            disabled=move || export.pending().get()
            on:click=move |_| {
                export.dispatch(input.get_untracked());
            }
        >
            {move || if export.pending().get() { "Exporting…" } else { "⤓ Export CSV" }}
        </button>
        {move || error().map(|e| view! { <p class="field-error export-error" role="alert">{e}</p> })}
    }
}

/// `attachment; filename="api-logs-….csv"` → `api-logs-….csv`.
fn file_name(disposition: Option<String>) -> String {
    disposition
        .and_then(|d| {
            let (_, rest) = d.split_once("filename=")?;
            let name = rest.split(';').next()?.trim().trim_matches('"').to_string();
            (!name.is_empty() && !name.contains(['/', '\\'])).then_some(name)
        })
        .unwrap_or_else(|| "api-logs.csv".to_string())
}

async fn download_csv(filter: &ApiLogFilterInput) -> Result<(), String> {
    let url = format!("/api/logs/export.csv?{}", filter.query_string());
    let mut request = Request::get(&url).header("Accept", "text/csv");
    let token = auth::token();
    if let Some(t) = &token {
        request = request.header("Authorization", &format!("Bearer {t}"));
    }
    let response = request
        .send()
        .await
        .map_err(|_| "The server could not be reached. Check your connection and try again.")?;
    if !response.ok() {
        let status = response.status();
        if status == 401 && token.is_some() {
            auth::session_lost();
        }
        // Refusals are problem+json: show its detail.
        let detail = response
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|v| v.get("detail").and_then(|d| d.as_str()).map(str::to_string));
        return Err(detail.unwrap_or_else(|| format!("The export failed (HTTP {status}).")));
    }
    let name = file_name(response.headers().get("content-disposition"));
    let bytes = response
        .binary()
        .await
        .map_err(|_| "The export was interrupted. Try again.".to_string())?;
    save(&bytes, &name, "text/csv;charset=utf-8")
        .map_err(|_| "The browser refused the download.".to_string())
}

/// Offers `bytes` as a download named `name`.
fn save(bytes: &[u8], name: &str, mime: &str) -> Result<(), wasm_bindgen::JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    link.set_href(&url);
    link.set_download(name);
    let body = document.body().ok_or("no body")?;
    body.append_child(&link)?;
    link.click();
    link.remove();
    // The download has started from the URL; free it once the click is handled.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000)?;
    Ok(())
}
