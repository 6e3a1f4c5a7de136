//! Server side of identity: sessions, the capability guard every server function
//! passes through, and login, logout and first-run setup.
//!
//! A server function gets at the database or Voximplant only through a feature
//! service, and the only way to get one is [`service`] (or [`require`]), which checks
//! the session (idle and absolute timeouts, the user still active, the same role and
//! epoch as at login) and the role's permission. Login and first-run setup use
//! [`public`], which says so in its name. Startup code and the CLI use
//! `Backend::unguarded_pool`, a name that stands out in review.

mod guard;
mod login;
pub mod mfa;
mod session;
pub mod signed_in;

pub use guard::{cap, public, require, require_session, service, Authorized, Capability, Public, Service, ACCESS_DENIED};
pub use login::{create_user, login, logout, second_step, setup_first_admin, setup_needed, NewUser, OnlyIfNoUsers};
pub use session::{authenticate, authenticate_session, RequestUser, SessionUser};
pub(crate) use session::start_session;
