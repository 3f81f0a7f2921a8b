//! Loading, empty and error states, field errors and the pager.

use leptos::prelude::*;

#[component]
pub fn Loading(#[prop(into, default = "Loading…".to_string())] label: String) -> impl IntoView {
    view! {
        <div class="loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            <span>{label}</span>
        </div>
    }
}

#[component]
pub fn EmptyState(
    #[prop(into)] title: String,
    #[prop(into)] text: String,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="empty-state">
            <h3>{title}</h3>
            <p>{text}</p>
            {children.map(|c| c())}
        </div>
    }
}

#[component]
pub fn ErrorBanner(#[prop(into)] message: String) -> impl IntoView {
    view! {
        <div class="error-banner" role="alert">
            {message}
        </div>
    }
}

/// The server's (or the form's) message for one field, right under it. `id` is what the input's
/// `aria-describedby` points at.
#[component]
pub fn FieldError(
    #[prop(into)] id: String,
    #[prop(into)] message: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <p class="field-error" id=id.clone() role="alert">
                {move || message.get().unwrap_or_default()}
            </p>
        </Show>
    }
}

/// Cursor pagination over a Relay connection: the cursors of the pages before this one, so
/// "Previous" can go back without a backwards query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PagerState {
    pub after: Option<String>,
    pub previous: Vec<Option<String>>,
}

impl PagerState {
    pub fn next(&mut self, end_cursor: Option<String>) {
        self.previous.push(self.after.take());
        self.after = end_cursor;
    }

    pub fn back(&mut self) {
        self.after = self.previous.pop().flatten();
    }

    pub fn page(&self) -> usize {
        self.previous.len() + 1
    }
}

#[component]
pub fn Pager(
    pager: RwSignal<PagerState>,
    #[prop(into)] has_next: Signal<bool>,
    #[prop(into)] end_cursor: Signal<Option<String>>,
    #[prop(into)] total: Signal<i64>,
    page_size: i64,
) -> impl IntoView {
    let pages = move || ((total.get() + page_size - 1) / page_size).max(1);
    view! {
        <nav class="pager" aria-label="Pagination">
            <button
                type="button"
                class="button"
                disabled=move || pager.with(|p| p.previous.is_empty())
                on:click=move |_| pager.update(PagerState::back)
            >
                "← Previous"
            </button>
            <span class="pager-label">
                {move || format!("Page {} of {}", pager.with(PagerState::page), pages())}
            </span>
            <button
                type="button"
                class="button"
                disabled=move || !has_next.get()
                on:click=move |_| {
                    let cursor = end_cursor.get();
                    pager.update(|p| p.next(cursor));
                }
            >
                "Next →"
            </button>
        </nav>
    }
}
