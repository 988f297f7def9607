//! What is stored per credential, and under which keys.

use serde::{Deserialize, Serialize};

/// A credential as stored: `{"token": "...", "expires_at": <unix s>, "issued_at": <unix s>}`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredCredential {
    pub(crate) token: String,
    pub(crate) expires_at: i64,
    /// When it was fetched; absent in values written by others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) issued_at: Option<i64>,
}

impl StoredCredential {
    /// Valid at `now_ms`: not yet expired.
    pub(crate) fn valid_at(&self, now_ms: i64) -> bool {
        self.expires_at.saturating_mul(1000) > now_ms
    }

    /// Valid for more than `margin_ms` after `now_ms`: no refresh needed yet.
    ///
    /// The margin is at most half the value's lifetime, so a short-lived value (a sandbox
    /// configured with 60 s tokens, a stable_token fetched in its last minutes) is not
    /// refreshed again and again.
    pub(crate) fn fresh_at(&self, now_ms: i64, margin_ms: i64) -> bool {
        let expires_ms = self.expires_at.saturating_mul(1000);
        let margin_ms = match self.issued_at {
            Some(issued_at) => margin_ms.min((expires_ms - issued_at.saturating_mul(1000)) / 2),
            None => margin_ms,
        };
        expires_ms - margin_ms > now_ms
    }

    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok()
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl std::fmt::Debug for StoredCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredCredential")
            .field("token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// `{prefix}:{{account}}:{name}`, with `{`, `}` and `%` of the account percent-encoded so the
/// hash tag stays the account's.
pub(crate) fn key(prefix: &str, account: &str, name: &str) -> String {
    format!("{prefix}:{{{}}}:{name}", escape(account))
}

/// `id` with `{`, `}` and `%` percent-encoded, so it cannot open or close a hash tag.
pub(crate) fn escape(id: &str) -> String {
    let mut escaped = String::with_capacity(id.len());
    for c in id.chars() {
        match c {
            '%' => escaped.push_str("%25"),
            '{' => escaped.push_str("%7B"),
            '}' => escaped.push_str("%7D"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_put_the_account_in_a_hash_tag() {
        assert_eq!(
            key("wxgate", "main", "access_token"),
            "wxgate:{main}:access_token"
        );
        assert_eq!(key("p", "a{b}%", "x"), "p:{a%7Bb%7D%25}:x");
    }

    #[test]
    fn record_wire_form_and_validity() {
        let record = StoredCredential {
            token: "T".to_owned(),
            expires_at: 100,
            issued_at: None,
        };
        assert_eq!(record.encode(), br#"{"token":"T","expires_at":100}"#);
        assert_eq!(
            StoredCredential::decode(&record.encode()),
            Some(record.clone())
        );
        assert_eq!(StoredCredential::decode(b"garbage"), None);
        assert!(record.valid_at(99_999));
        assert!(!record.valid_at(100_000));
        assert!(record.fresh_at(69_999, 30_000));
        assert!(!record.fresh_at(70_000, 30_000));
        assert!(!format!("{record:?}").contains("\"T\""));
    }

    #[test]
    fn margin_is_at_most_half_the_lifetime() {
        let short = StoredCredential {
            token: "T".to_owned(),
            expires_at: 160,
            issued_at: Some(100),
        };
        assert_eq!(
            StoredCredential::decode(&short.encode()).and_then(|r| r.issued_at),
            Some(100)
        );
        // 60 s lifetime, 300 s margin asked: refresh after 30 s.
        assert!(short.fresh_at(129_999, 300_000));
        assert!(!short.fresh_at(130_000, 300_000));
    }
}
