//! The shared pieces every page is built from, so the product looks and behaves as
//! one: the form field, the confirmation dialog, tables with sortable headers and a
//! pager, the empty / loading / error states, and toasts.

pub mod browser;
pub mod data;
pub mod dialog;
pub mod field;
pub mod form;
pub mod lazy_page;
pub mod meter;
pub mod post_form;
pub mod states;
pub mod suggestions;
pub mod table;
pub mod toast;

pub use data::{data, once_loaded, Data};
pub use dialog::{ChangesDialog, ConfirmDialog, ModalDialog};
pub use field::{Check, Field, FormAlerts, FormField};
pub use form::{FormCheck, SaveActions};
pub(crate) use lazy_page::lazy_pages;
pub use meter::{Meter, StackedMeter};
pub use post_form::{Fields, PostForm};
pub use states::{EmptyState, ErrorState, Loading};
pub use suggestions::{CountrySuggestions, LanguageSuggestions, TimeZoneSuggestions};
pub use table::{group_thousands, Pager, SortDirection, SortHeader, TableWrap};
pub use toast::{provide_toasts, use_toasts, ToastRegion, Toasts};

/// `text` as one URL query value: everything but unreserved characters escaped.
/// The inverse of [`url_encode`] (and of a form's `+` for a space); malformed
/// escapes are kept as typed.
pub fn url_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match (bytes[i], escaped) {
            (_, Some(byte)) => {
                out.push(byte);
                i += 3;
                continue;
            }
            (b'+', None) => out.push(b' '),
            (byte, None) => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_decoding_undoes_encoding() {
        for text in ["acme corp", "ops@acme.example", "1042, 1043", "ü%", ""] {
            assert_eq!(url_decode(&url_encode(text)), text);
        }
        assert_eq!(url_decode("a+b%2"), "a b%2");
    }
}
