//! Serving a gateway on a listener until the process is interrupted.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::{Request, State};
use axum::http::Method;
use axum::response::Response;
use axum::{Router, ServiceExt as _};
use futures::future::Either;
use tower::Service;

use super::{Gateway, Shared};

/// Serves the gateway on `listener` until the process is interrupted.
///
/// Pushes (`POST` on [`crate::CALLBACK_PATH`]) go straight to their handler; every other
/// request goes through [`Gateway::router`], which routes pushes to the same handler. The
/// answers are the same either way: the shortcut skips only the router's work for the one
/// route every push takes.
///
/// # Errors
///
/// The listener's I/O error.
pub async fn serve(gateway: &Gateway, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let workers = gateway.spawn_workers();
    let dispatch = Dispatch {
        shared: Arc::clone(&gateway.shared),
        router: gateway.router(),
    };
    let served = axum::serve(listener, dispatch.into_make_service())
        .with_graceful_shutdown(shutdown_signal())
        .await;
    workers.abort();
    served
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

/// The gateway's router, with pushes taken to their handler before it.
///
/// Routing a push through the router cost about 4,000 instructions of the 35,000 a plaintext
/// push took (`bench/callgrind.sh`: 35,051 with it, 31,011 without): the route table's lookup,
/// the path parameter and the matched path it stores in the request's extensions (a map
/// allocated per request, dropped after), the route's boxed service and future, and its
/// content-length pass. The handler reads the account from the path itself, so none of that is
/// needed to answer.
#[derive(Clone)]
struct Dispatch {
    shared: Arc<Shared>,
    router: Router,
}

type PushFuture = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl Service<Request> for Dispatch {
    type Response = Response;
    type Error = Infallible;
    type Future = Either<PushFuture, <Router as Service<Request>>::Future>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Both the handler and the router are always ready.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if is_push(request.method(), request.uri().path()) {
            let shared = Arc::clone(&self.shared);
            Either::Left(Box::pin(async move {
                Ok(crate::callback::push(State(shared), request).await)
            }))
        } else {
            Either::Right(self.router.call(request))
        }
    }
}

/// [`crate::CALLBACK_PATH`] up to its one parameter, the account.
const PUSH_PREFIX: &str = "/wechat/";

/// Whether the router would take this request to [`crate::callback::push`]: a `POST` on
/// [`crate::CALLBACK_PATH`], the account being one non-empty path segment.
fn is_push(method: &Method, path: &str) -> bool {
    method == Method::POST
        && path
            .strip_prefix(PUSH_PREFIX)
            .is_some_and(|account| !account.is_empty() && !account.contains('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefix_is_the_callback_route_s() {
        assert_eq!(crate::CALLBACK_PATH, format!("{PUSH_PREFIX}{{account}}"));
    }

    #[test]
    fn pushes_are_posts_on_one_account_segment() {
        assert!(is_push(&Method::POST, "/wechat/main"));
        assert!(is_push(&Method::POST, "/wechat/a%2Fb"));
        assert!(!is_push(&Method::GET, "/wechat/main"), "verification");
        assert!(!is_push(&Method::PUT, "/wechat/main"));
        assert!(!is_push(&Method::POST, "/wechat/"));
        assert!(!is_push(&Method::POST, "/wechat"));
        assert!(!is_push(&Method::POST, "/wechat/main/"));
        assert!(!is_push(&Method::POST, "/wechat/main/more"));
        assert!(!is_push(&Method::POST, "/wechatx/main"));
        assert!(!is_push(&Method::POST, "/v1/wechat/main"));
    }
}
