//! The frame around every page: brand, the navigation the user's role may use, the
//! user menu and the main region. Signed out, only a centered card (login, setup).

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::{error_page::ErrorPage, use_auth, Me};
use crate::{
    access::{Permission, Role},
    auth::components::UserMenu,
    connections::page::ConnectionPicker,
};

/// One entry of the primary navigation, shown to roles holding `permission`.
struct NavItem {
    href: &'static str,
    label: &'static str,
    icon: &'static str,
    permission: Permission,
    /// Marked current only on exactly `href` (else also on the pages under it).
    exact: bool,
}

const NAV_ITEMS: &[NavItem] = &[
    NavItem { href: "/", label: "Dashboard", icon: "◧", permission: Permission::SignedIn, exact: true },
    NavItem { href: "/account", label: "Parent account", icon: "◉", permission: Permission::ViewAccount, exact: true },
    NavItem { href: "/children", label: "Child accounts", icon: "☰", permission: Permission::ViewChildren, exact: true },
    NavItem { href: "/billing", label: "Billing", icon: "¤", permission: Permission::ViewBilling, exact: false },
    NavItem { href: "/audit", label: "Audit log", icon: "✎", permission: Permission::ViewAudit, exact: true },
    NavItem { href: "/admin", label: "Admin", icon: "⚙", permission: Permission::ManageUsers, exact: true },
];

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let auth = use_auth();
    // The routes render outside any Suspense (the server needs them synchronously
    // to know every path); only the navigation waits for the user. Without a user
    // the frame has no navigation, and the stylesheet centres the page instead.
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <div class="frame">
            <header class="topbar">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"V"</span>
                    <span class="brand-name">"Voxdesk"</span>
                </a>
                // Transition, not Suspense: the user is refetched on every navigation,
                // and the navigation should not blank out meanwhile.
                <Transition>
                    {crate::ui::once_loaded(move || async move {
                        match auth.user.await.ok().flatten() {
                            Some(me) => Some(signed_in_navigation(me).await),
                            None => None,
                        }
                    })}
                </Transition>
            </header>
            <main id="main" class="content" tabindex="-1">
                <ErrorBoundary fallback=|errors| view! { <ErrorPage errors /> }>{children()}</ErrorBoundary>
            </main>
        </div>
    }
}

/// The navigation as a WASM piece of its own: the login page, where no one is
/// signed in, does not load it (the connection picker and the user menu are a tenth
/// of the first page).
#[lazy]
fn signed_in_navigation(me: Me) -> AnyView {
    view! { <Navigation me /> }.into_any()
}

/// On a signed-in page the entry point loads the navigation's piece before hydrating:
/// hydration cannot wait for it, and a navigation still on its way would hydrate as
/// nothing and then be drawn a second time beside the server's.
#[cfg(feature = "hydrate")]
pub async fn load_navigation_piece() {
    __preload_signed_in_navigation().await
}

#[component]
fn Navigation(me: Me) -> impl IntoView {
    let Me { user, connections } = me;
    let role = user.role;
    let location = use_location();
    view! {
        <nav class="primary-nav" aria-label="Primary">
            <ul>
                {NAV_ITEMS
                    .iter()
                    .filter(|item| role.can(item.permission))
                    .map(|item| {
                        let &NavItem { href, exact, .. } = item;
                        let current = move || location.pathname.with(|path| is_current(path, href, exact)).then_some("page");
                        // Plain links (the router still takes their clicks): `<A>` resolves
                        // and normalises each href again on every render.
                        view! {
                            <li>
                                <a href=href aria-current=current>
                                    <span class="nav-icon" aria-hidden="true">{item.icon}</span>
                                    <span class="nav-label">{item.label}</span>
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
        <ConnectionPicker connections is_admin=role == Role::Admin />
        <UserMenu user />
    }
}

/// Whether the page at `path` is the navigation entry `href`'s: exactly it, or (not
/// `exact`) a page under it.
fn is_current(path: &str, href: &str, exact: bool) -> bool {
    let path = path.strip_suffix('/').filter(|p| !p.is_empty()).unwrap_or(path);
    path == href || (!exact && path.strip_prefix(href).is_some_and(|rest| rest.starts_with('/')))
}

#[cfg(test)]
mod tests {
    use super::is_current;

    #[test]
    fn an_entry_is_current_on_its_page_and_unless_exact_below_it() {
        assert!(is_current("/", "/", true));
        assert!(!is_current("/children", "/", true));
        assert!(is_current("/children", "/children", true));
        assert!(is_current("/children/", "/children", true));
        assert!(!is_current("/children/42", "/children", true));
        assert!(is_current("/billing/plans", "/billing", false));
        assert!(is_current("/billing", "/billing", false));
        assert!(!is_current("/billingx", "/billing", false));
        assert!(!is_current("/audit", "/billing", false));
    }
}
