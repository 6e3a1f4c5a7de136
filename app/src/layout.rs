//! The frame around every page: brand, primary navigation and the main region.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::error_page::ErrorPage;

/// One entry of the primary navigation.
struct NavItem {
    href: &'static str,
    label: &'static str,
    icon: &'static str,
}

const NAV_ITEMS: &[NavItem] = &[
    NavItem { href: "/", label: "Dashboard", icon: "◧" },
    NavItem { href: "/children", label: "Child accounts", icon: "☰" },
    NavItem { href: "/billing", label: "Billing", icon: "¤" },
    NavItem { href: "/audit", label: "Audit log", icon: "✎" },
    NavItem { href: "/admin", label: "Admin", icon: "⚙" },
];

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <div class="frame">
            <header class="topbar">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"V"</span>
                    <span class="brand-name">"Voxdesk"</span>
                </a>
                <nav class="primary-nav" aria-label="Primary">
                    <ul>
                        {NAV_ITEMS
                            .iter()
                            .map(|item| {
                                view! {
                                    <li>
                                        <A href=item.href exact=true>
                                            <span class="nav-icon" aria-hidden="true">{item.icon}</span>
                                            <span class="nav-label">{item.label}</span>
                                        </A>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </nav>
            </header>
            <main id="main" class="content" tabindex="-1">
                <ErrorBoundary fallback=|errors| view! { <ErrorPage errors /> }>
                    {children()}
                </ErrorBoundary>
            </main>
        </div>
    }
}
