//! The gateway's metrics, kept and exposed at `/metrics` in the Prometheus text format through the
//! `prometheus` client crate, and the spans that trace each request.
//!
//! Each account's metrics carry an `account` label fixed when the account is built; an
//! authorizer's carry its AppID as `account` and its component's id as `component`, and a
//! component's own metrics `component` alone. A scrape registers them, and the gateway-wide
//! counters, in a fresh registry and encodes it: nothing is shared between gateways in one
//! process (tests build many).

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::http::header;
use axum::response::IntoResponse;
use prometheus::core::Collector;
use prometheus::proto::{MetricFamily, MetricType};
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

/// One account's callback metrics.
#[derive(Debug)]
pub(crate) struct AccountMetrics {
    callbacks: IntCounterVec,
    /// The counter of each [`ENDINGS`] outcome, in that order, looked up once: counting a push
    /// is then one atomic add, not a hash of the label and a lock of the vector's map. `None`
    /// for an authorizer, whose outcomes appear only once they happen.
    by_ending: Option<[IntCounter; ENDINGS.len()]>,
    handler: Histogram,
    callback: Histogram,
    /// Whether the histograms are this account's own (a configured account), or its
    /// component's, shared by all its authorizers and exposed once with the component.
    own_latency: bool,
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
        let by_ending = Some(ENDINGS.map(|(_, name)| callbacks.with_label_values(&[name])));
        let (handler, callback) = latencies(&opts_for(Some(account), None));
        Self {
            callbacks,
            by_ending,
            handler,
            callback,
            own_latency: true,
        }
    }

    /// An authorizer's callback metrics: `wxgate_callbacks_total` with the labels `account`
    /// (its AppID) and `component`, each outcome appearing once it happens (thousands of quiet
    /// authorizers add nothing), and the component's latency histograms.
    pub(crate) fn authorizer(app_id: &str, component: &ComponentMetrics) -> Self {
        let callbacks = IntCounterVec::new(
            opts_for(Some(app_id), Some(component.id.as_str()))(
                "wxgate_callbacks_total",
                "WeChat callback requests by outcome.",
            ),
            &["outcome"],
        )
        .expect("valid counter options");
        Self {
            callbacks,
            by_ending: None,
            handler: component.handler.clone(),
            callback: component.callback.clone(),
            own_latency: false,
        }
    }

    pub(crate) fn count(&self, ending: Ending) {
        let Some(index) = ENDINGS.iter().position(|(e, _)| *e == ending) else {
            return;
        };
        match &self.by_ending {
            Some(counters) => counters[index].inc(),
            None => self.callbacks.with_label_values(&[ENDINGS[index].1]).inc(),
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

    fn collectors(&self) -> Vec<Box<dyn Collector>> {
        let mut all: Vec<Box<dyn Collector>> = vec![Box::new(self.callbacks.clone())];
        if self.own_latency {
            all.push(Box::new(self.handler.clone()));
            all.push(Box::new(self.callback.clone()));
        }
        all
    }
}

/// Options with the labels of an account (`account`), or of an authorizer (`account`, its
/// AppID, and `component`), or of a component alone (`account` `None`).
fn opts_for<'a>(
    account: Option<&'a str>,
    component: Option<&'a str>,
) -> impl Fn(&str, &str) -> Opts + 'a {
    move |name, help| {
        let mut opts = Opts::new(name, help);
        if let Some(account) = account {
            opts = opts.const_label("account", account);
        }
        if let Some(component) = component {
            opts = opts.const_label("component", component);
        }
        opts
    }
}

