//! The gateway's metrics, kept and exposed at `/metrics` in the Prometheus text format through the
//! `prometheus` client crate, and the spans that trace each request.
//!
//! Each account's metrics carry an `account` label fixed when the account is built. A scrape
//! registers them, and the gateway-wide counters, in a fresh registry and encodes it: nothing is
//! shared between gateways in one process (tests build many).

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::http::header;
use axum::response::IntoResponse;
use prometheus::core::Collector;
use prometheus::{
    Encoder as _, Histogram, HistogramOpts, HistogramTimer, IntCounter, IntCounterVec, IntGauge,
    Opts, Registry, TextEncoder,
};

use crate::app::Shared;

/// Bounds of the latency histograms, in seconds: from 1 ms to WeChat's 5-second budget for a
/// passive reply, with the gateway's default callback deadline (4.5 s) as a bound of its own,
/// so that the share of pushes answered in time can be read off the buckets.
pub(crate) const LATENCY_BUCKETS: [f64; 15] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 4.5, 5.0,
];

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

/// Counter options with the account's label.
fn opts(name: &str, help: &str, account: &str) -> Opts {
    Opts::new(name, help).const_label("account", account)
}

/// A latency histogram with the account's label and [`LATENCY_BUCKETS`].
fn latency(name: &str, help: &str, account: &str) -> Histogram {
    let opts = HistogramOpts::from(opts(name, help, account)).buckets(LATENCY_BUCKETS.to_vec());
    Histogram::with_opts(opts).expect("valid histogram options")
}

/// One account's callback metrics.
#[derive(Debug)]
pub(crate) struct AccountMetrics {
    callbacks: IntCounterVec,
    /// The counter of each [`ENDINGS`] outcome, in that order, looked up once: counting a push
    /// is then one atomic add, not a hash of the label and a lock of the vector's map.
    by_ending: [IntCounter; ENDINGS.len()],
    handler: Histogram,
    callback: Histogram,
}

impl AccountMetrics {
    pub(crate) fn new(account: &str) -> Self {
        let callbacks = IntCounterVec::new(
            opts(
                "wxgate_callbacks_total",
                "WeChat callback requests by outcome.",
                account,
            ),
            &["outcome"],
        )
        .expect("valid counter options");
        // Every outcome is exposed from the start, at 0, so rates work from the first scrape.
        let by_ending = ENDINGS.map(|(_, name)| callbacks.with_label_values(&[name]));
        Self {
            callbacks,
            by_ending,
            handler: latency(
                "wxgate_handler_seconds",
                "Time spent in message handlers.",
                account,
            ),
            callback: latency(
                "wxgate_callback_duration_seconds",
                "Time from a push's arrival to its answer (WeChat waits 5 s).",
                account,
            ),
        }
    }

    pub(crate) fn count(&self, ending: Ending) {
        if let Some(index) = ENDINGS.iter().position(|(e, _)| *e == ending) {
            self.by_ending[index].inc();
        }
    }

    pub(crate) fn handler_time(&self, micros: u64) {
        self.handler
            .observe(Duration::from_micros(micros).as_secs_f64());
    }

    /// Starts timing a push; the time is recorded when the returned timer is dropped, so every
    /// way out of the handler is counted.
    pub(crate) fn callback_timer(&self) -> HistogramTimer {
        self.callback.start_timer()
    }

    fn collectors(&self) -> [Box<dyn Collector>; 3] {
        [
            Box::new(self.callbacks.clone()),
            Box::new(self.handler.clone()),
            Box::new(self.callback.clone()),
        ]
    }
}

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

/// One account's token API metrics.
#[derive(Debug)]
pub(crate) struct TokenMetrics {
    stale_reports: IntCounterVec,
    waits_capped: IntCounter,
}

impl TokenMetrics {
    pub(crate) fn new(account: &str) -> Self {
        let stale_reports = IntCounterVec::new(
            opts(
                "wxgate_stale_reports_total",
                "Stale token reports by outcome (refused: the token was young and WeChat accepted it).",
                account,
            ),
            &["outcome"],
        )
        .expect("valid counter options");
        for (_, name) in STALE_ENDS {
            stale_reports.with_label_values(&[name]);
        }
        let waits_capped = IntCounter::with_opts(opts(
            "wxgate_token_waits_capped_total",
            "Token API callers answered 503 after server.token_wait_ms.",
            account,
        ))
        .expect("valid counter options");
        Self {
            stale_reports,
            waits_capped,
        }
    }

