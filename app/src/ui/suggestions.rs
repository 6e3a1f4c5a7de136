//! Voximplant's long value lists (time zones, languages, countries) as `<datalist>`
//! suggestions for a field. Hundreds of options, the same on every page: their HTML is
//! built once and set as one piece, in the browser only (see `datalist_filled_in_browser`).

use std::sync::LazyLock;

use leptos::prelude::*;
use voximplant::value_lists::{COUNTRIES, LANGUAGES, TIME_ZONES};

/// `<option value="…">label</option>` for each (value, label), escaped.
fn options<'a>(items: impl Iterator<Item = (&'a str, Option<&'a str>)>) -> String {
    fn escape(text: &str) -> String {
        text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
    }
    items
        .map(|(value, label)| format!("<option value=\"{}\">{}</option>", escape(value), label.map(escape).unwrap_or_default()))
        .collect()
}

static TIME_ZONE_OPTIONS: LazyLock<String> = LazyLock::new(|| options(TIME_ZONES.iter().map(|zone| (*zone, None))));
static LANGUAGE_OPTIONS: LazyLock<String> = LazyLock::new(|| options(LANGUAGES.iter().map(|(code, name)| (*code, Some(*name)))));
static COUNTRY_OPTIONS: LazyLock<String> = LazyLock::new(|| options(COUNTRIES.iter().map(|(code, name)| (*code, Some(*name)))));

/// A `<datalist>` the browser fills once the page is live. The server sends it empty:
/// the time zones and languages were 29 KB of a 39 KB form page, sent with every form
/// and read by no one until a person types into the field.
fn datalist_filled_in_browser(id: &'static str, options: &'static LazyLock<String>) -> impl IntoView {
    let list = NodeRef::<leptos::html::Datalist>::new();
    Effect::new(move || {
        if let Some(list) = list.get() {
            list.set_inner_html(options);
        }
    });
    view! { <datalist id=id node_ref=list></datalist> }
}

/// IANA time zones, for a field with `list="time-zones"`.
#[component]
pub fn TimeZoneSuggestions() -> impl IntoView {
    datalist_filled_in_browser("time-zones", &TIME_ZONE_OPTIONS)
}

/// Voximplant's email languages (code, shown with its name), for `list="languages"`.
#[component]
pub fn LanguageSuggestions() -> impl IntoView {
    datalist_filled_in_browser("languages", &LANGUAGE_OPTIONS)
}

/// Countries (ISO code, shown with its name), for `list="countries"`.
#[component]
pub fn CountrySuggestions() -> impl IntoView {
    datalist_filled_in_browser("countries", &COUNTRY_OPTIONS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_one_option_with_its_label() {
        assert_eq!(TIME_ZONE_OPTIONS.matches("<option ").count(), TIME_ZONES.len());
        assert_eq!(LANGUAGE_OPTIONS.matches("<option ").count(), LANGUAGES.len());
        assert!(TIME_ZONE_OPTIONS.contains("<option value=\"Europe/Berlin\"></option>"));
        let (code, name) = LANGUAGES[0];
        assert!(LANGUAGE_OPTIONS.starts_with(&format!("<option value=\"{code}\">{name}</option>")));
    }

    #[test]
    fn markup_in_a_value_is_escaped() {
        assert_eq!(options([("a\"<b>&", Some("<i>"))].into_iter()), "<option value=\"a&quot;&lt;b&gt;&amp;\">&lt;i&gt;</option>");
    }
}