/// The handler and callback latency histograms with the labels `opts` gives.
fn latencies(opts: &impl Fn(&str, &str) -> Opts) -> (Histogram, Histogram) {
    let histogram = |name: &str, help: &str| {
        let opts = HistogramOpts::from(opts(name, help)).buckets(LATENCY_BUCKETS.to_vec());
        Histogram::with_opts(opts).expect("valid histogram options")
    };
    (
        histogram("wxgate_handler_seconds", "Time spent in message handlers."),
        histogram(
            "wxgate_callback_duration_seconds",
            "Time from a push's arrival to its answer (WeChat waits 5 s).",
        ),
    )
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
        Self::labelled(account, None)
    }

    /// An authorizer's: the labels `account` (its AppID) and `component`; exposed only once
    /// not zero (see [`exposition`]).
    pub(crate) fn authorizer(app_id: &str, component: &str) -> Self {
        Self::labelled(app_id, Some(component))
    }

    fn labelled(account: &str, component: Option<&str>) -> Self {
        let opts = opts_for(Some(account), component);
        let stale_reports = IntCounterVec::new(
            opts(
                "wxgate_stale_reports_total",
                "Stale token reports by outcome (refused: the token was young and WeChat accepted it).",
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
        Self::labelled(opts_for(Some(account), None))
    }

    /// A component's (all its authorizers' deliveries, and its notices'): the label
    /// `component` alone.
    pub(crate) fn component(component: &str) -> Self {
        Self::labelled(opts_for(None, Some(component)))
    }

    fn labelled(opts: impl Fn(&str, &str) -> Opts) -> Self {
        let deliveries = IntCounterVec::new(
            opts(
                "wxgate_webhook_deliveries_total",
                "Webhook deliveries by result (sync_reply, sync_no_reply, sync_failed, delivered, retried, dead).",
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

/// The notices of a component counted by type (the verify ticket has a counter of its own).
const NOTICE_TYPES: [&str; 3] = ["authorized", "updateauthorized", "unauthorized"];

/// How a component's WeChat calls ended, for counting.
const FETCH_RESULTS: [&str; 3] = ["ok", "refused", "transport"];

/// How an authorizer's refresh (`api_authorizer_token`) ended: `reauthorization_required` is a
/// refused refresh token (61023, 61003), after which the authorizer's calls fail until the
/// account authorizes again.
const REFRESH_RESULTS: [&str; 4] = ["ok", "refused", "reauthorization_required", "transport"];

/// WeChat's codes for a refresh token it will not take again.
const REFUSED_REFRESH_TOKEN: [i64; 2] = [61023, 61003];

/// One component's metrics, with the label `component`: its verify tickets, notices, component
/// token fetches and authorizer refreshes, and the latency of all its authorizers' pushes (one
/// histogram per component rather than per authorizer, so that thousands of authorizers do
/// not add thousands of histograms).
#[derive(Debug)]
pub(crate) struct ComponentMetrics {
    pub(crate) id: String,
    handler: Histogram,
    callback: Histogram,
    verify_tickets: IntCounter,
    notices: IntCounterVec,
    token_fetches: IntCounterVec,
    authorizer_refreshes: IntCounterVec,
}

impl ComponentMetrics {
    pub(crate) fn new(component: &str) -> Self {
        let opts = opts_for(None, Some(component));
        let (handler, callback) = latencies(&opts);
        let vec = |name: &str, help: &str, label: &str, values: &[&str]| {
            let vec =
                IntCounterVec::new(opts(name, help), &[label]).expect("valid counter options");
            for value in values {
                vec.with_label_values(&[value]);
            }
            vec
        };
        Self {
            id: component.to_owned(),
            handler,
            callback,
            verify_tickets: IntCounter::with_opts(opts(
                "wxgate_component_verify_tickets_total",
                "component_verify_ticket pushes kept.",
            ))
            .expect("valid counter options"),
            notices: vec(
                "wxgate_component_notices_total",
                "Authorization notices received, by type.",
                "type",
                &NOTICE_TYPES,
            ),
            token_fetches: vec(
                "wxgate_component_token_fetches_total",
                "component_access_token fetches (api_component_token), by result.",
                "result",
                &FETCH_RESULTS,
            ),
            authorizer_refreshes: vec(
                "wxgate_component_authorizer_refreshes_total",
                "Authorizer token refreshes (api_authorizer_token), by result (reauthorization_required: WeChat refused the refresh token).",
                "result",
                &REFRESH_RESULTS,
            ),
        }
    }

    /// A verify ticket was kept.
    pub(crate) fn verify_ticket(&self) {
        self.verify_tickets.inc();
    }

    /// A notice of `kind` (`authorized`, …) was received and verified; other types are not
    /// counted.
    pub(crate) fn notice(&self, kind: &str) {
        if NOTICE_TYPES.contains(&kind) {
            self.notices.with_label_values(&[kind]).inc();
        }
    }

    /// One attempt at a WeChat API `path` made with the component's client: counts the
    /// component token fetches and authorizer refreshes among them. `errcode` as in
    /// [`WechatCalls::count`].
    pub(crate) fn attempt(&self, path: &str, errcode: Option<i64>) {
        let result = match errcode {
            None => "transport",
            Some(0) => "ok",
            Some(code)
                if path == AUTHORIZER_TOKEN_PATH && REFUSED_REFRESH_TOKEN.contains(&code) =>
            {
                "reauthorization_required"
            }
            Some(_) => "refused",
        };
        match path {
            COMPONENT_TOKEN_PATH => self.token_fetches.with_label_values(&[result]).inc(),
            AUTHORIZER_TOKEN_PATH => self.authorizer_refreshes.with_label_values(&[result]).inc(),
            _ => {}
        }
    }

    /// What every authorizer's [`AccountMetrics::authorizer`] shares.
    fn collectors(&self) -> [Box<dyn Collector>; 6] {
        [
            Box::new(self.handler.clone()),
            Box::new(self.callback.clone()),
            Box::new(self.verify_tickets.clone()),
            Box::new(self.notices.clone()),
            Box::new(self.token_fetches.clone()),
            Box::new(self.authorizer_refreshes.clone()),
        ]
    }
}

/// The WeChat path of the component token.
const COMPONENT_TOKEN_PATH: &str = "cgi-bin/component/api_component_token";
/// The WeChat path of an authorizer's token refresh.
const AUTHORIZER_TOKEN_PATH: &str = "cgi-bin/component/api_authorizer_token";

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
            // Most calls: no number to format.
            Some(0) => "0",
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

/// The `/metrics` response: every account's metrics, every component's, its authorizers' (those
/// seen since start, and only their samples that are not zero) and the gateway's, in the
/// Prometheus text format (`text/plain; version=0.0.4`).
pub(crate) fn exposition(shared: &Shared) -> axum::response::Response {
    let accounts = shared.accounts.values().flat_map(|account| {
        let mut all: Vec<Box<dyn Collector>> = account.metrics.collectors();
        all.extend(account.token_metrics.collectors());
        all.extend(account.webhooks.metrics.collectors());
        all
    });
    let components = shared.components.values().flat_map(|component| {
        let mut all: Vec<Box<dyn Collector>> = component.metrics.collectors().into();
        all.extend(component.webhooks.metrics.collectors());
        all
    });
    let collectors = accounts.chain(shared.metrics.collectors(shared.dedup.bytes()));
    let authorizers = shared.components.values().flat_map(|component| {
        let callbacks = component
            .cached_authorizers()
            .into_iter()
            .flat_map(|account| account.metrics.collectors());
        let tokens = component
            .authorizers_token_metrics()
            .into_iter()
            .flat_map(|metrics| metrics.collectors());
        callbacks.chain(tokens).collect::<Vec<_>>()
    });
    // Three registries, merged: one registry refuses a name with two sets of labels, and
    // accounts (`account`), components (`component`) and authorizers (both) share names.
    let mut families = gather(collectors);
    merge(&mut families, gather(components));
    merge(&mut families, nonzero(gather(authorizers)));
    let mut out = Vec::new();
    if let Err(error) = TextEncoder::new().encode(&families, &mut out) {
        tracing::warn!(%error, "cannot encode /metrics");
    }
    (
        [(header::CONTENT_TYPE, TextEncoder::new().format_type())],
        out,
    )
        .into_response()
}

/// Registers `collectors` in a fresh registry and encodes it in the text format.
#[cfg(test)]
fn encode(collectors: impl IntoIterator<Item = Box<dyn Collector>>) -> Vec<u8> {
    let mut out = Vec::new();
    if let Err(error) = TextEncoder::new().encode(&gather(collectors), &mut out) {
        tracing::warn!(%error, "cannot encode /metrics");
    }
    out
}

/// Registers `collectors` in a fresh registry and gathers it.
fn gather(collectors: impl IntoIterator<Item = Box<dyn Collector>>) -> Vec<MetricFamily> {
    let registry = Registry::new();
    for collector in collectors {
        // Names and labels are fixed in this file and account ids are unique, so registering
        // cannot clash; were it to, the metric would be missing rather than the scrape failing.
        if let Err(error) = registry.register(collector) {
            tracing::warn!(%error, "metric left out of /metrics");
        }
    }
    registry.gather()
}

/// `families` without their samples that are zero (counters and gauges at 0, histograms that
/// observed nothing), and without the families left empty.
fn nonzero(mut families: Vec<MetricFamily>) -> Vec<MetricFamily> {
    for family in &mut families {
        let kind = family.get_field_type();
        family.mut_metric().retain(|metric| match kind {
            MetricType::COUNTER => metric.get_counter().get_value() != 0.0,
            MetricType::GAUGE => metric.get_gauge().get_value() != 0.0,
            MetricType::HISTOGRAM => metric.get_histogram().get_sample_count() != 0,
            _ => true,
        });
    }
    families.retain(|family| !family.get_metric().is_empty());
    families
}

/// Adds `more`'s samples to the family of the same name in `families` (an authorizer's metrics
/// have the labels of an account's plus `component`, and a component's `component` alone, which
/// one registry would refuse under one name; the text format takes them), or its family when
/// there is none.
fn merge(families: &mut Vec<MetricFamily>, more: Vec<MetricFamily>) {
    for mut family in more {
        match families.iter_mut().find(|f| f.name() == family.name()) {
            Some(same) => same.mut_metric().extend(family.take_metric()),
            None => families.push(family),
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
    fn component_metrics_count_tickets_notices_fetches_and_refreshes() {
        let component = ComponentMetrics::new("open");
        component.verify_ticket();
        component.notice("authorized");
        component.notice("component_verify_ticket");
        component.attempt(COMPONENT_TOKEN_PATH, Some(0));
        component.attempt(COMPONENT_TOKEN_PATH, Some(61006));
        component.attempt(AUTHORIZER_TOKEN_PATH, Some(0));
        component.attempt(AUTHORIZER_TOKEN_PATH, Some(61023));
        component.attempt(AUTHORIZER_TOKEN_PATH, Some(61003));
        component.attempt(AUTHORIZER_TOKEN_PATH, Some(45009));
        component.attempt(AUTHORIZER_TOKEN_PATH, None);
        component.attempt("cgi-bin/component/api_query_auth", Some(0));
        let out = text(component.collectors());
        for line in [
            "wxgate_component_verify_tickets_total{component=\"open\"} 1",
            "wxgate_component_notices_total{component=\"open\",type=\"authorized\"} 1",
            "wxgate_component_notices_total{component=\"open\",type=\"unauthorized\"} 0",
            "wxgate_component_token_fetches_total{component=\"open\",result=\"ok\"} 1",
            "wxgate_component_token_fetches_total{component=\"open\",result=\"refused\"} 1",
            "wxgate_component_authorizer_refreshes_total{component=\"open\",result=\"ok\"} 1",
            "wxgate_component_authorizer_refreshes_total{component=\"open\",result=\"reauthorization_required\"} 2",
            "wxgate_component_authorizer_refreshes_total{component=\"open\",result=\"refused\"} 1",
            "wxgate_component_authorizer_refreshes_total{component=\"open\",result=\"transport\"} 1",
            "wxgate_callback_duration_seconds_count{component=\"open\"} 0",
        ] {
            assert!(out.lines().any(|l| l == line), "{line} not in\n{out}");
        }
        assert!(!out.contains("component_verify_ticket\""), "{out}");
    }

    #[test]
    fn authorizers_add_only_their_nonzero_samples_to_the_accounts_families() {
        let component = ComponentMetrics::new("open");
        let main = AccountMetrics::new("main");
        let quiet = AccountMetrics::authorizer("wxquiet", &component);
        let busy = AccountMetrics::authorizer("wxbusy", &component);
        busy.count(Ending::Reply);
        drop(busy.callback_timer());
        let token = TokenMetrics::authorizer("wxbusy", "open");
        token.wait_capped();
        let mut families = gather(main.collectors());
        merge(&mut families, gather(component.collectors()));
        let authorizers = quiet
            .collectors()
            .into_iter()
            .chain(busy.collectors())
            .chain(token.collectors());
        merge(&mut families, nonzero(gather(authorizers)));
        let mut out = Vec::new();
        TextEncoder::new().encode(&families, &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        for line in [
            "wxgate_callbacks_total{account=\"main\",outcome=\"reply\"} 0",
            "wxgate_callbacks_total{account=\"wxbusy\",component=\"open\",outcome=\"reply\"} 1",
            "wxgate_callback_duration_seconds_count{component=\"open\"} 1",
            "wxgate_callback_duration_seconds_count{account=\"main\"} 0",
            "wxgate_token_waits_capped_total{account=\"wxbusy\",component=\"open\"} 1",
        ] {
            assert!(out.lines().any(|l| l == line), "{line} not in\n{out}");
        }
        assert!(!out.contains("wxquiet"), "{out}");
        assert!(
            !out.contains("account=\"wxbusy\",component=\"open\",outcome=\"success\""),
            "{out}"
        );
        assert!(
            !out.contains("wxgate_stale_reports_total{account=\"wxbusy\""),
            "{out}"
        );
        assert_eq!(
            out.matches("# TYPE wxgate_callbacks_total").count(),
            1,
            "{out}"
        );
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
