//! Serving a gateway on a listener until the process is interrupted.

use super::Gateway;

/// Serves the gateway on `listener` until the process is interrupted.
///
/// # Errors
///
/// The listener's I/O error.
pub async fn serve(gateway: &Gateway, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let workers = gateway.spawn_workers();
    let served = axum::serve(listener, gateway.router())
        .with_graceful_shutdown(shutdown_signal())
        .await;
    workers.abort();
    served
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
