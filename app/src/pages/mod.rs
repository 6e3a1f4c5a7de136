//! One module per page of the primary navigation.

pub mod admin;
pub mod billing;
pub mod coming_soon;
pub mod not_found;
