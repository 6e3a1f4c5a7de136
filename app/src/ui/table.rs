//! Tables: a wrapper that keeps every table inside its card (scrolling sideways on
//! narrow screens rather than running past the edge), sortable column headers with
//! `aria-sort`, and a pager that says where you are ("41–60 of 10,000"). Sort and
//! page live in the URL: headers and pager are links.

use leptos::prelude::*;

/// A table inside its card: scrolls sideways when it must; the caption names it for
/// screen readers. `test` names the table for browser tests (`data-test`); `class`
/// adds to the shared table style.
#[component]
pub fn TableWrap(
    #[prop(into)] caption: String,
    #[prop(optional)] test: Option<&'static str>,
    #[prop(optional)] class: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let class = class.map_or_else(|| "table".to_string(), |extra| format!("table {extra}"));
    view! {
        <div class="table-wrap">
            <table class=class data-test=test>
                <caption class="visually-hidden">{caption}</caption>
                {children()}
            </table>
        </div>
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortDirection {
    Ascending,
    Descending,
}

impl SortDirection {
    pub fn aria(self) -> &'static str {
        match self {
            SortDirection::Ascending => "ascending",
            SortDirection::Descending => "descending",
        }
    }

    pub fn flipped(self) -> Self {
        match self {
            SortDirection::Ascending => SortDirection::Descending,
            SortDirection::Descending => SortDirection::Ascending,
        }
    }
}

/// A column header that sorts by `column`: `sorted` is the current direction when the
/// table is sorted by this column; `href` gives the address sorted the other way.
#[component]
pub fn SortHeader(
    label: &'static str,
    sorted: Option<SortDirection>,
    #[prop(into)] href: String,
) -> impl IntoView {
    let aria = sorted.map_or("none", SortDirection::aria);
    let arrow = match sorted {
        Some(SortDirection::Ascending) => "▲",
        Some(SortDirection::Descending) => "▼",
        None => "",
    };
    view! {
        <th scope="col" aria-sort=aria>
            <a class="sort-link" href=href>
                {label}
                <span class="sort-arrow" aria-hidden="true">{arrow}</span>
            </a>
        </th>
    }
}

/// `10000` as `10,000`.
pub fn group_thousands(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// "41–60 of 10,000" with links to the previous and next pages; `href` builds the
/// address of the page starting at an offset (keeping the list's filters and sort).
#[component]
pub fn Pager<H>(offset: u64, count: u64, total: u64, href: H) -> impl IntoView
where
    H: Fn(u64) -> String + 'static,
{
    let shown_to = (offset + count).min(total);
    let position = if total == 0 {
        "Nothing to show".to_string()
    } else {
        format!("{}–{} of {}", group_thousands(offset + 1), group_thousands(shown_to), group_thousands(total))
    };
    let previous = (offset > 0).then(|| href(offset.saturating_sub(count)));
    let next = (shown_to < total).then(|| href(offset + count));
    view! {
        <nav class="pager" aria-label="Pages">
            <span class="pager-position" aria-live="polite">{position}</span>
            {previous.map(|href| view! { <a class="button button-small button-secondary" href=href rel="prev">"Previous"</a> })}
            {next.map(|href| view! { <a class="button button-small button-secondary" href=href rel="next">"Next"</a> })}
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::group_thousands;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(10_000), "10,000");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn sorting_flips_and_speaks() {
        use super::SortDirection::*;
        assert_eq!(Ascending.flipped(), Descending);
        assert_eq!(Descending.flipped(), Ascending);
        assert_eq!(Ascending.aria(), "ascending");
    }
}
