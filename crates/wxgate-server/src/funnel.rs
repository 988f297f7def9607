//! The follow funnel: every `subscribe`, `unsubscribe` and `SCAN` push goes into the account's
//! follower registry before its handler runs.
//!
//! A `subscribe` fetches the user's profile (`user/info`, see
//! [WeChat Docs/获取用户基本信息](https://developers.weixin.qq.com/doc/offiaccount/User_Management/Get_users_basic_information_UnionID.html))
//! and records the follow with the QR scene of its `EventKey` (`qrscene_…` without the prefix);
//! an `unsubscribe` marks the follower gone; a `SCAN` counts a scan of the scene. See
//! [WeChat Docs/接收事件推送](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_event_pushes.html).
//!
//! WeChat is waiting meanwhile, so each step is bounded: `user/info` and each registry call get
//! at most [`MAX_STEP`], and never more than a quarter of the callback deadline. Nothing is
//! lost when a step fails or runs out of time: what could not be done now (the push's record,
//! or only the profile) goes on the durable store queue [`QUEUE`], which [`run`] (started by
//! `Gateway::spawn_workers`) works through with back-off. The registry records each push at
//! most once (by sender and `CreateTime`), so a job that is done twice, or a push that WeChat
//! retries, counts once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use wxgate_api::endpoint::user::UserInfo;
use wxgate_api::endpoint::user::info;
use wxgate_proto::backoff::Backoff;
use wxgate_proto::event::Event;
use wxgate_store::registry::{EventKind, FollowerProfile, Push, Registry, qr_scene_text};
use wxgate_store::{Job, Store};

use crate::app::{Account, Shared};
use crate::handler::Incoming;

/// The store queue of registry work left over from the callback path.
pub(crate) const QUEUE: &str = "registry";

/// The longest wait for `user/info` and for each registry call on the callback path.
const MAX_STEP: Duration = Duration::from_secs(1);
/// How long a worker holds a claimed job before another worker may take it.
const LEASE: Duration = Duration::from_secs(30);
/// How long one job's `user/info` or registry call may take in the worker.
const WORKER_CALL: Duration = Duration::from_secs(10);
/// Attempts before a job that keeps failing is buried (its reason kept in the dead list).
const MAX_ATTEMPTS: u32 = 12;
/// Wait between polls of an empty queue.
const IDLE: Duration = Duration::from_millis(250);
/// Retries of a failed job: up to 1 s after the first failure, doubling up to 5 minutes.
const BACKOFF: Backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(300));
/// Jobs held in memory at most while the store cannot take them.
const MAX_HELD: u64 = 100_000;

/// Jobs held in this process because the store could not take them.
static HELD: AtomicU64 = AtomicU64::new(0);

/// Registry work that could not be finished while WeChat waited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Pending {
    /// Record a `subscribe` push, fetching the profile first.
    Subscribe {
        account: String,
        openid: String,
        create_time: i64,
        scene: Option<String>,
    },
    /// Record an `unsubscribe` push.
    Unsubscribe {
        account: String,
        openid: String,
        create_time: i64,
    },
    /// Record a `SCAN` push.
    Scan {
        account: String,
        openid: String,
        create_time: i64,
        scene: String,
    },
    /// Fill the profile of a follower whose follow is recorded without one.
    Profile { account: String, openid: String },
}

impl Pending {
    fn account(&self) -> &str {
        match self {
            Self::Subscribe { account, .. }
            | Self::Unsubscribe { account, .. }
            | Self::Scan { account, .. }
            | Self::Profile { account, .. } => account,
        }
    }
}

/// The bound of one step on the callback path: [`MAX_STEP`], or a quarter of the callback
/// deadline if that is shorter.
fn step_bound(shared: &Shared) -> Duration {
    MAX_STEP.min(shared.deadline / 4)
}

