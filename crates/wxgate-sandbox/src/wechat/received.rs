//! Every request received on WeChat's paths since the sandbox started, counted by route whatever
//! its answer: what `GET /sandbox/calls` reports.
//!
//! An app's or a component's `calls` count only the calls whose token or AppID the sandbox
//! knows; these count everything a client sent (unknown APIs under their route,
//! `cgi-bin/{*rest}`), so a test can show that a client made no call at all. The routes are a
//! fixed set, so the map stays small. It is not part of the saved state.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::Sandbox;

/// Requests received, by route without its leading `/` (`cgi-bin/token`).
#[derive(Debug, Default)]
pub(crate) struct Received(Mutex<BTreeMap<String, u64>>);

impl Received {
    fn note(&self, route: &str) {
        let mut counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match counts.get_mut(route) {
            Some(count) => *count += 1,
            None => {
                counts.insert(route.to_owned(), 1);
            }
        }
    }

    /// The counts now.
    pub(crate) fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Counts the request under its route, before anything can refuse it.
pub(crate) async fn count(State(sb): State<Sandbox>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| request.uri().path(), MatchedPath::as_str);
    sb.received().note(route.trim_start_matches('/'));
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_per_route() {
        let received = Received::default();
        received.note("cgi-bin/token");
        received.note("cgi-bin/token");
        received.note("cgi-bin/{*rest}");
        let counts = received.snapshot();
        assert_eq!(counts.get("cgi-bin/token"), Some(&2));
        assert_eq!(counts.get("cgi-bin/{*rest}"), Some(&1));
        assert_eq!(counts.len(), 2);
    }
}
