//! The shared pieces every page is built from, so the product looks and behaves as
//! one: the form field, the confirmation dialog, tables with sortable headers and a
//! pager, the empty / loading / error states, and toasts.

pub mod browser;
pub mod dialog;
pub mod field;
pub mod states;
pub mod table;
pub mod toast;

pub use dialog::{ConfirmDialog, ModalDialog};
pub use field::{Check, Field, FormAlerts, FormField};
pub use states::{EmptyState, ErrorState, Loading};
pub use table::{group_thousands, Pager, SortDirection, SortHeader, TableWrap};
pub use toast::{provide_toasts, use_toasts, ToastRegion, Toasts};

/// `text` as one URL query value: everything but unreserved characters escaped.
pub fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