/// Records a push that won the de-dup claim in the follower registry, before its handler runs:
/// `subscribe`, `unsubscribe` and `SCAN`; any other push is left alone (no registry call, no
/// allocation). What the registry does not take in time is queued for the worker. Webhooks read
/// the follower themselves when they need it.
pub(crate) async fn record(shared: &Arc<Shared>, account: &Account, incoming: &Incoming) {
    let Some(event @ (Event::Subscribe(_) | Event::Unsubscribe | Event::Scan(_))) =
        incoming.event()
    else {
        return;
    };
    let bound = step_bound(shared);
    let account_id = account.id.to_string();
    let openid = incoming.from_user_name.as_str().to_owned();
    let create_time = i64::try_from(incoming.create_time).unwrap_or(i64::MAX);
    let push = Push::new(openid.as_str(), create_time);
    let registry = shared.registry.as_ref();
    match event {
        Event::Subscribe(subscribe) => {
            let scene = subscribe.scene().map(str::to_owned);
            let profile = fetch_profile(shared, &account_id, &openid, bound).await;
            let recorded = tokio::time::timeout(
                bound,
                registry.record_subscribe(&account_id, &push, scene.as_deref(), profile.as_ref()),
            )
            .await;
            match recorded {
                Ok(Ok(outcome)) => {
                    if profile.is_none() && outcome.recorded {
                        queue(
                            shared,
                            Pending::Profile {
                                account: account_id,
                                openid,
                            },
                        )
                        .await;
                    }
                }
                failed => {
                    warn_failed(&account_id, "subscribe", failed.map(|r| r.map(|_| ())));
                    queue(
                        shared,
                        Pending::Subscribe {
                            account: account_id,
                            openid,
                            create_time,
                            scene,
                        },
                    )
                    .await;
                }
            }
        }
        Event::Unsubscribe => {
            let recorded =
                tokio::time::timeout(bound, registry.record_unsubscribe(&account_id, &push)).await;
            match recorded {
                Ok(Ok(_)) => {}
                failed => {
                    warn_failed(&account_id, "unsubscribe", failed.map(|r| r.map(|_| ())));
                    queue(
                        shared,
                        Pending::Unsubscribe {
                            account: account_id,
                            openid,
                            create_time,
                        },
                    )
                    .await;
                }
            }
        }
        Event::Scan(scan) => {
            let scene = scan.event_key.clone();
            let recorded =
                tokio::time::timeout(bound, registry.record_scan(&account_id, &push, &scene)).await;
            match recorded {
                Ok(Ok(_)) => {}
                failed => {
                    warn_failed(&account_id, "SCAN", failed.map(|r| r.map(|_| ())));
                    queue(
                        shared,
                        Pending::Scan {
                            account: account_id,
                            openid,
                            create_time,
                            scene,
                        },
                    )
                    .await;
                }
            }
        }
        _ => {}
    }
}

fn warn_failed(
    account: &str,
    event: &str,
    failed: Result<Result<(), wxgate_store::registry::RegistryError>, tokio::time::error::Elapsed>,
) {
    match failed {
        Ok(Err(error)) => {
            tracing::warn!(account, event, %error, "the registry failed; the push is queued for it");
        }
        Err(_) => {
            tracing::warn!(
                account,
                event,
                "the registry did not answer in time; the push is queued for it"
            );
        }
        Ok(Ok(())) => {}
    }
}

/// `user/info` within `bound`; `None` if it failed or took longer.
async fn fetch_profile(
    shared: &Shared,
    account: &str,
    openid: &str,
    bound: Duration,
) -> Option<FollowerProfile> {
    let credentials = match shared.credentials.get(account) {
        Some(credentials) => credentials.clone(),
        None => tokio::time::timeout(
            bound,
            crate::component::authorizer_credentials(shared, account),
        )
        .await
        .ok()?
        .ok()
        .flatten()?,
    };
    match tokio::time::timeout(bound, credentials.call(&info::Request::new(openid))).await {
        Ok(Ok(info)) => Some(profile(info)),
        Ok(Err(error)) => {
            tracing::info!(account, %error, "user/info failed; the profile is queued for later");
            None
        }
        Err(_) => {
            tracing::info!(
                account,
                bound_ms = bound.as_millis() as u64,
                "user/info did not answer in time; the profile is queued for later"
            );
            None
        }
    }
}

