//! Why a flight runs, and the pure decisions that follow from it: is a value good enough, too
//! young to replace, or servable when no refresh can happen.

use super::{Inner, duration_ms};
use crate::credential::record::StoredCredential;

/// Why a flight runs, and so when a stored value is good enough.
#[derive(Clone, Debug)]
pub(super) enum Trigger {
    /// A caller found nothing valid in memory: any valid value will do.
    Cold,
    /// Background: the value is near expiry or due for a store check; only a fresh one will do.
    Ahead,
    /// The value `old` failed or must be replaced: any valid other value will do. `force`
    /// asks the stable_token policy for a forced refresh.
    Replace { old: Option<String>, force: bool },
}

impl Trigger {
    /// Whether `record` is good enough for this trigger at `now` (ms): valid for a cold start,
    /// fresh (beyond `margin_ms` of expiry) ahead of time, valid and not the old value for a
    /// replacement.
    pub(super) fn satisfied_by(&self, record: &StoredCredential, now: i64, margin_ms: i64) -> bool {
        match self {
            Self::Cold => record.valid_at(now),
            Self::Ahead => record.fresh_at(now, margin_ms),
            Self::Replace { old, .. } => {
                record.valid_at(now) && old.as_deref() != Some(record.token.as_str())
            }
        }
    }

    /// Whether this trigger would replace `record` although it is valid and was issued less
    /// than `min_interval_ms` before `now` (a value without `issued_at` is never too young).
    pub(super) fn too_young_to_replace(
        &self,
        record: &StoredCredential,
        now: i64,
        min_interval_ms: i64,
    ) -> bool {
        if !matches!(self, Self::Replace { .. }) || !record.valid_at(now) {
            return false;
        }
        record
            .issued_at
            .is_some_and(|issued| now - issued.saturating_mul(1000) < min_interval_ms)
    }

    /// Whether `record` may be served when no refresh can happen now: it is valid and not the
    /// value to replace.
    pub(super) fn may_fall_back_to(&self, record: &StoredCredential, now: i64) -> bool {
        if !record.valid_at(now) {
            return false;
        }
        !matches!(self, Self::Replace { old, .. } if old.as_deref() == Some(record.token.as_str()))
    }
}

impl Inner {
    /// The value good enough for `trigger`, if `stored` is one.
    pub(super) fn satisfies(
        &self,
        stored: Option<&StoredCredential>,
        now: i64,
        trigger: &Trigger,
    ) -> Option<StoredCredential> {
        let record = stored?;
        trigger
            .satisfied_by(record, now, self.margin_ms())
            .then(|| record.clone())
    }

    /// The stored value, when `trigger` would replace it but it is younger than
    /// [`CredentialOptions::min_refresh_interval`](crate::CredentialOptions::min_refresh_interval).
    pub(super) fn too_young_to_replace(
        &self,
        stored: Option<&StoredCredential>,
        now: i64,
        trigger: &Trigger,
    ) -> Option<StoredCredential> {
        let min_interval = duration_ms(self.options.min_refresh_interval);
        stored
            .filter(|record| trigger.too_young_to_replace(record, now, min_interval))
            .cloned()
    }

    /// What to serve when no refresh can happen now: a valid value that is not the one to
    /// replace.
    pub(super) fn fallback(
        &self,
        stored: Option<StoredCredential>,
        trigger: &Trigger,
    ) -> Option<StoredCredential> {
        let now = self.now_ms();
        stored.filter(|record| trigger.may_fall_back_to(record, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(token: &str, issued_at: Option<i64>, expires_at: i64) -> StoredCredential {
        StoredCredential {
            token: token.to_owned(),
            expires_at,
            issued_at,
        }
    }

    fn replace(old: Option<&str>) -> Trigger {
        Trigger::Replace {
            old: old.map(str::to_owned),
            force: false,
        }
    }

    #[test]
    fn cold_takes_any_valid_value() {
        let r = record("A", Some(0), 100);
        assert!(Trigger::Cold.satisfied_by(&r, 99_999, 30_000));
        assert!(!Trigger::Cold.satisfied_by(&r, 100_000, 30_000));
    }

    #[test]
    fn ahead_takes_only_a_fresh_value() {
        let r = record("A", Some(0), 100);
        assert!(Trigger::Ahead.satisfied_by(&r, 69_999, 30_000));
        assert!(!Trigger::Ahead.satisfied_by(&r, 70_000, 30_000));
    }

    #[test]
    fn replace_takes_a_valid_value_other_than_the_old_one() {
        let r = record("A", Some(0), 100);
        assert!(!replace(Some("A")).satisfied_by(&r, 1_000, 30_000));
        assert!(replace(Some("B")).satisfied_by(&r, 1_000, 30_000));
        assert!(replace(None).satisfied_by(&r, 1_000, 30_000));
        assert!(!replace(Some("B")).satisfied_by(&r, 100_000, 30_000));
    }

    #[test]
    fn only_a_replacement_finds_a_value_too_young() {
        let r = record("A", Some(10), 7_210);
        assert!(replace(Some("A")).too_young_to_replace(&r, 10_000 + 59_999, 60_000));
        assert!(!replace(Some("A")).too_young_to_replace(&r, 10_000 + 60_000, 60_000));
        assert!(!Trigger::Cold.too_young_to_replace(&r, 10_000, 60_000));
        assert!(!Trigger::Ahead.too_young_to_replace(&r, 10_000, 60_000));
        // Without an issue time, or with no interval, nothing is too young.
        let unknown = record("A", None, 7_210);
        assert!(!replace(Some("A")).too_young_to_replace(&unknown, 10_000, 60_000));
        assert!(!replace(Some("A")).too_young_to_replace(&r, 10_000, 0));
        // An expired value is replaced whatever its age.
        let expired = record("A", Some(10), 20);
        assert!(!replace(Some("A")).too_young_to_replace(&expired, 20_000, 60_000));
    }

    #[test]
    fn fallback_is_a_valid_value_that_is_not_being_replaced() {
        let r = record("A", Some(0), 100);
        assert!(Trigger::Cold.may_fall_back_to(&r, 99_999));
        assert!(Trigger::Ahead.may_fall_back_to(&r, 99_999));
        assert!(replace(Some("B")).may_fall_back_to(&r, 99_999));
        assert!(!replace(Some("A")).may_fall_back_to(&r, 99_999));
        assert!(!Trigger::Cold.may_fall_back_to(&r, 100_000));
    }
}
