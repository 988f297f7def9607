//! The baseline: axum answering any request, doing nothing else.
//!
//! Usage: `bare-server 127.0.0.1:18081 [--read-body] [--reply-bytes N] [--busy-ns N]`.
//! - `--read-body`: also read the request body before answering, the least any webhook must do;
//! - `--reply-bytes N`: answer N bytes of `application/xml` (the size of the gateway's passive
//!   reply, so both write the same response), instead of the 7 bytes of `success`;
//! - `--busy-ns N`: spin N nanoseconds of wall-clock time in each request before answering, a
//!   stand-in for a server's own work per request (`bench/calibrate.sh`).
//!
//! `bench/callback.sh` compares the gateway's CPU time per request with this server's.

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The same allocator as `wxgate`, so the comparison is of the work done, not of allocators.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `--busy-ns`: how long each request spins before it is answered.
static BUSY_NS: AtomicU64 = AtomicU64::new(0);

/// Spins for `--busy-ns`, on the clock rather than a count of iterations, so the work per
/// request is the same on any machine.
fn busy() {
    let ns = BUSY_NS.load(Ordering::Relaxed);
    if ns > 0 {
        let until = Instant::now() + Duration::from_nanos(ns);
        while Instant::now() < until {
            std::hint::spin_loop();
        }
    }
}

fn reply(body: &Bytes) -> Response {
    busy();
    let mut response = body.clone().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml; charset=utf-8"),
    );
    response
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut addr = "127.0.0.1:18081".to_owned();
    let mut read_body = false;
    let mut reply_bytes = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--read-body" => read_body = true,
            "--reply-bytes" => match args.next().and_then(|n| n.parse::<usize>().ok()) {
                Some(n) => reply_bytes = Some(n),
                None => {
                    eprintln!("--reply-bytes needs a number");
                    std::process::exit(2);
                }
            },
            "--busy-ns" => match args.next().and_then(|n| n.parse::<u64>().ok()) {
                Some(n) => BUSY_NS.store(n, Ordering::Relaxed),
                None => {
                    eprintln!("--busy-ns needs a number");
                    std::process::exit(2);
                }
            },
            _ => addr = arg,
        }
    }
    let app = match (read_body, reply_bytes) {
        (false, None) => Router::new().route(
            "/{*path}",
            any(|| async {
                busy();
                "success"
            }),
        ),
        (true, None) => Router::new().route(
            "/{*path}",
            any(|body: Bytes| async move {
                std::hint::black_box(body);
                busy();
                "success"
            }),
        ),
        (false, Some(n)) => {
            let out = Bytes::from(vec![b'x'; n]);
            Router::new().route("/{*path}", any(move || async move { reply(&out) }))
        }
        (true, Some(n)) => {
            let out = Bytes::from(vec![b'x'; n]);
            Router::new().route(
                "/{*path}",
                any(move |body: Bytes| async move {
                    std::hint::black_box(body);
                    reply(&out)
                }),
            )
        }
    };
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("bare server listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await
}
