//! The follower registry: records that need queries, in SQL.
//!
//! Where [`Store`](crate::Store) keeps small values, leases and queues, a [`Registry`] keeps
//! the records wxgate queries: every account's followers (with the QR scene they came
//! through and the history of their follows), the follow funnel of each scene, the
//! idempotency keys of outbound sends, and the progress of a follower import. It runs on
//! SQLite (embedded; the store's own file when the store is SQLite) or PostgreSQL (for a fleet
//! of gateways), each with versioned migrations applied at open.
//!
//! Every record is scoped by an account id (the `[[accounts]] id` of the configuration).
//!
//! ```
//! use wxgate_store::registry::{self, FollowerFilter, Push};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), wxgate_store::registry::RegistryError> {
//! let registry = registry::open("sqlite::memory:").await?;
//! // A push `subscribe` with EventKey `qrscene_table-7`, after `user/info` failed.
//! let push = Push::new("o6_bmjrPTlm6_2sgVt7hMZOPfL2M", 1_700_000_000);
//! let outcome = registry.record_subscribe("main", &push, Some("table-7"), None).await?;
//! assert!(outcome.recorded);
//! // The same push again (another gateway after a failover) changes nothing.
//! assert!(!registry.record_subscribe("main", &push, Some("table-7"), None).await?.recorded);
//! assert_eq!(registry.scene_counts("main", "table-7").await?.subscribes, 1);
//! assert_eq!(registry.count_followers("main", &FollowerFilter::default()).await?, 1);
//! # Ok(())
//! # }
//! ```

// Without a backend feature, the helpers the backends share have no user.
#![cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

mod migrations;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;
mod url;

#[cfg(feature = "postgres")]
pub use postgres::PostgresRegistry;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteRegistry;
pub use url::open;

/// The most followers one [`Registry::list_followers`] call returns.
pub const MAX_PAGE: u32 = 1000;