/// The registry's form of a `user/info` answer.
pub(crate) fn profile(info: UserInfo) -> FollowerProfile {
    let qr_scene = qr_scene_text(
        info.qr_scene.unwrap_or(0),
        info.qr_scene_str.as_deref().unwrap_or_default(),
    );
    FollowerProfile {
        openid: info.openid.as_str().to_owned(),
        unionid: info.unionid.filter(|u| !u.is_empty()),
        subscribed: info.subscribe,
        subscribe_time: info.subscribe_time.and_then(|t| i64::try_from(t).ok()),
        subscribe_scene: info.subscribe_scene.filter(|s| !s.is_empty()),
        qr_scene,
        tags: info.tagid_list,
        remark: info.remark,
    }
}

/// Puts `pending` on the queue; if the store does not take it now, holds it in this process
/// and keeps trying with back-off (a restart loses held jobs; `MAX_HELD` bounds them).
async fn queue(shared: &Arc<Shared>, pending: Pending) {
    let payload = match serde_json::to_vec(&pending) {
        Ok(payload) => payload,
        Err(error) => {
            tracing::error!(%error, "could not serialise registry work");
            return;
        }
    };
    let bound = step_bound(shared);
    let store = Arc::clone(&shared.store);
    if let Ok(Ok(_)) =
        tokio::time::timeout(bound, store.push_job(QUEUE, &payload, Duration::ZERO)).await
    {
        return;
    }
    if HELD.fetch_add(1, Ordering::Relaxed) >= MAX_HELD {
        HELD.fetch_sub(1, Ordering::Relaxed);
        tracing::error!(
            account = pending.account(),
            "could not queue registry work and too much is held already; it is lost"
        );
        return;
    }
    tracing::warn!(
        account = pending.account(),
        "could not queue registry work; holding it until the store answers"
    );
    tokio::spawn(async move {
        let mut wait = Duration::from_millis(250);
        loop {
            tokio::time::sleep(wait).await;
            if let Ok(Ok(_)) =
                tokio::time::timeout(WORKER_CALL, store.push_job(QUEUE, &payload, Duration::ZERO))
                    .await
            {
                break;
            }
            wait = (wait * 2).min(Duration::from_secs(10));
        }
        HELD.fetch_sub(1, Ordering::Relaxed);
    });
}

