//! One module per page of the primary navigation.

pub mod admin;
pub mod not_found;
