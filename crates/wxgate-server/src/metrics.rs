//! Counters exposed at `/metrics` in the Prometheus text format.

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