/// Records of followers, scene funnels, idempotency keys and import progress, per account.
///
/// Every method is atomic, across every process that shares the database. Times kept by the
/// registry (`*_ms`) are unix milliseconds from the database's clock (the host's for SQLite,
/// the server's for PostgreSQL); times from WeChat (`subscribe_time`, `create_time`) are unix
/// seconds, as WeChat sends them.
#[async_trait]
pub trait Registry: Send + Sync + fmt::Debug + 'static {
    /// Stores a follower's profile (from `user/info`, or `user/info/batchget` during an
    /// import), creating the follower or replacing its profile fields.
    ///
    /// `first_seen_ms` is kept. A follower that goes from subscribed to not gets
    /// `unsubscribed_at_ms` = now; one that goes back to subscribed has it cleared. This
    /// changes no funnel figure and records no event: those come from pushes
    /// ([`Registry::record_subscribe`], …).
    async fn upsert_follower(
        &self,
        account: &str,
        profile: &FollowerProfile,
    ) -> Result<Follower, RegistryError>;

    /// Records a `subscribe` push: the user follows, through `scene` (the EventKey without its
    /// `qrscene_` prefix) if the push came from a parametric QR code.
    ///
    /// The follower is created or marked subscribed, with `profile` (from `user/info`) if the
    /// gateway has it; its scene becomes `scene`, or the profile's `qr_scene` without one. With
    /// a scene, the scene's `subscribes` figure goes up by one.
    ///
    /// Idempotent per push: a second call with the same [`Push`] identity (another gateway that
    /// processed the same push after a failover) changes nothing and returns
    /// `recorded: false` with the follower as it is.
    async fn record_subscribe(
        &self,
        account: &str,
        push: &Push,
        scene: Option<&str>,
        profile: Option<&FollowerProfile>,
    ) -> Result<SubscribeOutcome, RegistryError>;

    /// Records an `unsubscribe` push: the follower is marked gone (`subscribed: false`,
    /// `unsubscribed_at_ms` = now) and keeps its row, profile and history. A follower unknown
    /// to the registry gets a row that says so. If the follower was subscribed through a scene,
    /// that scene's `unsubscribes` figure goes up by one.
    ///
    /// Idempotent per push, like [`Registry::record_subscribe`]; returns whether it recorded.
    async fn record_unsubscribe(&self, account: &str, push: &Push) -> Result<bool, RegistryError>;

    /// Records a `SCAN` push (an existing follower scanned the code of `scene`): the scene's
    /// `scans` figure goes up by one. Idempotent per push; returns whether it recorded.
    async fn record_scan(
        &self,
        account: &str,
        push: &Push,
        scene: &str,
    ) -> Result<bool, RegistryError>;

    /// Reads one follower.
    async fn follower(
        &self,
        account: &str,
        openid: &str,
    ) -> Result<Option<Follower>, RegistryError>;

    /// Lists the events recorded for one follower, oldest first.
    async fn follower_events(
        &self,
        account: &str,
        openid: &str,
    ) -> Result<Vec<FollowerEvent>, RegistryError>;

    /// Lists followers matching `filter`, in the order they were first seen, `limit` (1 to
    /// [`MAX_PAGE`]) at a time.
    ///
    /// Pass the previous page's `next_cursor` to continue; `None` starts from the beginning.
    /// Paging never returns a follower twice nor misses one that existed when paging started
    /// and still matches; followers added meanwhile come on later pages.
    ///
    /// # Errors
    ///
    /// [`RegistryError::InvalidArgument`] for a limit out of range or a cursor this registry
    /// did not hand out.
    async fn list_followers(
        &self,
        account: &str,
        filter: &FollowerFilter,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<FollowerPage, RegistryError>;

    /// Counts the followers matching `filter`.
    async fn count_followers(
        &self,
        account: &str,
        filter: &FollowerFilter,
    ) -> Result<u64, RegistryError>;

    /// Reads the funnel figures of one scene (all zero for a scene never seen).
    async fn scene_counts(&self, account: &str, scene: &str) -> Result<SceneCounts, RegistryError>;

    /// Claims the idempotency key `key` for one outbound send.
    ///
    /// Exactly one concurrent claimant, across every process sharing the database, gets
    /// [`Claim::Claimed`]; it sends, then calls [`Registry::complete_idempotency_key`] (or
    /// [`Registry::release_idempotency_key`] if nothing was sent). Others get
    /// [`Claim::InFlight`] while it works, then [`Claim::Done`] with its result.
    ///
    /// `ttl` bounds both phases: a claim not completed within `ttl` (a crashed claimant)
    /// expires and the key can be claimed again; a completed key is remembered for `ttl` after
    /// its completion.
    async fn claim_idempotency_key(
        &self,
        account: &str,
        key: &str,
        ttl: Duration,
    ) -> Result<Claim, RegistryError>;

    /// Stores the result (JSON text) of the send that claimed `key`: later claims get
    /// [`Claim::Done`] with it.
    ///
    /// # Errors
    ///
    /// [`RegistryError::InvalidArgument`] if `key` is not claimed (never claimed, expired,
    /// released or already completed).
    async fn complete_idempotency_key(
        &self,
        account: &str,
        key: &str,
        result: &str,
    ) -> Result<(), RegistryError>;

    /// Gives up an in-flight claim of `key` (the send failed before anything was sent), so
    /// that a retry can claim it. Returns whether a claim was released; a completed key is
    /// kept.
    async fn release_idempotency_key(
        &self,
        account: &str,
        key: &str,
    ) -> Result<bool, RegistryError>;

    /// Saves the progress of a follower import (`wxgate followers sync`), replacing any.
    async fn save_sync_progress(
        &self,
        account: &str,
        progress: &SyncProgress,
    ) -> Result<(), RegistryError>;

    /// Reads the saved progress of a follower import, if one is under way.
    async fn load_sync_progress(
        &self,
        account: &str,
    ) -> Result<Option<SyncProgress>, RegistryError>;

    /// Forgets the progress of a follower import (it finished). Returns whether there was one.
    async fn clear_sync_progress(&self, account: &str) -> Result<bool, RegistryError>;
}

