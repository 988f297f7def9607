//! What a component keeps in the store besides tokens: the verify ticket, the authorizers and
//! their index, under the keys documented on [`super`].

use std::time::Duration;

use serde::{Deserialize, Serialize};
use wxgate_store::Store;

use crate::Error;
use crate::credential::record::escape;

/// How long a `component_verify_ticket` stays valid (12 hours).
pub(super) const TICKET_TTL: Duration = Duration::from_secs(12 * 3600);

/// The store keys of one component.
#[derive(Clone, Debug)]
pub(super) struct Keys {
    /// `{prefix}:component`, the component managers' key prefix.
    pub(super) component_prefix: String,
    /// `{prefix}:component:{escaped id}`, the authorizer managers' key prefix.
    pub(super) authorizer_prefix: String,
    pub(super) verify_ticket: String,
    pub(super) index: String,
}

impl Keys {
    pub(super) fn new(prefix: &str, component_id: &str) -> Self {
        let component_prefix = format!("{prefix}:component");
        let escaped = escape(component_id);
        Self {
            verify_ticket: format!("{component_prefix}:{{{escaped}}}:verify_ticket"),
            index: format!("{component_prefix}:{{{escaped}}}:authorizers"),
            authorizer_prefix: format!("{component_prefix}:{escaped}"),
            component_prefix,
        }
    }

    /// `{prefix}:component:{id}:{{appid}}:authorizer`
    pub(super) fn authorizer(&self, app_id: &str) -> String {
        crate::credential::record::key(&self.authorizer_prefix, app_id, "authorizer")
    }

    /// `{prefix}:component:{id}:{{appid}}:revoked`
    pub(super) fn revoked(&self, app_id: &str) -> String {
        crate::credential::record::key(&self.authorizer_prefix, app_id, "revoked")
    }
}

/// `{"at": <unix s>}`: when an account revoked its authorization (the `unauthorized` notice).
#[derive(Clone, Copy, Serialize, Deserialize)]
pub(super) struct StoredRevocation {
    pub(super) at: i64,
}

/// `{"ticket": "...", "received_at": <unix s>}`
#[derive(Clone, Serialize, Deserialize)]
pub(super) struct StoredTicket {
    pub(super) ticket: String,
    pub(super) received_at: i64,
}

/// An authorizer as stored: `{"refresh_token": "...", "func_info": [1, 2], "authorized_at":
/// <unix s>, "rotated_at": <unix s>, "reauthorize": {"errcode": 61023, "at": <unix s>}}`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct StoredAuthorizer {
    /// Absent when the account granted no API permission.
    #[serde(default)]
    pub(super) refresh_token: Option<String>,
    #[serde(default)]
    pub(super) func_info: Vec<i64>,
    pub(super) authorized_at: i64,
    /// When the refresh token last changed on a refresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) rotated_at: Option<i64>,
    /// Set when WeChat refused the refresh token: nothing is fetched until the account
    /// authorizes again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) reauthorize: Option<Refused>,
}

/// WeChat's refusal of an authorizer's refresh token.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Refused {
    pub(super) errcode: Option<i64>,
    pub(super) at: i64,
}

impl StoredAuthorizer {
    pub(super) fn decode(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok()
    }

    pub(super) fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl std::fmt::Debug for StoredAuthorizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredAuthorizer")
            .field("refresh_token", &"[redacted]")
            .field("func_info", &self.func_info)
            .field("authorized_at", &self.authorized_at)
            .finish_non_exhaustive()
    }
}

/// Adds (`present`) or removes an AppID in the index, with compare-and-set so concurrent
/// changes by other instances are not lost.
pub(super) async fn update_index(
    store: &dyn Store,
    key: &str,
    app_id: &str,
    present: bool,
) -> Result<(), Error> {
    for _ in 0..64 {
        let current = store.get(key).await.map_err(Error::store)?;
        let mut list = read_index(current.as_deref());
        let found = list.binary_search_by(|a| a.as_str().cmp(app_id));
        match (found, present) {
            (Ok(_), true) | (Err(_), false) => return Ok(()),
            (Err(at), true) => list.insert(at, app_id.to_owned()),
            (Ok(at), false) => {
                list.remove(at);
            }
        }
        let value = serde_json::to_vec(&list).unwrap_or_default();
        if store
            .compare_and_set(key, current.as_deref(), &value, None)
            .await
            .map_err(Error::store)?
        {
            return Ok(());
        }
    }
    Err(Error::new(crate::ErrorKind::LeaseTimeout))
}

/// The sorted AppIDs of an index value; an undecodable one reads as empty.
pub(super) fn read_index(bytes: Option<&[u8]>) -> Vec<String> {
    let mut list: Vec<String> = bytes
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or_default();
    list.sort();
    list.dedup();
    list
}

/// Where inside `spread` an authorizer's refresh-ahead point lies: FNV-1a of its AppID, so it
/// is the same on every instance and after every restart.
pub(super) fn jitter(app_id: &str, spread: Duration) -> Duration {
    let spread_ms = u64::try_from(spread.as_millis()).unwrap_or(u64::MAX);
    if spread_ms == 0 {
        return Duration::ZERO;
    }
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in app_id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    Duration::from_millis(hash % spread_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_each_authorizer_in_its_own_hash_tag() {
        let keys = Keys::new("wxgate", "open{1}");
        assert_eq!(
            keys.verify_ticket,
            "wxgate:component:{open%7B1%7D}:verify_ticket"
        );
        assert_eq!(keys.index, "wxgate:component:{open%7B1%7D}:authorizers");
        assert_eq!(
            keys.authorizer("wxa"),
            "wxgate:component:open%7B1%7D:{wxa}:authorizer"
        );
    }

    #[test]
    fn jitter_is_deterministic_and_spread() {
        let spread = Duration::from_secs(1800);
        assert_eq!(jitter("wxa", spread), jitter("wxa", spread));
        assert_eq!(jitter("wxa", Duration::ZERO), Duration::ZERO);
        // 10,000 AppIDs: no second of the spread holds more than a handful.
        let mut per_second = vec![0u32; 1800];
        for i in 0..10_000 {
            let at = jitter(&format!("wx{i:016x}"), spread).as_secs();
            per_second[usize::try_from(at).unwrap()] += 1;
        }
        let max = per_second.iter().max().copied().unwrap_or(0);
        assert!(max <= 20, "{max} authorizers share one second");
        assert!(per_second.iter().filter(|&&n| n == 0).count() < 100);
    }

    #[test]
    fn index_reads_sorted_and_tolerates_garbage() {
        assert_eq!(read_index(Some(br#"["b","a","b"]"#)), ["a", "b"]);
        assert!(read_index(Some(b"garbage")).is_empty());
        assert!(read_index(None).is_empty());
    }

    #[test]
    fn authorizer_record_wire_form_and_debug() {
        let record = StoredAuthorizer {
            refresh_token: Some("R3FRESH".to_owned()),
            func_info: vec![1, 2],
            authorized_at: 10,
            rotated_at: None,
            reauthorize: None,
        };
        assert_eq!(
            record.encode(),
            br#"{"refresh_token":"R3FRESH","func_info":[1,2],"authorized_at":10}"#
        );
        assert_eq!(
            StoredAuthorizer::decode(&record.encode()),
            Some(record.clone())
        );
        assert!(!format!("{record:?}").contains("R3FRESH"));
    }
}
