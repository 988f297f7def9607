//! The baseline: axum answering "success" to any request, doing nothing else.
//!
//! Usage: `bare-server 127.0.0.1:18081 [--read-body]`. With `--read-body` it also reads the
//! request body before answering: the least any webhook must do, shown beside the target's
//! hello-world baseline so a reader can see where the gateway's time goes.

use axum::Router;
use axum::body::Bytes;
use axum::routing::any;

/// The same allocator as `wxgate`, so the comparison is of the work done, not of allocators.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:18081".to_owned());
    let app = if args.next().as_deref() == Some("--read-body") {
        Router::new().route(
            "/{*path}",
            any(|body: Bytes| async move {
                std::hint::black_box(body);
                "success"
            }),
        )
    } else {
        Router::new().route("/{*path}", any(|| async { "success" }))
    };
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("bare server listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await
}