/// The identity of one WeChat push, which makes recording it idempotent.
///
/// WeChat retries a push it got no answer for, and a second gateway may process the same push
/// after a failover: recording a push whose identity was recorded before changes nothing.
/// Events carry no `MsgId`: their identity is the sender and `CreateTime`, as WeChat advises
/// for de-duplicating events.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Push {
    /// The user (`FromUserName`).
    pub openid: String,
    /// `CreateTime`, unix seconds.
    pub create_time: i64,
    /// `MsgId`, if the push had one.
    pub msg_id: Option<String>,
}

impl Push {
    /// A push without `MsgId` (every event).
    pub fn new(openid: impl Into<String>, create_time: i64) -> Self {
        Self {
            openid: openid.into(),
            create_time,
            msg_id: None,
        }
    }

    /// The key that tells this push from others of the same user.
    fn key(&self) -> String {
        match &self.msg_id {
            Some(id) => format!("m:{id}"),
            None => format!("t:{}", self.create_time),
        }
    }
}

/// A follower's profile as `user/info` reports it. See
/// [WeChat Docs/获取用户基本信息](https://developers.weixin.qq.com/doc/offiaccount/User_Management/Get_users_basic_information_UnionID.html).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FollowerProfile {
    /// The user's id in this account.
    pub openid: String,
    /// The user's id across the accounts bound to one Open Platform account.
    pub unionid: Option<String>,
    /// Whether the user follows the account (`subscribe: 1`).
    pub subscribed: bool,
    /// When the user last followed, unix seconds.
    pub subscribe_time: Option<i64>,
    /// How the user followed: `ADD_SCENE_QR_CODE`, `ADD_SCENE_SEARCH`, …
    pub subscribe_scene: Option<String>,
    /// The QR scene the user followed through: `qr_scene_str`, or `qr_scene` as decimal text
    /// (see [`qr_scene_text`]).
    pub qr_scene: Option<String>,
    /// The user's tag ids (`tagid_list`).
    pub tags: Vec<u32>,
    /// The operator's note on the user (empty for none).
    pub remark: String,
}

/// The scene a profile reports: the string scene if not empty, else the numeric one as
/// decimal text if not zero.
///
/// ```
/// use wxgate_store::registry::qr_scene_text;
///
/// assert_eq!(qr_scene_text(98765, "").as_deref(), Some("98765"));
/// assert_eq!(qr_scene_text(0, "table-7").as_deref(), Some("table-7"));
/// assert_eq!(qr_scene_text(0, ""), None);
/// ```
pub fn qr_scene_text(qr_scene: u64, qr_scene_str: &str) -> Option<String> {
    if !qr_scene_str.is_empty() {
        Some(qr_scene_str.to_owned())
    } else if qr_scene != 0 {
        Some(qr_scene.to_string())
    } else {
        None
    }
}

/// A follower as the registry keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Follower {
    /// The user's id in this account.
    pub openid: String,
    /// The user's id across the accounts bound to one Open Platform account.
    pub unionid: Option<String>,
    /// Whether the user follows the account now.
    pub subscribed: bool,
    /// When the user last followed, unix seconds, as WeChat reported it.
    pub subscribe_time: Option<i64>,
    /// How the user followed (`ADD_SCENE_…`), as WeChat reported it.
    pub subscribe_scene: Option<String>,
    /// The QR scene of the user's latest follow, if it was through a parametric QR code.
    pub qr_scene: Option<String>,
    /// The user's tag ids.
    pub tags: Vec<u32>,
    /// The operator's note on the user (empty for none).
    pub remark: String,
    /// When the registry first heard of the user, unix ms.
    pub first_seen_ms: i64,
    /// When the registry last changed the record, unix ms.
    pub updated_at_ms: i64,
    /// When the user unfollowed, unix ms, if the user does not follow now.
    pub unsubscribed_at_ms: Option<i64>,
}

