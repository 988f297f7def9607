//! The virtual clock and Beijing-time calendar helpers.
//!
//! Every expiry in the sandbox follows [`VirtualClock::now`]: the start time plus (unless frozen) the wall
//! time elapsed since start, plus the offset moved through `POST /sandbox/clock` (forward by
//! `advance_secs`, or to any time, earlier ones included, by `now`).

use std::time::Instant;

use wxgate_proto::clock::{Clock as _, SystemClock};

/// Beijing time is UTC+8 all year.
const BEIJING_OFFSET: u64 = 8 * 3600;

#[derive(Debug, Clone)]
pub(crate) struct VirtualClock {
    base: u64,
    started: Instant,
    frozen: bool,
}

impl VirtualClock {
    pub(crate) fn new(start_time: Option<u64>, frozen: bool) -> Self {
        Self {
            base: start_time.unwrap_or_else(wall_now),
            started: Instant::now(),
            frozen,
        }
    }

    /// Virtual unix seconds, given the persisted offset (never before the epoch).
    pub(crate) fn now(&self, offset: i64) -> u64 {
        self.running().saturating_add_signed(offset)
    }

    /// The offset that makes [`VirtualClock::now`] answer `target` at this instant.
    pub(crate) fn offset_for(&self, target: u64) -> i64 {
        let running = i128::from(self.running());
        let offset = i128::from(target) - running;
        i64::try_from(offset).unwrap_or(if offset < 0 { i64::MIN } else { i64::MAX })
    }

    /// The start time plus the wall time elapsed since (unless frozen).
    fn running(&self) -> u64 {
        let elapsed = if self.frozen {
            0
        } else {
            self.started.elapsed().as_secs()
        };
        self.base.saturating_add(elapsed)
    }
}

impl Default for VirtualClock {
    fn default() -> Self {
        Self::new(None, false)
    }
}

/// Unix seconds by the system's wall clock (the workspace's [`SystemClock`]).
pub(crate) fn wall_now() -> u64 {
    SystemClock.unix_secs()
}

/// Days since the epoch in Beijing time: daily quotas reset when this changes (WeChat's API call limits reset at 00:00 Beijing time).
pub(crate) fn beijing_day(unix: u64) -> u64 {
    (unix + BEIJING_OFFSET) / 86_400
}

/// `(year, month)` in Beijing time: the monthly `clear_quota` limit resets when this changes.
pub(crate) fn beijing_month(unix: u64) -> (i64, u32) {
    let (y, m, _) = civil_from_days(beijing_day(unix) as i64);
    (y, m)
}

/// Proleptic Gregorian date from days since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        // 2024-02-29 is day 19782.
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(19_783), (2024, 3, 1));
    }

    #[test]
    fn beijing_midnight_is_1600_utc() {
        // 2023-12-31T15:59:59Z is 23:59:59 in Beijing; one second later is the next day.
        let before = 1_704_038_399;
        assert_eq!(beijing_day(before) + 1, beijing_day(before + 1));
        assert_eq!(beijing_month(before), (2023, 12));
        assert_eq!(beijing_month(before + 1), (2024, 1));
    }

    #[test]
    fn frozen_clock_only_moves_by_advance() {
        let clock = VirtualClock::new(Some(1000), true);
        assert_eq!(clock.now(0), 1000);
        assert_eq!(clock.now(50), 1050);
    }

    #[test]
    fn offsets_set_the_clock_either_way() {
        let clock = VirtualClock::new(Some(1000), true);
        assert_eq!(clock.now(clock.offset_for(5000)), 5000);
        assert_eq!(clock.now(clock.offset_for(10)), 10);
        assert_eq!(clock.now(-2000), 0, "never before the epoch");
        assert_eq!(clock.now(i64::MAX), 1000 + i64::MAX as u64);
    }
}
