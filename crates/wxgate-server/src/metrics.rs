//! Counters exposed at `/metrics` in the Prometheus text format, and the spans that trace each
//! request.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// How a callback ended, for counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    Reply,
    Success,
    Deferred,
    Duplicate,
    Rejected400,
    Rejected401,
    Verified,
}

const ENDINGS: [(Ending, &str); 7] = [
    (Ending::Reply, "reply"),
    (Ending::Success, "success"),
    (Ending::Deferred, "deferred"),
    (Ending::Duplicate, "duplicate"),
    (Ending::Rejected400, "rejected_400"),
    (Ending::Rejected401, "rejected_401"),
    (Ending::Verified, "verified"),
];

/// One account's counters.
#[derive(Debug, Default)]
pub(crate) struct AccountMetrics {
    endings: [AtomicU64; 7],
    handler_micros: AtomicU64,
    handler_calls: AtomicU64,
}

impl AccountMetrics {
    pub(crate) fn count(&self, ending: Ending) {
        if let Some(i) = ENDINGS.iter().position(|(e, _)| *e == ending) {
            self.endings[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn handler_time(&self, micros: u64) {
        self.handler_micros.fetch_add(micros, Ordering::Relaxed);
        self.handler_calls.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn render(&self, account: &str, out: &mut String) {
        for (i, (_, name)) in ENDINGS.iter().enumerate() {
            let _ = writeln!(
                out,
                "wxgate_callbacks_total{{account=\"{account}\",outcome=\"{name}\"}} {}",
                self.endings[i].load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "wxgate_handler_seconds_sum{{account=\"{account}\"}} {}",
            self.handler_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(
            out,
            "wxgate_handler_seconds_count{{account=\"{account}\"}} {}",
            self.handler_calls.load(Ordering::Relaxed)
        );
    }
}

pub(crate) const HEADER: &str = "# HELP wxgate_callbacks_total WeChat callback requests by outcome.\n# TYPE wxgate_callbacks_total counter\n# HELP wxgate_handler_seconds Time spent in message handlers.\n# TYPE wxgate_handler_seconds summary\n";

/// How a stale report (`POST …/access-token/refresh`) ended, for counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StaleReportEnd {
    /// The token was replaced (refreshed now, or already newer).
    Replaced,
    /// Refused: the token was young and WeChat still accepted it.
    Refused,
    /// Answered 429: the account's refresh limit was reached.
    RateLimited,
}

const STALE_ENDS: [(StaleReportEnd, &str); 3] = [
    (StaleReportEnd::Replaced, "replaced"),
    (StaleReportEnd::Refused, "refused"),
    (StaleReportEnd::RateLimited, "rate_limited"),
];

/// One account's token API counters.
#[derive(Debug, Default)]
pub(crate) struct TokenMetrics {
    stale_reports: [AtomicU64; 3],
    waits_capped: AtomicU64,
}

impl TokenMetrics {
    pub(crate) fn stale_report(&self, end: StaleReportEnd) {
        if let Some(i) = STALE_ENDS.iter().position(|(e, _)| *e == end) {
            self.stale_reports[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A caller got 503 after waiting `server.token_wait_ms`.
    pub(crate) fn wait_capped(&self) {
        self.waits_capped.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn render(&self, account: &str, out: &mut String) {
        for (i, (_, name)) in STALE_ENDS.iter().enumerate() {
            let _ = writeln!(
                out,
                "wxgate_stale_reports_total{{account=\"{account}\",outcome=\"{name}\"}} {}",
                self.stale_reports[i].load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "wxgate_token_waits_capped_total{{account=\"{account}\"}} {}",
            self.waits_capped.load(Ordering::Relaxed)
        );
    }
}

pub(crate) const TOKEN_HEADER: &str = "# HELP wxgate_stale_reports_total Stale token reports by outcome (refused: the token was young and WeChat accepted it).\n# TYPE wxgate_stale_reports_total counter\n# HELP wxgate_token_waits_capped_total Token API callers answered 503 after server.token_wait_ms.\n# TYPE wxgate_token_waits_capped_total counter\n";
/// Gateway-wide counters of the callback path's fault handling.
#[derive(Debug, Default)]
pub(crate) struct GatewayMetrics {
    /// Pushes de-duplicated with this process's table alone because the shared store failed or
    /// did not answer within the store-call budget.
    pub(crate) dedup_fallback: AtomicU64,
    /// Replay checks done with this process's table alone, for the same reasons.
    pub(crate) replay_fallback: AtomicU64,
    /// Pushes refused because their signature was already used with another body.
    pub(crate) replay_refused: AtomicU64,
    /// Deferred replies the queue could not take yet, held in memory and retried (a gauge).
    pub(crate) deferred_held: AtomicU64,
    /// Deferred replies that were held in memory and then queued.
    pub(crate) deferred_requeued: AtomicU64,
}

impl GatewayMetrics {
    /// Renders the counters, with the de-dup table's current size in bytes.
    pub(crate) fn render(&self, dedup_bytes: usize, out: &mut String) {
        let counters = [
            (
                "wxgate_dedup_fallback_total",
                "counter",
                "Pushes de-duplicated by this process alone because the shared store failed or was too slow.",
                self.dedup_fallback.load(Ordering::Relaxed),
            ),
            (
                "wxgate_replay_fallback_total",
                "counter",
                "Replay checks done by this process alone because the shared store failed or was too slow.",
                self.replay_fallback.load(Ordering::Relaxed),
            ),
            (
                "wxgate_replay_refused_total",
                "counter",
                "Pushes refused because their signature was already used with another body.",
                self.replay_refused.load(Ordering::Relaxed),
            ),
            (
                "wxgate_deferred_held",
                "gauge",
                "Deferred replies held in memory until the queue takes them.",
                self.deferred_held.load(Ordering::Relaxed),
            ),
            (
                "wxgate_deferred_requeued_total",
                "counter",
                "Deferred replies held in memory and then queued.",
                self.deferred_requeued.load(Ordering::Relaxed),
            ),
            (
                "wxgate_dedup_bytes",
                "gauge",
                "Bytes held by the de-duplication table.",
                u64::try_from(dedup_bytes).unwrap_or(u64::MAX),
            ),
        ];
        for (name, kind, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
    }
}

/// The span of one HTTP request: its method and path, nothing else. The query string is left
/// out on purpose (on the callback route it carries WeChat's signature, timestamp and nonce),
/// and so are the headers (the token API's `Authorization: Bearer` key).
pub(crate) fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
    )
}

/// tower-http's tracing layer with [`request_span`] as its span maker.
pub(crate) type TraceLayer = tower_http::trace::TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
    fn(&axum::http::Request<axum::body::Body>) -> tracing::Span,
>;

/// The request tracing layer: a span per request ([`request_span`]), its response status and
/// latency logged at `DEBUG`, and server errors at `ERROR`.
pub(crate) fn trace_layer() -> TraceLayer {
    tower_http::trace::TraceLayer::new_for_http().make_span_with(request_span as fn(&_) -> _)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A `MakeWriter` into a shared buffer, to read what was logged.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn request_spans_leave_out_query_strings_and_headers() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let request = axum::http::Request::post(
            "/wechat/demo?signature=SIGNATURE_SECRET&timestamp=1&nonce=NONCE_SECRET",
        )
        .header("authorization", "Bearer KEY_SECRET")
        .body(())
        .unwrap();
        tracing::subscriber::with_default(subscriber, || {
            let span = request_span(&request);
            let _entered = span.enter();
            tracing::info!("inside");
        });
        let logged = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(
            logged.contains("method=POST") && logged.contains("path=/wechat/demo"),
            "{logged}"
        );
        for secret in [
            "SIGNATURE_SECRET",
            "NONCE_SECRET",
            "KEY_SECRET",
            "signature=",
        ] {
            assert!(!logged.contains(secret), "{secret} in {logged}");
        }
    }
}
