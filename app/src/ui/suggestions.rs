//! Voximplant's long value lists (time zones, languages, countries) as `<datalist>`
//! suggestions for a field. Hundreds of options, the same on every page: their HTML is
//! built once per process and written as one piece, not rendered option by option on
//! every request (they were most of a form page's server-side rendering).

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

/// IANA time zones, for a field with `list="time-zones"`.
#[component]
pub fn TimeZoneSuggestions() -> impl IntoView {
    view! { <datalist id="time-zones" inner_html=LazyLock::force(&TIME_ZONE_OPTIONS).as_str()></datalist> }
}

/// Voximplant's email languages (code, shown with its name), for `list="languages"`.
#[component]
pub fn LanguageSuggestions() -> impl IntoView {
    view! { <datalist id="languages" inner_html=LazyLock::force(&LANGUAGE_OPTIONS).as_str()></datalist> }
}

/// Countries (ISO code, shown with its name), for `list="countries"`.
#[component]
pub fn CountrySuggestions() -> impl IntoView {
    view! { <datalist id="countries" inner_html=LazyLock::force(&COUNTRY_OPTIONS).as_str()></datalist> }
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
