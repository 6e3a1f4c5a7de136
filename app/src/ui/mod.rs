//! The shared pieces every page is built from, so the product looks and behaves as
//! one: the form field, the confirmation dialog, tables with sortable headers and a
//! pager, the empty / loading / error states, and toasts.

pub mod browser;
pub mod dialog;
pub mod field;
pub mod states;
pub mod table;
pub mod toast;

pub use dialog::ConfirmDialog;
pub use field::{Check, Field, FormField};
pub use states::{EmptyState, ErrorState, Loading};
pub use table::{group_thousands, Pager, SortDirection, SortHeader, TableWrap};
pub use toast::{provide_toasts, use_toasts, ToastRegion, Toasts};
