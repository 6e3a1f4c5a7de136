//! The frame around every page: who is signed in and which parent account they work
//! on (one request, refetched on every navigation), the navigation their role may
//! use, and the page guard.

use leptos::prelude::*;
use leptos_router::hooks::use_location;
use serde::{Deserialize, Serialize};

use crate::{
    auth::CurrentUser,
    connections::{Connections, SelectConnection},
    error::AppError,
    ui::{data, Data},
};

#[cfg(feature = "ssr")]
pub mod actions;
pub mod error_page;
pub mod guard;
pub mod layout;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use guard::Guarded;
pub use layout::Layout;

/// The signed-in user and the parent-account connections they can pick from: what
/// every page's frame needs, in one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user: CurrentUser,
    pub connections: Connections,
}

/// Who is logged in, or `None`. Public: the login page needs it too.
#[server(endpoint = "auth/me")]
pub async fn get_current_user() -> Result<Option<Me>, AppError> {
    ssr::me().await
}

/// The current user and their connections, refetched on every navigation (so a role
/// change or an ended session shows up at the next click) and after picking another
/// connection. Created once, outside any Suspense, so server and browser agree on it.
#[derive(Clone, Copy)]
pub struct AuthContext {
    pub user: Data<Option<Me>>,
    pub select_connection: ServerAction<SelectConnection>,
}

pub fn provide_auth() {
    let location = use_location();
    let select_connection = ServerAction::<SelectConnection>::new();
    let user = data(
        move || (location.pathname.get(), select_connection.version().get()),
        |_| get_current_user(),
    );
    provide_context(AuthContext { user, select_connection });
}

pub fn use_auth() -> AuthContext {
    expect_context::<AuthContext>()
}

impl AuthContext {
    /// The signed-in user's role may do `permission` (false while loading).
    pub fn may(&self, permission: crate::access::Permission) -> bool {
        self.user.get().and_then(Result::ok).flatten().is_some_and(|me| me.user.role.can(permission))
    }
}
