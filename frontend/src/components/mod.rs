//! Building blocks every page uses, so the app looks and behaves the same everywhere: dialogs
//! (with Escape to close and a confirmation for destructive actions), loading, empty and error
//! states, field errors, feature-flag rows, the list pages' head and search bar, and the pager.

mod company_picker;
mod dialog;
mod feature_flags;
mod list_page;
mod states;

pub use company_picker::CompanyPicker;
pub use dialog::{ConfirmDialog, Modal};
pub use feature_flags::FeatureFlagRow;
pub use list_page::{PageHead, SearchToolbar};
pub use states::{EmptyState, ErrorBanner, FieldError, Loading, Pager, PagerState};

mod secret;
pub use secret::{AgoCell, CopyField, DateCell, ago, is_future};

mod grant_usage;
pub use grant_usage::{Narrowed, UsageOf, UsagePanel};
