//! Building blocks every page uses, so the app looks and behaves the same everywhere: dialogs
//! (with Escape to close and a confirmation for destructive actions), loading, empty and error
//! states, field errors, feature-flag rows, the list pages' head and search bar, and the pager.

mod charts;
mod company_picker;
mod dialog;
mod drawer;
mod feature_flags;
mod list_page;
mod states;
mod tokens;

pub use charts::{LatencyChart, RequestsChart, StatusDonut, now_secs, utc_offset_at};
pub use company_picker::CompanyPicker;
pub use dialog::{ConfirmDialog, Modal};
pub use drawer::Drawer;
pub use feature_flags::FeatureFlagRow;
pub use list_page::{PageHead, SearchToolbar};
pub use states::{EmptyState, ErrorBanner, FieldError, Loading, Pager, PagerState};
pub use tokens::{
    API_DOCS_URL, NewTokenForm, RevokeWording, TOKENS_HELP, TokenCreatedDialog, TokenList,
};

mod secret;
pub use secret::{AgoCell, CopyField, DateCell, ago, is_future};

mod grant_usage;
pub use grant_usage::{Narrowed, UsageOf, UsagePanel};
