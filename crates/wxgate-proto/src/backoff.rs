//! Exponential back-off with full jitter: the one formula behind the API client's retries, the
//! credential manager's failure back-off and the gateway's deferred delivery.
//!
//! The wait before retry `n` (counting failures from 1) is drawn uniformly from
//! `[0, min(cap, base · 2ⁿ⁻¹)]` ("full jitter"), so instances that fail together do not retry
//! together. The random generator is the caller's: a seeded one gives reproducible waits.
//! [`Backoff::ceiling`] is the same curve without jitter, for callers whose waits are a
//! documented contract.

use std::time::Duration;

use rand::Rng;

/// An exponential back-off curve: `base`, doubling per failure, capped at `cap`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
}

impl Backoff {
    /// Waits start at `base` and double per consecutive failure, up to `cap`.
    #[must_use]
    pub const fn new(base: Duration, cap: Duration) -> Self {
        Self { base, cap }
    }

    /// The first wait.
    #[must_use]
    pub const fn base(&self) -> Duration {
        self.base
    }

    /// The longest wait.
    #[must_use]
    pub const fn cap(&self) -> Duration {
        self.cap
    }

    /// The upper bound of the wait after `failures` consecutive failures (from 1; 0 counts as 1):
    /// `min(cap, base · 2^(failures-1))`, without jitter.
    #[must_use]
    pub fn ceiling(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(31));
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// The wait after `failures` consecutive failures: uniform in `[0, ceiling(failures)]`.
    pub fn delay<R: Rng + ?Sized>(&self, failures: u32, rng: &mut R) -> Duration {
        let ceiling = self.ceiling(failures);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rng.random_range(0..=nanos))
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn ceiling_doubles_and_caps() {
        let backoff = Backoff::new(Duration::from_millis(100), Duration::from_millis(300));
        let waits: Vec<u128> = (1..5).map(|n| backoff.ceiling(n).as_millis()).collect();
        assert_eq!(waits, [100, 200, 300, 300]);
        assert_eq!(backoff.ceiling(0), Duration::from_millis(100));
        assert_eq!(backoff.ceiling(u32::MAX), Duration::from_millis(300));
    }

    #[test]
    fn delay_stays_within_the_ceiling_and_varies() {
        let backoff = Backoff::new(Duration::from_secs(2), Duration::from_secs(512));
        let mut rng = StdRng::seed_from_u64(7);
        let mut seen = std::collections::HashSet::new();
        for n in 1..=12 {
            for _ in 0..20 {
                let delay = backoff.delay(n, &mut rng);
                assert!(delay <= backoff.ceiling(n), "{n}: {delay:?}");
                seen.insert(delay);
            }
        }
        assert!(seen.len() > 200, "jitter spreads the waits: {}", seen.len());
    }

    #[test]
    fn seeded_delays_repeat() {
        let backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(2));
        let a: Vec<_> = (1..5)
            .map(|n| backoff.delay(n, &mut StdRng::seed_from_u64(n.into())))
            .collect();
        let b: Vec<_> = (1..5)
            .map(|n| backoff.delay(n, &mut StdRng::seed_from_u64(n.into())))
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn zero_base_means_no_wait() {
        let backoff = Backoff::new(Duration::ZERO, Duration::ZERO);
        assert_eq!(
            backoff.delay(3, &mut StdRng::seed_from_u64(1)),
            Duration::ZERO
        );
    }
}
