//! Partner API Tokens (seeds 000 and 002): the signed-in user's personal access tokens. The
//! seed's help text and a link to the API documentation; "Generate token" asks for a name and
//! an expiry, then shows the token once with Copy; the list (masked token, created, last used as
//! a relative time, expiry status), newest first, filtered by name; revoke with confirmation.

use leptos::prelude::*;
use shared::permissions as p;

use crate::{
    app::Forbidden,
    auth,
    components::{
        API_DOCS_URL, Modal, NewTokenForm, PageHead, RevokeWording, TOKENS_HELP,
        TokenCreatedDialog, TokenList,
    },
    queries::CreatedPersonalAccessToken,
};

#[component]
pub fn TokensPage() -> impl IntoView {
    let auth = auth::use_auth();
    if !auth.can(p::PERSONAL_TOKENS_MANAGE) {
        return view! { <Forbidden /> }.into_any();
    }
    let generating = RwSignal::new(false);
    let created = RwSignal::new(None::<CreatedPersonalAccessToken>);
    let reload = RwSignal::new(0u32);

    view! {
        <section class="page">
            <PageHead
                title="Partner API Tokens"
                subtitle="Personal access tokens: your own credentials for scripts and integrations."
                action_label="Generate token"
                can_act=Signal::stored(true)
                on_action=Callback::new(move |_| generating.set(true))
            />
            <div class="card token-intro">
                <p data-testid="tokens-help">{TOKENS_HELP}</p>
                <p class="muted">
                    "Send a token as "<code>"Authorization: Bearer <token>"</code>
                    " to the REST API or to GraphQL. The "
                    <a href=API_DOCS_URL target="_blank" rel="noopener">"API documentation"</a>
                    " lists every endpoint and its parameters."
                </p>
            </div>
            <TokenList reload=reload wording=RevokeWording::Revoke filter_id="token-filter" />
            <Show when=move || generating.get()>
                <Modal title="Generate token" on_close=Callback::new(move |_| generating.set(false))>
                    <NewTokenForm
                        id="new-token"
                        name_label="Name"
                        submit_label="Generate token"
                        on_cancel=Callback::new(move |_| generating.set(false))
                        on_created=Callback::new(move |token| {
                            generating.set(false);
                            created.set(Some(token));
                            reload.update(|n| *n += 1);
                        })
                    />
                </Modal>
            </Show>
            {move || {
                created
                    .get()
                    .map(|c| {
                        view! {
                            <TokenCreatedDialog
                                created=c
                                on_close=Callback::new(move |_| created.set(None))
                            />
                        }
                    })
            }}
        </section>
    }
    .into_any()
}
