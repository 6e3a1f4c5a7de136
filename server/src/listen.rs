//! The accept loop, with the timeout `axum::serve` does not set: a client gets
//! [`Timeouts::header_read`] to send a request's head, from connecting or from the end
//! of its previous response, so a slow or silent client cannot hold a connection. How
//! long a request may take once read is `http::REQUEST_TIMEOUT`, a layer of the router.

use std::{future::Future, net::SocketAddr, pin::pin, time::Duration};

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::net::TcpListener;
use tower::{Service, ServiceExt};

#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// Time to send a request's head (request line and headers).
    pub header_read: Duration,
    /// How long the requests in flight may take to finish once shutdown starts.
    pub drain: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { header_read: Duration::from_secs(10), drain: Duration::from_secs(8) }
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting, lets
/// the requests in flight finish (up to `timeouts.drain`) and returns.
pub async fn serve(listener: TcpListener, app: Router, timeouts: Timeouts, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
    let mut make_service = app.into_make_service_with_connect_info::<SocketAddr>();
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait, never spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let Ok(service) = make_service.call(peer).await;
        let service = TowerToHyperService::new(service.map_request(|request: hyper::Request<hyper::body::Incoming>| request.map(axum::body::Body::new)));
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(timeouts.header_read)
            .keep_alive(true)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(timeouts.drain, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still running after {:?}; stopping anyway", timeouts.drain);
    }
    Ok(())
}