    pub(crate) fn stale_report(&self, end: StaleReportEnd) {
        if let Some((_, name)) = STALE_ENDS.iter().find(|(e, _)| *e == end) {
            self.stale_reports.with_label_values(&[name]).inc();
        }
    }

    /// A caller got 503 after waiting `server.token_wait_ms`.
    pub(crate) fn wait_capped(&self) {
        self.waits_capped.inc();
    }

    fn collectors(&self) -> [Box<dyn Collector>; 2] {
        [
            Box::new(self.stale_reports.clone()),
            Box::new(self.waits_capped.clone()),
        ]
    }
}

/// How a webhook delivery ended, for counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WebhookResult {
    /// A sync webhook answered a reply, which became the passive reply.
    SyncReply,
    /// A sync webhook answered without a reply (the configured reply, if any, was used).
    SyncNoReply,
    /// A sync webhook failed (error, timeout, non-2xx, bad answer); the configured reply was used.
    SyncFailed,
    /// An async delivery was answered 2xx.
    Delivered,
    /// An async delivery failed and will be retried.
    Retried,
    /// An async delivery failed for the last time and became a dead letter.
    Dead,
}

const WEBHOOK_RESULTS: [(WebhookResult, &str); 6] = [
    (WebhookResult::SyncReply, "sync_reply"),
    (WebhookResult::SyncNoReply, "sync_no_reply"),
    (WebhookResult::SyncFailed, "sync_failed"),
    (WebhookResult::Delivered, "delivered"),
    (WebhookResult::Retried, "retried"),
    (WebhookResult::Dead, "dead"),
];

/// One account's webhook metrics.
#[derive(Debug)]
pub(crate) struct WebhookMetrics {
    deliveries: IntCounterVec,
    /// Jobs waiting or being delivered in the account's webhook queue, as last read.
    queue_length: IntGauge,
}

impl WebhookMetrics {
    pub(crate) fn new(account: &str) -> Self {
        let deliveries = IntCounterVec::new(
            opts(
                "wxgate_webhook_deliveries_total",
                "Webhook deliveries by result (sync_reply, sync_no_reply, sync_failed, delivered, retried, dead).",
                account,
            ),
            &["result"],
        )
        .expect("valid counter options");
        for (_, name) in WEBHOOK_RESULTS {
            deliveries.with_label_values(&[name]);
        }
        let queue_length = IntGauge::with_opts(opts(
            "wxgate_webhook_queue_length",
            "Async webhook deliveries waiting or in flight in the account's queue.",
            account,
        ))
        .expect("valid gauge options");
        Self {
            deliveries,
            queue_length,
        }
    }

    pub(crate) fn count(&self, result: WebhookResult) {
        if let Some((_, name)) = WEBHOOK_RESULTS.iter().find(|(r, _)| *r == result) {
            self.deliveries.with_label_values(&[name]).inc();
        }
    }

    pub(crate) fn set_queue_length(&self, length: u64) {
        self.queue_length
            .set(i64::try_from(length).unwrap_or(i64::MAX));
    }

    fn collectors(&self) -> [Box<dyn Collector>; 2] {
        [
            Box::new(self.deliveries.clone()),
            Box::new(self.queue_length.clone()),
        ]
    }
}

/// At most this many distinct WeChat API paths get a label of their own in
/// `wxgate_wechat_calls_total`; callers choose the paths, so later ones count as `other`.
pub(crate) const MAX_PATH_LABELS: usize = 256;

/// `wxgate_wechat_calls_total{account,path,errcode}`: the gateway's calls to WeChat (the proxy's,
/// and its own: tokens, tickets, deferred replies), each attempt counted (a call retried after a
/// rejected token counts twice).
#[derive(Debug)]
pub(crate) struct WechatCalls {
    calls: IntCounterVec,
    /// The paths that have a label of their own.
    paths: Mutex<HashSet<String>>,
}