/// What [`Registry::record_subscribe`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscribeOutcome {
    /// `false` if the push had been recorded before (nothing changed).
    pub recorded: bool,
    /// The follower afterwards.
    pub follower: Follower,
}

/// One recorded push about a follower.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowerEvent {
    /// What happened.
    pub kind: EventKind,
    /// The QR scene, for a follow through a code or a scan.
    pub scene: Option<String>,
    /// The push's `CreateTime`, unix seconds.
    pub create_time: i64,
    /// When it was recorded, unix ms.
    pub recorded_at_ms: i64,
}

/// The kinds of [`FollowerEvent`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// The user followed.
    Subscribe,
    /// The user unfollowed.
    Unsubscribe,
    /// The user, a follower, scanned a parametric QR code.
    Scan,
}

impl EventKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Subscribe => "subscribe",
            Self::Unsubscribe => "unsubscribe",
            Self::Scan => "scan",
        }
    }

    fn parse(text: &str) -> Result<Self, RegistryError> {
        match text {
            "subscribe" => Ok(Self::Subscribe),
            "unsubscribe" => Ok(Self::Unsubscribe),
            "scan" => Ok(Self::Scan),
            other => Err(RegistryError::Corrupt(format!(
                "unknown event kind `{other}`"
            ))),
        }
    }
}

/// Which followers [`Registry::list_followers`] and [`Registry::count_followers`] take; every
/// field set must match (`None`: any).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FollowerFilter {
    /// Followers with this tag id.
    pub tag: Option<u32>,
    /// Followers whose (latest) QR scene is this.
    pub scene: Option<String>,
    /// Followers who follow now (`true`) or not (`false`).
    pub subscribed: Option<bool>,
}

/// One page of [`Registry::list_followers`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowerPage {
    /// The followers, in the order they were first seen.
    pub followers: Vec<Follower>,
    /// The cursor for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// The follow funnel of one QR scene.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SceneCounts {
    /// Scans of the scene's code by users who already followed (`SCAN`).
    pub scans: u64,
    /// Follows through the scene's code (`subscribe` with `qrscene_…`).
    pub subscribes: u64,
    /// Unfollows of users whose latest follow was through the scene.
    pub unsubscribes: u64,
}

/// The answer to [`Registry::claim_idempotency_key`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The caller holds the key: it sends, then completes or releases the key.
    Claimed,
    /// Another claimant holds the key and has not finished.
    InFlight,
    /// The key's send finished; here is the result it stored.
    Done(String),
}

/// Where a follower import stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncProgress {
    /// The `next_openid` to continue `user/get` from.
    pub cursor: String,
    /// How many followers were imported so far.
    pub imported: u64,
}

/// What went wrong in a registry operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The registry URL could not be understood.
    #[error("invalid registry url: {0}")]
    InvalidUrl(String),
    /// An argument was out of range or unknown (a limit, a cursor, an idempotency key).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The database holds a schema this code does not know (written by a newer wxgate).
    #[error("{backend} registry has schema version {found}, newer than this build's {supported}")]
    SchemaTooNew {
        /// `sqlite` or `postgres`.
        backend: &'static str,
        /// The database's version.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// A stored value could not be read back.
    #[error("registry data is corrupt: {0}")]
    Corrupt(String),
    /// The database could not be reached or failed.
    #[error("{backend} registry failed: {message}")]
    Backend {
        /// `sqlite` or `postgres`.
        backend: &'static str,
        /// What the database said (never containing a password).
        message: String,
    },
}