/// Works through [`QUEUE`] forever.
pub(crate) async fn run(shared: Arc<Shared>) {
    loop {
        match shared.store.claim_job(QUEUE, LEASE).await {
            Ok(Some(job)) => work(&shared, &job).await,
            Ok(None) => tokio::time::sleep(IDLE).await,
            Err(error) => {
                tracing::warn!(%error, "cannot read the registry queue");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Why a job did not finish.
enum Failure {
    /// Worth trying again later.
    Transient(String),
    /// Trying again cannot help.
    Permanent(String),
}

async fn work(shared: &Arc<Shared>, job: &Job) {
    let store: &dyn Store = shared.store.as_ref();
    let outcome = match serde_json::from_slice::<Pending>(&job.payload) {
        Ok(pending) => perform(shared, pending).await,
        Err(error) => Err(Failure::Permanent(format!("not registry work: {error}"))),
    };
    let result = match outcome {
        Ok(()) => store.complete_job(QUEUE, &job.id).await,
        Err(Failure::Transient(reason)) if job.attempts < MAX_ATTEMPTS => {
            let delay = BACKOFF.delay(job.attempts, &mut rand::rng());
            tracing::info!(job = %job.id, attempts = job.attempts, ?delay, reason, "registry work failed; will retry");
            store.retry_job(QUEUE, &job.id, delay).await
        }
        Err(Failure::Transient(reason) | Failure::Permanent(reason)) => {
            tracing::error!(job = %job.id, attempts = job.attempts, reason, "registry work given up");
            store.bury_job(QUEUE, &job.id, &reason).await
        }
    };
    if let Err(error) = result {
        // The claim runs out and the job comes back: recording is idempotent per push.
        tracing::warn!(job = %job.id, %error, "could not settle registry work");
    }
}

/// Does one job: records the push, or fills the profile.
async fn perform(shared: &Arc<Shared>, pending: Pending) -> Result<(), Failure> {
    let registry = shared.registry.as_ref();
    match pending {
        Pending::Subscribe {
            account,
            openid,
            create_time,
            scene,
        } => {
            // Without a profile now, the follow is recorded all the same and the profile
            // queued on its own.
            // A user who unfollowed meanwhile has no profile to tell.
            let profile = user_info(shared, &account, &openid)
                .await
                .ok()
                .filter(|profile| profile.subscribed);
            let push = Push::new(openid.as_str(), create_time);
            let outcome = bounded(registry.record_subscribe(
                &account,
                &push,
                scene.as_deref(),
                profile.as_ref(),
            ))
            .await?;
            if outcome.recorded {
                reconcile(registry, &account, &openid).await?;
            }
            if profile.is_none() && outcome.recorded {
                queue(shared, Pending::Profile { account, openid }).await;
            }
            Ok(())
        }
        Pending::Unsubscribe {
            account,
            openid,
            create_time,
        } => {
            let push = Push::new(openid.as_str(), create_time);
            if bounded(registry.record_unsubscribe(&account, &push)).await? {
                reconcile(registry, &account, &openid).await?;
            }
            Ok(())
        }
        Pending::Scan {
            account,
            openid,
            create_time,
            scene,
        } => {
            let push = Push::new(openid, create_time);
            bounded(registry.record_scan(&account, &push, &scene))
                .await
                .map(drop)
        }
        Pending::Profile { account, openid } => {
            let profile = user_info(shared, &account, &openid).await?;
            if !profile.subscribed {
                // Unfollowed meanwhile: WeChat no longer tells the profile, and the unfollow
                // is the registry's to record from its push.
                return Ok(());
            }
            bounded(registry.upsert_follower(&account, &profile))
                .await
                .map(drop)
        }
    }
}

/// After a queued follow or unfollow is recorded late, makes the follower's state that of its
/// latest push by `CreateTime`: a push recorded late may be older than one recorded meanwhile
/// (an unfollow recorded at once while the follow before it waited on the queue), and the
/// registry applies pushes in the order it records them. Equal times are left as they are.
async fn reconcile(registry: &dyn Registry, account: &str, openid: &str) -> Result<(), Failure> {
    let events = bounded(registry.follower_events(account, openid)).await?;
    let latest = |kind: EventKind| {
        events
            .iter()
            .filter(|event| event.kind == kind)
            .map(|event| event.create_time)
            .max()
    };
    let should_follow = match (latest(EventKind::Subscribe), latest(EventKind::Unsubscribe)) {
        (Some(follow), Some(unfollow)) if follow != unfollow => follow > unfollow,
        _ => return Ok(()),
    };
    let Some(follower) = bounded(registry.follower(account, openid)).await? else {
        return Ok(());
    };
    if follower.subscribed == should_follow {
        return Ok(());
    }
    tracing::info!(
        account,
        subscribed = should_follow,
        "a push recorded late was older than the follower's latest; state restored"
    );
    let profile = FollowerProfile {
        openid: follower.openid,
        unionid: follower.unionid,
        subscribed: should_follow,
        subscribe_time: follower.subscribe_time,
        subscribe_scene: follower.subscribe_scene,
        qr_scene: follower.qr_scene,
        tags: follower.tags,
        remark: follower.remark,
    };
    bounded(registry.upsert_follower(account, &profile))
        .await
        .map(drop)
}

async fn bounded<T>(
    call: impl Future<Output = Result<T, wxgate_store::registry::RegistryError>>,
) -> Result<T, Failure> {
    match tokio::time::timeout(WORKER_CALL, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(Failure::Transient(error.to_string())),
        Err(_) => Err(Failure::Transient(format!(
            "the registry did not answer within {} s",
            WORKER_CALL.as_secs()
        ))),
    }
}

/// `user/info` for the worker: a refusal that names the user as unknown (40003) or an account
/// no longer configured is permanent.
async fn user_info(
    shared: &Shared,
    account: &str,
    openid: &str,
) -> Result<FollowerProfile, Failure> {
    let credentials = shared
        .credentials
        .get(account)
        .ok_or_else(|| Failure::Permanent(format!("account {account:?} is not configured")))?;
    match tokio::time::timeout(WORKER_CALL, credentials.call(&info::Request::new(openid))).await {
        Ok(Ok(info)) => Ok(profile(info)),
        Ok(Err(error)) if error.errcode().is_some_and(|code| code.code() == 40003) => {
            Err(Failure::Permanent(format!("user/info: {error}")))
        }
        Ok(Err(error)) => Err(Failure::Transient(format!("user/info: {error}"))),
        Err(_) => Err(Failure::Transient(format!(
            "user/info did not answer within {} s",
            WORKER_CALL.as_secs()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_work_round_trips_as_json() {
        let jobs = [
            Pending::Subscribe {
                account: "main".into(),
                openid: "o1".into(),
                create_time: 1_700_000_000,
                scene: Some("table-7".into()),
            },
            Pending::Unsubscribe {
                account: "main".into(),
                openid: "o1".into(),
                create_time: 1,
            },
            Pending::Scan {
                account: "main".into(),
                openid: "o1".into(),
                create_time: 2,
                scene: "42".into(),
            },
            Pending::Profile {
                account: "main".into(),
                openid: "o1".into(),
            },
        ];
        for job in jobs {
            let json = serde_json::to_vec(&job).unwrap();
            assert_eq!(serde_json::from_slice::<Pending>(&json).unwrap(), job);
            assert_eq!(job.account(), "main");
        }
    }

    #[test]
    fn a_profile_takes_the_string_scene_else_the_numeric_one() {
        let info: UserInfo = serde_json::from_value(serde_json::json!({
            "subscribe": 1, "openid": "o1", "subscribe_time": 1_700_000_000,
            "unionid": "", "remark": "vip", "tagid_list": [2, 101],
            "subscribe_scene": "ADD_SCENE_QR_CODE", "qr_scene": 98765, "qr_scene_str": ""
        }))
        .unwrap();
        let profile = profile(info);
        assert_eq!(profile.qr_scene.as_deref(), Some("98765"));
        assert_eq!(profile.unionid, None);
        assert!(profile.subscribed);
        assert_eq!(profile.tags, [2, 101]);
        assert_eq!(profile.subscribe_time, Some(1_700_000_000));
    }

    #[tokio::test]
    async fn a_follow_recorded_after_a_later_unfollow_leaves_the_follower_gone() {
        let registry = wxgate_store::registry::open("sqlite::memory:")
            .await
            .unwrap();
        let registry: &dyn Registry = registry.as_ref();
        // The unfollow at t=20 is recorded first, the follow at t=10 after it.
        registry
            .record_unsubscribe("main", &Push::new("o1", 20))
            .await
            .unwrap();
        let late = registry
            .record_subscribe("main", &Push::new("o1", 10), Some("table-1"), None)
            .await
            .unwrap();
        assert!(
            late.follower.subscribed,
            "the registry applies pushes as recorded"
        );
        assert!(reconcile(registry, "main", "o1").await.is_ok());
        let follower = registry.follower("main", "o1").await.unwrap().unwrap();
        assert!(!follower.subscribed);
        assert_eq!(follower.qr_scene.as_deref(), Some("table-1"));

        // A follow at t=30 recorded before the unfollow at t=25: following.
        registry
            .record_subscribe("main", &Push::new("o2", 30), None, None)
            .await
            .unwrap();
        registry
            .record_unsubscribe("main", &Push::new("o2", 25))
            .await
            .unwrap();
        assert!(reconcile(registry, "main", "o2").await.is_ok());
        assert!(
            registry
                .follower("main", "o2")
                .await
                .unwrap()
                .unwrap()
                .subscribed
        );
        // In order: nothing changes.
        assert!(reconcile(registry, "main", "o2").await.is_ok());
        assert!(
            registry
                .follower("main", "o2")
                .await
                .unwrap()
                .unwrap()
                .subscribed
        );
    }

    #[test]
    fn backoff_starts_within_a_second() {
        assert_eq!(BACKOFF.ceiling(1), Duration::from_secs(1));
        assert!(BACKOFF.ceiling(MAX_ATTEMPTS) <= Duration::from_secs(300));
    }
}
