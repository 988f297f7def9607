//! Time, injectable so tests can move it: the one clock abstraction of the workspace. The API
//! client's credential manager measures expiries by it, the gateway its callbacks' timestamps, and
//! the sandbox offers its virtual clock as one.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A wall clock: what credential expiries and callback timestamps are measured against.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current time.
    fn now(&self) -> SystemTime;

    /// The current time in whole Unix seconds (0 before the epoch).
    fn unix_secs(&self) -> u64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// The system's wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that only moves when told to, for tests.
///
/// ```
/// use std::time::Duration;
/// use wxgate_proto::clock::{Clock, ManualClock};
/// let clock = ManualClock::starting_now();
/// let before = clock.now();
/// clock.advance(Duration::from_secs(7200));
/// assert_eq!(clock.now().duration_since(before).unwrap(), Duration::from_secs(7200));
/// ```
#[derive(Debug)]
pub struct ManualClock {
    unix_ms: AtomicI64,
}

impl ManualClock {
    /// A clock standing at `time`.
    pub fn new(time: SystemTime) -> Self {
        Self {
            unix_ms: AtomicI64::new(unix_ms(time)),
        }
    }

    /// A clock standing at the system's current time.
    pub fn starting_now() -> Self {
        Self::new(SystemTime::now())
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.unix_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// Sets the clock.
    pub fn set(&self, time: SystemTime) {
        self.unix_ms.store(unix_ms(time), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        let ms = self.unix_ms.load(Ordering::SeqCst);
        UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
    }
}

/// Milliseconds since the Unix epoch (negative before it).
pub fn unix_ms(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_secs_follow_now() {
        let clock = ManualClock::new(UNIX_EPOCH + Duration::from_millis(1_700_000_000_999));
        assert_eq!(clock.unix_secs(), 1_700_000_000);
        clock.advance(Duration::from_secs(5));
        assert_eq!(clock.unix_secs(), 1_700_000_005);
        assert_eq!(unix_ms(UNIX_EPOCH - Duration::from_millis(5)), -5);
    }
}