impl Default for WechatCalls {
    fn default() -> Self {
        let calls = IntCounterVec::new(
            Opts::new(
                "wxgate_wechat_calls_total",
                "WeChat API calls made by the gateway (the proxy's and its own), by account, path and errcode (0: success or a binary answer; transport: no answer).",
            ),
            &["account", "path", "errcode"],
        )
        .expect("valid counter options");
        Self {
            calls,
            paths: Mutex::new(HashSet::new()),
        }
    }
}

impl WechatCalls {
    /// Counts one call; `errcode` is WeChat's code (`0` for a success or a binary answer), or
    /// `None` when WeChat could not be reached.
    pub(crate) fn count(&self, account: &str, path: &str, errcode: Option<i64>) {
        let path = {
            let mut paths = self.paths.lock().unwrap_or_else(PoisonError::into_inner);
            if paths.contains(path) {
                path
            } else if paths.len() < MAX_PATH_LABELS {
                paths.insert(path.to_owned());
                path
            } else {
                "other"
            }
        };
        let code;
        let errcode = match errcode {
            Some(errcode) => {
                code = errcode.to_string();
                code.as_str()
            }
            None => "transport",
        };
        self.calls
            .with_label_values(&[account, path, errcode])
            .inc();
    }

    fn collector(&self) -> Box<dyn Collector> {
        Box::new(self.calls.clone())
    }
}

/// Gateway-wide counters of the callback path's fault handling. They stay atomics (the
/// de-duplication table and the replay guard bump them without knowing about Prometheus); a
/// scrape copies them into Prometheus metrics.
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
    /// Async webhook deliveries the queue could not take yet, held in memory (a gauge).
    pub(crate) webhook_held: AtomicU64,
    /// Async webhook deliveries that were held in memory and then queued.
    pub(crate) webhook_requeued: AtomicU64,
    /// The gateway's calls to WeChat (the proxy's and its own).
    pub(crate) wechat_calls: WechatCalls,
}

impl GatewayMetrics {
    /// The counters as Prometheus metrics, with the de-dup table's current size in bytes.
    fn collectors(&self, dedup_bytes: usize) -> Vec<Box<dyn Collector>> {
        let counter = |name: &str, help: &str, value: &AtomicU64| -> Box<dyn Collector> {
            let counter = IntCounter::new(name, help).expect("valid counter options");
            counter.inc_by(value.load(Ordering::Relaxed));
            Box::new(counter)
        };
        let gauge = |name: &str, help: &str, value: u64| -> Box<dyn Collector> {
            let gauge = IntGauge::new(name, help).expect("valid gauge options");
            gauge.set(i64::try_from(value).unwrap_or(i64::MAX));
            Box::new(gauge)
        };
        vec![
            counter(
                "wxgate_dedup_fallback_total",
                "Pushes de-duplicated by this process alone because the shared store failed or was too slow.",
                &self.dedup_fallback,
            ),
            counter(
                "wxgate_replay_fallback_total",
                "Replay checks done by this process alone because the shared store failed or was too slow.",
                &self.replay_fallback,
            ),
            counter(
                "wxgate_replay_refused_total",
                "Pushes refused because their signature was already used with another body.",
                &self.replay_refused,
            ),
            gauge(
                "wxgate_deferred_held",
                "Deferred replies held in memory until the queue takes them.",
                self.deferred_held.load(Ordering::Relaxed),
            ),
            counter(
                "wxgate_deferred_requeued_total",
                "Deferred replies held in memory and then queued.",
                &self.deferred_requeued,
            ),
            gauge(
                "wxgate_webhook_held",
                "Async webhook deliveries held in memory until the queue takes them.",
                self.webhook_held.load(Ordering::Relaxed),
            ),
            counter(
                "wxgate_webhook_requeued_total",
                "Async webhook deliveries held in memory and then queued.",
                &self.webhook_requeued,
            ),
            gauge(
                "wxgate_dedup_bytes",
                "Bytes held by the de-duplication table.",
                u64::try_from(dedup_bytes).unwrap_or(u64::MAX),
            ),
            self.wechat_calls.collector(),
        ]
    }
}

