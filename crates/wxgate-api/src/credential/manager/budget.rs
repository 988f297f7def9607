//! A number of ahead-of-expiry refreshes per second shared by several credentials: a
//! third-party platform's authorizers (see
//! [`CredentialOptions::authorizer_refresh_rate`](crate::CredentialOptions::authorizer_refresh_rate)).

use std::sync::{Mutex, PoisonError};

/// Refreshes allowed per second of the credentials' clock, taken first come, first served.
#[derive(Debug)]
pub(crate) struct RefreshBudget {
    per_second: u32,
    /// The second (clock ms / 1000) being counted, and the refreshes taken in it.
    used: Mutex<(i64, u32)>,
}

impl RefreshBudget {
    /// A budget of `per_second` refreshes (at least one).
    pub(crate) fn new(per_second: u32) -> Self {
        Self {
            per_second: per_second.max(1),
            used: Mutex::new((i64::MIN, 0)),
        }
    }

    /// Takes one refresh in the second of `now_ms`; when that second's are all taken, the
    /// milliseconds until the next second.
    pub(crate) fn take(&self, now_ms: i64) -> Result<(), i64> {
        let second = now_ms.div_euclid(1000);
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        if used.0 != second {
            *used = (second, 0);
        }
        if used.1 >= self.per_second {
            return Err((second + 1) * 1000 - now_ms);
        }
        used.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_more_than_the_rate_in_one_second() {
        let budget = RefreshBudget::new(3);
        // 10 candidates every 100 ms over 5 seconds: 3 are let through per second, no more.
        let mut per_second = std::collections::BTreeMap::<i64, u32>::new();
        for ms in (0..5000).step_by(100) {
            for _ in 0..10 {
                if budget.take(1_700_000_000_000 + ms).is_ok() {
                    *per_second.entry(ms / 1000).or_default() += 1;
                }
            }
        }
        assert_eq!(per_second.values().copied().collect::<Vec<_>>(), [3; 5]);
    }

    #[test]
    fn a_refused_refresh_is_told_when_the_next_second_starts() {
        let budget = RefreshBudget::new(1);
        assert_eq!(budget.take(10_250), Ok(()));
        assert_eq!(budget.take(10_250), Err(750));
        assert_eq!(budget.take(10_999), Err(1));
        assert_eq!(budget.take(11_000), Ok(()));
        // A clock set back starts counting its second afresh.
        assert_eq!(budget.take(5_000), Ok(()));
    }

    #[test]
    fn a_zero_rate_still_lets_one_through() {
        let budget = RefreshBudget::new(0);
        assert_eq!(budget.take(0), Ok(()));
        assert!(budget.take(1).is_err());
    }
}
