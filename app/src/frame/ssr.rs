//! The frame's one request: the session's user and their connections.

use super::Me;
use crate::{auth::ssr::authenticate, backend, connections::ssr::ConnectionChooser, error::AppError};

pub async fn me() -> Result<Option<Me>, AppError> {
    let backend = backend::current()?;
    let Some(user) = authenticate(&backend).await? else { return Ok(None) };
    // Someone who owes a two-step setup sees no parent accounts until it is done.
    let connections = if user.must_set_up_two_step {
        Default::default()
    } else {
        ConnectionChooser::for_user(&backend, &user).list().await?
    };
    Ok(Some(Me { user: user.to_current(), connections }))
}