/// The `/metrics` response: every account's metrics and the gateway's, in the Prometheus text
/// format (`text/plain; version=0.0.4`).
pub(crate) fn exposition(shared: &Shared) -> axum::response::Response {
    let accounts = shared.accounts.values();
    let collectors = accounts
        .flat_map(|account| {
            let mut all: Vec<Box<dyn Collector>> = account.metrics.collectors().into();
            all.extend(account.token_metrics.collectors());
            all.extend(account.webhooks.metrics.collectors());
            all
        })
        .chain(shared.metrics.collectors(shared.dedup.bytes()));
    (
        [(header::CONTENT_TYPE, TextEncoder::new().format_type())],
        encode(collectors),
    )
        .into_response()
}

/// Registers `collectors` in a fresh registry and encodes it in the text format.
fn encode(collectors: impl IntoIterator<Item = Box<dyn Collector>>) -> Vec<u8> {
    let registry = Registry::new();
    for collector in collectors {
        // Names and labels are fixed in this file and account ids are unique, so registering
        // cannot clash; were it to, the metric would be missing rather than the scrape failing.
        if let Err(error) = registry.register(collector) {
            tracing::warn!(%error, "metric left out of /metrics");
        }
    }
    let mut out = Vec::new();
    if let Err(error) = TextEncoder::new().encode(&registry.gather(), &mut out) {
        tracing::warn!(%error, "cannot encode /metrics");
    }
    out
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
    tower_http::trace::DefaultOnRequest,
    tower_http::trace::DefaultOnResponse,
    tower_http::trace::DefaultOnBodyChunk,
    tower_http::trace::DefaultOnEos,
    tower_http::trace::DefaultOnFailure,
>;

/// The request tracing layer: a span per request ([`request_span`]), its response status and
/// latency logged at `DEBUG`, and 5xx answers at `WARN`. Not `ERROR`: the gateway's 5xx are
/// deliberate answers to outages it already logs with their cause (503 with `Retry-After` while
/// the store or WeChat is down, `/healthz` saying why), and an alert on every one of them would
/// page for each poll of a load balancer during one Redis restart.
pub(crate) fn trace_layer() -> TraceLayer {
    tower_http::trace::TraceLayer::new_for_http()
        .make_span_with(request_span as fn(&_) -> _)
        .on_failure(tower_http::trace::DefaultOnFailure::new().level(tracing::Level::WARN))
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

    /// Runs `f` with a subscriber that writes into a buffer; returns its result and the text.
    fn logged<T>(f: impl FnOnce() -> T) -> (T, String) {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let out = tracing::subscriber::with_default(subscriber, f);
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        (out, text)
    }

    fn text(collectors: impl IntoIterator<Item = Box<dyn Collector>>) -> String {
        String::from_utf8(encode(collectors)).unwrap()
    }

    #[test]
    fn account_metrics_keep_their_names_and_labels_and_time_every_push() {
        let main = AccountMetrics::new("main");
        let other = AccountMetrics::new("other");
        main.count(Ending::Reply);
        drop(main.callback_timer());
        main.handler_time(2_000_000);
        let out = text(main.collectors().into_iter().chain(other.collectors()));
        for line in [
            "# TYPE wxgate_callbacks_total counter",
            "wxgate_callbacks_total{account=\"main\",outcome=\"reply\"} 1",
            "wxgate_callbacks_total{account=\"main\",outcome=\"rejected_401\"} 0",
            "wxgate_callbacks_total{account=\"other\",outcome=\"reply\"} 0",
            "# TYPE wxgate_callback_duration_seconds histogram",
            "wxgate_callback_duration_seconds_bucket{account=\"main\",le=\"4.5\"} 1",
            "wxgate_callback_duration_seconds_bucket{account=\"main\",le=\"5\"} 1",
            "wxgate_callback_duration_seconds_count{account=\"main\"} 1",
            "wxgate_callback_duration_seconds_count{account=\"other\"} 0",
            "wxgate_handler_seconds_bucket{account=\"main\",le=\"1\"} 0",
            "wxgate_handler_seconds_bucket{account=\"main\",le=\"2\"} 1",
            "wxgate_handler_seconds_sum{account=\"main\"} 2",
            "wxgate_handler_seconds_count{account=\"main\"} 1",
        ] {
            assert!(out.lines().any(|l| l == line), "{line} not in\n{out}");
        }
    }

    #[test]
    fn token_and_gateway_metrics_keep_their_names() {
        let token = TokenMetrics::new("main");
        token.stale_report(StaleReportEnd::Refused);
        token.wait_capped();
        let gateway = GatewayMetrics::default();
        gateway.dedup_fallback.fetch_add(3, Ordering::Relaxed);
        gateway.deferred_held.fetch_add(1, Ordering::Relaxed);
        let out = text(token.collectors().into_iter().chain(gateway.collectors(42)));
        for line in [
            "wxgate_stale_reports_total{account=\"main\",outcome=\"refused\"} 1",
            "wxgate_stale_reports_total{account=\"main\",outcome=\"rate_limited\"} 0",
            "wxgate_token_waits_capped_total{account=\"main\"} 1",
            "# TYPE wxgate_dedup_fallback_total counter",
            "wxgate_dedup_fallback_total 3",
            "wxgate_replay_refused_total 0",
            "# TYPE wxgate_deferred_held gauge",
            "wxgate_deferred_held 1",
            "wxgate_deferred_requeued_total 0",
            "wxgate_replay_fallback_total 0",
            "wxgate_dedup_bytes 42",
        ] {
            assert!(out.lines().any(|l| l == line), "{line} not in\n{out}");
        }
    }

    #[test]
    fn wechat_calls_bound_the_path_labels() {
        let calls = WechatCalls::default();
        calls.count("main", "cgi-bin/user/get", Some(0));
        calls.count("main", "cgi-bin/user/get", Some(45009));
        calls.count("main", "cgi-bin/user/get", None);
        for i in 1..MAX_PATH_LABELS + 10 {
            calls.count("main", &format!("cgi-bin/x{i}"), Some(0));
        }
        // Paths already labelled keep their label once the bound is reached.
        calls.count("other-account", "cgi-bin/user/get", Some(0));
        let out = text([calls.collector()]);
        for line in [
            "wxgate_wechat_calls_total{account=\"main\",errcode=\"0\",path=\"cgi-bin/user/get\"} 1",
            "wxgate_wechat_calls_total{account=\"main\",errcode=\"45009\",path=\"cgi-bin/user/get\"} 1",
            "wxgate_wechat_calls_total{account=\"main\",errcode=\"transport\",path=\"cgi-bin/user/get\"} 1",
            "wxgate_wechat_calls_total{account=\"other-account\",errcode=\"0\",path=\"cgi-bin/user/get\"} 1",
            "wxgate_wechat_calls_total{account=\"main\",errcode=\"0\",path=\"cgi-bin/x255\"} 1",
            "wxgate_wechat_calls_total{account=\"main\",errcode=\"0\",path=\"other\"} 10",
        ] {
            assert!(out.lines().any(|l| l == line), "{line} not in\n{out}");
        }
        assert!(!out.contains("cgi-bin/x256"), "{out}");
    }

    #[test]
    fn request_spans_leave_out_query_strings_and_headers() {
        let request = axum::http::Request::post(
            "/wechat/demo?signature=SIGNATURE_SECRET&timestamp=1&nonce=NONCE_SECRET",
        )
        .header("authorization", "Bearer KEY_SECRET")
        .body(())
        .unwrap();
        let ((), logged) = logged(|| {
            let span = request_span(&request);
            let _entered = span.enter();
            tracing::info!("inside");
        });
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

    #[test]
    fn a_deliberate_503_is_logged_as_a_warning_not_an_error() {
        use tower::ServiceExt as _;

        let app = axum::Router::new()
            .route(
                "/healthz",
                axum::routing::get(|| async {
                    (axum::http::StatusCode::SERVICE_UNAVAILABLE, "store: down")
                }),
            )
            .layer(trace_layer());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (status, logged) = logged(|| {
            runtime.block_on(async {
                let request = axum::http::Request::get("/healthz")
                    .body(axum::body::Body::empty())
                    .unwrap();
                app.oneshot(request).await.unwrap().status()
            })
        });
        assert_eq!(status, 503);
        assert!(logged.contains("WARN"), "{logged}");
        assert!(!logged.contains("ERROR"), "{logged}");
    }
}
