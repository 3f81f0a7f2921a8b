//! Modal dialogs. A dialog traps nothing fancy: it is a `role="dialog"` box over a backdrop,
//! focusable, closed by Escape or by its Cancel button.

use leptos::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

use wasm_bindgen::JsCast;

/// How many dialogs are open, so that Escape closes the topmost only.
static OPEN_DIALOGS: AtomicUsize = AtomicUsize::new(0);

/// A dialog box with a title; `on_close` runs on Escape (wherever the focus is), on the backdrop
/// and on ×. On opening, the focus moves to the dialog's first field (or button), so a keyboard
/// user starts where the work is.
#[component]
pub fn Modal(
    #[prop(into)] title: String,
    on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let close = move || on_close.run(());
    // Dialogs can stack (a confirmation over a form): Escape closes only the top one.
    let depth = OPEN_DIALOGS.fetch_add(1, Ordering::Relaxed) + 1;
    let escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" && OPEN_DIALOGS.load(Ordering::Relaxed) == depth {
            on_close.run(());
        }
    });
    on_cleanup(move || {
        escape.remove();
        OPEN_DIALOGS.fetch_sub(1, Ordering::Relaxed);
    });
    let dialog = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(el) = dialog.get() {
            let target = el
                .query_selector("input:not([type=hidden]), select, textarea, .dialog-body button")
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            match target {
                Some(t) => {
                    let _ = t.focus();
                }
                None => {
                    let _ = el.focus();
                }
            }
        }
    });
    view! {
        <div class="backdrop" on:click=move |_| close()>
            <div
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-label=title.clone()
                tabindex="-1"
                node_ref=dialog
                on:click=|ev| ev.stop_propagation()
            >
                <header class="dialog-head">
                    <h2>{title.clone()}</h2>
                    <button type="button" class="icon-button" aria-label="Close" on:click=move |_| close()>
                        "×"
                    </button>
                </header>
                <div class="dialog-body">{children()}</div>
            </div>
        </div>
    }
}

/// Asks before a destructive action. `on_confirm` runs on the confirm button; the dialog is
/// closed by its owner (usually by clearing the signal that shows it).
#[component]
pub fn ConfirmDialog(
    #[prop(into)] title: String,
    #[prop(into)] message: String,
    #[prop(into)] confirm_label: String,
    #[prop(optional)] danger: bool,
    on_confirm: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let confirm_class = if danger {
        "button danger"
    } else {
        "button primary"
    };
    view! {
        <Modal title=title on_close=on_cancel>
            <p class="confirm-message">{message}</p>
            <div class="form-actions">
                <button type="button" class="button" on:click=move |_| on_cancel.run(())>
                    "Cancel"
                </button>
                <button
                    type="button"
                    class=confirm_class
                    autofocus
                    on:click=move |_| on_confirm.run(())
                >
                    {confirm_label}
                </button>
            </div>
        </Modal>
    }
}