/// A shared registry is a registry, so `Arc<dyn Registry>` can be passed where
/// `impl Registry` is expected.
#[async_trait]
impl<R> Registry for Arc<R>
where
    R: Registry + ?Sized,
{
    async fn upsert_follower(
        &self,
        account: &str,
        profile: &FollowerProfile,
    ) -> Result<Follower, RegistryError> {
        (**self).upsert_follower(account, profile).await
    }

    async fn record_subscribe(
        &self,
        account: &str,
        push: &Push,
        scene: Option<&str>,
        profile: Option<&FollowerProfile>,
    ) -> Result<SubscribeOutcome, RegistryError> {
        (**self)
            .record_subscribe(account, push, scene, profile)
            .await
    }

    async fn record_unsubscribe(&self, account: &str, push: &Push) -> Result<bool, RegistryError> {
        (**self).record_unsubscribe(account, push).await
    }

    async fn record_scan(
        &self,
        account: &str,
        push: &Push,
        scene: &str,
    ) -> Result<bool, RegistryError> {
        (**self).record_scan(account, push, scene).await
    }

    async fn follower(
        &self,
        account: &str,
        openid: &str,
    ) -> Result<Option<Follower>, RegistryError> {
        (**self).follower(account, openid).await
    }

    async fn follower_events(
        &self,
        account: &str,
        openid: &str,
    ) -> Result<Vec<FollowerEvent>, RegistryError> {
        (**self).follower_events(account, openid).await
    }

    async fn list_followers(
        &self,
        account: &str,
        filter: &FollowerFilter,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<FollowerPage, RegistryError> {
        (**self)
            .list_followers(account, filter, cursor, limit)
            .await
    }

    async fn count_followers(
        &self,
        account: &str,
        filter: &FollowerFilter,
    ) -> Result<u64, RegistryError> {
        (**self).count_followers(account, filter).await
    }

    async fn scene_counts(&self, account: &str, scene: &str) -> Result<SceneCounts, RegistryError> {
        (**self).scene_counts(account, scene).await
    }

    async fn claim_idempotency_key(
        &self,
        account: &str,
        key: &str,
        ttl: Duration,
    ) -> Result<Claim, RegistryError> {
        (**self).claim_idempotency_key(account, key, ttl).await
    }

    async fn complete_idempotency_key(
        &self,
        account: &str,
        key: &str,
        result: &str,
    ) -> Result<(), RegistryError> {
        (**self)
            .complete_idempotency_key(account, key, result)
            .await
    }

    async fn release_idempotency_key(
        &self,
        account: &str,
        key: &str,
    ) -> Result<bool, RegistryError> {
        (**self).release_idempotency_key(account, key).await
    }

    async fn save_sync_progress(
        &self,
        account: &str,
        progress: &SyncProgress,
    ) -> Result<(), RegistryError> {
        (**self).save_sync_progress(account, progress).await
    }

    async fn load_sync_progress(
        &self,
        account: &str,
    ) -> Result<Option<SyncProgress>, RegistryError> {
        (**self).load_sync_progress(account).await
    }

    async fn clear_sync_progress(&self, account: &str) -> Result<bool, RegistryError> {
        (**self).clear_sync_progress(account).await
    }
}

/// The follower columns a `record_subscribe` writes, from the push and the profile.
struct SubscribeFields {
    scene: Option<String>,
    unionid: Option<String>,
    subscribe_time: i64,
    subscribe_scene: Option<String>,
    tags: String,
    remark: String,
    has_profile: bool,
}

impl SubscribeFields {
    fn new(push: &Push, scene: Option<&str>, profile: Option<&FollowerProfile>) -> Self {
        let scene = scene
            .map(str::to_owned)
            .or_else(|| profile.and_then(|profile| profile.qr_scene.clone()));
        match profile {
            Some(profile) => Self {
                unionid: profile.unionid.clone(),
                subscribe_time: profile.subscribe_time.unwrap_or(push.create_time),
                subscribe_scene: profile.subscribe_scene.clone(),
                tags: encode_tags(&profile.tags),
                remark: profile.remark.clone(),
                has_profile: true,
                scene,
            },
            // Without `user/info`, the push says when, and whether through a QR code.
            None => Self {
                unionid: None,
                subscribe_time: push.create_time,
                subscribe_scene: scene.as_ref().map(|_| "ADD_SCENE_QR_CODE".to_owned()),
                tags: String::new(),
                remark: String::new(),
                has_profile: false,
                scene,
            },
        }
    }
}

/// Turns up to `limit + 1` rows into a page of `limit` and the cursor after it.
fn into_page(rows: &mut Vec<(i64, Follower)>, limit: i64) -> FollowerPage {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor = more
        .then(|| rows.last().map(|(seq, _)| encode_cursor(*seq)))
        .flatten();
    FollowerPage {
        followers: rows.drain(..).map(|(_, follower)| follower).collect(),
        next_cursor,
    }
}

/// Tags as stored: `,2,128,` (empty for none), so that `LIKE '%,2,%'` finds tag 2.
fn encode_tags(tags: &[u32]) -> String {
    if tags.is_empty() {
        return String::new();
    }
    let mut text = String::from(",");
    for tag in tags {
        text.push_str(&tag.to_string());
        text.push(',');
    }
    text
}

fn decode_tags(text: &str) -> Result<Vec<u32>, RegistryError> {
    text.split(',')
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse()
                .map_err(|_| RegistryError::Corrupt(format!("tag list `{text}`")))
        })
        .collect()
}

