//! The head and search bar of every list page, so the lists (resellers, companies, users, roles,
//! groups) read the same and a change to their layout is made once.

use leptos::prelude::*;

use super::PagerState;

/// The page's title, what it is for, and its one "New …" button, shown only to those allowed.
#[component]
pub fn PageHead(
    title: &'static str,
    subtitle: &'static str,
    action_label: &'static str,
    /// Whether the caller may use the action (a permission, and whatever the page needs first).
    #[prop(into)]
    can_act: Signal<bool>,
    on_action: Callback<()>,
) -> impl IntoView {
    view! {
        <header class="page-head">
            <div>
                <h1>{title}</h1>
                <p class="muted">{subtitle}</p>
            </div>
            <Show when=move || can_act.get()>
                <button type="button" class="button primary" on:click=move |_| on_action.run(())>
                    {action_label}
                </button>
            </Show>
        </header>
    }
}

/// A search box that restarts paging on every keystroke, and the count of what matched.
#[component]
pub fn SearchToolbar(
    /// The input's id (the e2e tests and the hidden label refer to it).
    id: &'static str,
    /// The hidden label, for screen readers.
    label: &'static str,
    placeholder: &'static str,
    search: RwSignal<String>,
    pager: RwSignal<PagerState>,
    /// "12 companies", once the list has loaded.
    #[prop(into)]
    count: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <div class="toolbar">
            <label class="sr-only" for=id>{label}</label>
            <input
                id=id
                type="search"
                placeholder=placeholder
                prop:value=move || search.get()
                on:input=move |ev| {
                    search.set(event_target_value(&ev));
                    pager.set(PagerState::default());
                }
            />
            <span class="muted count">{move || count.get()}</span>
        </div>
    }
}
