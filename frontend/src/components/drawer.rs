//! A side panel over the page (the API Logs detail view): a `role="dialog"` sliding in from the
//! right over a backdrop, closed by Escape, by its × button or by a click on the backdrop. On
//! opening, the focus moves to the × button, so Escape and Tab work at once.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

#[component]
pub fn Drawer(
    /// The panel's accessible name.
    #[prop(into)]
    label: Signal<String>,
    on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            on_close.run(());
        }
    });
    on_cleanup(move || escape.remove());
    let panel = NodeRef::<leptos::html::Aside>::new();
    Effect::new(move |_| {
        if let Some(el) = panel.get()
            && let Some(button) = el
                .query_selector(".drawer-close")
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = button.focus();
        }
    });
    view! {
        <div class="drawer-backdrop" on:click=move |_| on_close.run(())>
            <aside
                class="drawer"
                role="dialog"
                aria-modal="true"
                aria-label=move || label.get()
                tabindex="-1"
                node_ref=panel
                on:click=|ev| ev.stop_propagation()
            >
                <button
                    type="button"
                    class="icon-button drawer-close"
                    aria-label="Close"
                    on:click=move |_| on_close.run(())
                >
                    "×"
                </button>
                {children()}
            </aside>
        </div>
    }
}