/// The `LIKE` pattern that finds a tag in [`encode_tags`]' text.
fn tag_pattern(tag: u32) -> String {
    format!("%,{tag},%")
}

/// Cursors are the first-seen sequence number of the last follower of a page, in a form that
/// tells them from other strings.
fn encode_cursor(seq: i64) -> String {
    format!("f1.{seq:x}")
}

fn decode_cursor(cursor: Option<&str>) -> Result<i64, RegistryError> {
    let Some(cursor) = cursor else {
        return Ok(0);
    };
    cursor
        .strip_prefix("f1.")
        .and_then(|hex| i64::from_str_radix(hex, 16).ok())
        .filter(|seq| *seq >= 0 && encode_cursor(*seq) == cursor)
        .ok_or_else(|| {
            RegistryError::InvalidArgument(
                "the follower cursor is not one this registry handed out".to_owned(),
            )
        })
}

fn check_limit(limit: u32) -> Result<i64, RegistryError> {
    if (1..=MAX_PAGE).contains(&limit) {
        Ok(i64::from(limit))
    } else {
        Err(RegistryError::InvalidArgument(format!(
            "the page limit must be 1 to {MAX_PAGE}, not {limit}"
        )))
    }
}

/// A TTL in whole milliseconds, at least 1, as a database integer.
fn ttl_ms(ttl: Duration) -> i64 {
    i64::try_from(crate::ttl_millis(ttl)).unwrap_or(i64::MAX)
}

fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::{decode_cursor, decode_tags, encode_cursor, encode_tags};

    #[test]
    fn tags_round_trip() {
        for tags in [vec![], vec![2], vec![128, 2, 0, u32::MAX]] {
            assert_eq!(decode_tags(&encode_tags(&tags)).unwrap(), tags);
        }
        assert_eq!(encode_tags(&[2, 128]), ",2,128,");
        assert!(decode_tags(",x,").is_err());
    }

    #[test]
    fn cursors_round_trip_and_strangers_are_refused() {
        assert_eq!(decode_cursor(None).unwrap(), 0);
        for seq in [0, 1, 255, i64::MAX] {
            assert_eq!(decode_cursor(Some(&encode_cursor(seq))).unwrap(), seq);
        }
        for bad in ["", "12", "f1.", "f1.-1", "f1.0A", "f1.00a", "f2.1", "f1.zz"] {
            assert!(decode_cursor(Some(bad)).is_err(), "{bad}");
        }
    }
}
