//! Delivering deferred replies through the customer-service API (see [WeChat Docs/客服消息](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html)).
//!
//! A worker claims jobs from the durable queue, sends each with the account's credentials and
//! completes it; transient failures are retried with exponential back-off, permanent ones (the
//! user left the 48-hour window, unfollowed, …) are buried with the reason. A crash mid-send
//! loses nothing: the claim runs out and the job is claimed again.
//!
//! Delivery is therefore **at-least-once**: a process killed after WeChat accepted a message
//! but before the job was completed sends it again once the claim runs out. The window is kept
//! narrow: the job is completed the moment WeChat answers, before anything else (retrying the
//! completion briefly if the store falters), and a job this process already sent is never sent
//! again by it. The claim is short (`server.deferred_claim_ms`, 15 s by default) so that the
//! reply of a killed process goes out again soon, and renewed every third of it while the
//! worker fetches the token and sends, so a slow send is not claimed and sent by another
//! worker meanwhile; a worker that finds its claim lost before sending does not send. A re-send
//! that WeChat refuses is reported as such, not as a lost reply: the earlier attempt may well
//! have been delivered.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use wxgate_api::endpoint::message::custom::send::{self, Message};
use wxgate_api::{Credentials, ErrCode};
use wxgate_proto::backoff::Backoff;
use wxgate_proto::reply::Reply;
use wxgate_store::{Job, JobId, Store};

use crate::app::Shared;
use crate::deferred::{DeferredReply, QUEUE};

/// When the store cannot say whether a claim still holds, the worker sends only if, by its
/// own clock, the claim has at least this long left.
const CLAIM_MARGIN: Duration = Duration::from_secs(1);
/// Attempts before a job that keeps failing transiently is buried.
const MAX_ATTEMPTS: u32 = 8;
/// Wait between polls of an empty queue.
const IDLE: Duration = Duration::from_millis(250);
/// Jobs this process sent whose completion the store may not have taken, remembered at most.
const SENT_MEMORY: usize = 10_000;
/// Attempts at completing a job WeChat accepted, before leaving it to the claim's expiry.
const COMPLETE_ATTEMPTS: u32 = 3;

/// Jobs this process has sent, so that one it could not complete is not sent again by it.
#[derive(Debug, Default)]
struct Sent {
    ids: HashSet<JobId>,
    order: VecDeque<JobId>,
}

impl Sent {
    fn insert(&mut self, id: JobId) {
        if self.ids.insert(id.clone()) {
            self.order.push_back(id);
            while self.order.len() > SENT_MEMORY {
                if let Some(old) = self.order.pop_front() {
                    self.ids.remove(&old);
                }
            }
        }
    }

    fn contains(&self, id: &JobId) -> bool {
        self.ids.contains(id)
    }
}

/// Runs the delivery loop forever.
pub(crate) async fn run(shared: Arc<Shared>) {
    let lease = Duration::from_millis(shared.config.server.deferred_claim_ms);
    let mut sent = Sent::default();
    loop {
        let asked = Instant::now();
        match shared.store.claim_job(QUEUE, lease).await {
            Ok(Some(job)) => {
                let claim = Claim::new(shared.store.as_ref(), QUEUE, job, lease, asked);
                deliver(&shared, &claim, &mut sent).await;
            }
            Ok(None) => tokio::time::sleep(IDLE).await,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the deferred-reply queue");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// A worker's claim on a job: renewed while it works on the job, checked before it sends.
/// Shared with the webhook workers.
pub(crate) struct Claim<'a> {
    store: &'a dyn Store,
    queue: &'a str,
    pub(crate) job: Job,
    lease: Duration,
    /// Until when the claim surely holds, by this process's clock: the lease counted from
    /// before the last claim or renewal the store granted.
    held_until: Mutex<Instant>,
    /// A renewal found the job claimed by another worker (or no longer claimed).
    lost: AtomicBool,
}

impl<'a> Claim<'a> {
    pub(crate) fn new(
        store: &'a dyn Store,
        queue: &'a str,
        job: Job,
        lease: Duration,
        asked: Instant,
    ) -> Self {
        Self {
            store,
            queue,
            job,
            lease,
            held_until: Mutex::new(asked + lease),
            lost: AtomicBool::new(false),
        }
    }

    /// The store the job is in.
    pub(crate) fn store(&self) -> &'a dyn Store {
        self.store
    }

    /// Renews the claim: `Some(true)` renewed, `Some(false)` lost, `None` the store failed.
    async fn renew(&self) -> Option<bool> {
        let asked = Instant::now();
        match self
            .store
            .renew_job(self.queue, &self.job, self.lease)
            .await
        {
            Ok(true) => {
                *self
                    .held_until
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = asked + self.lease;
                Some(true)
            }
            Ok(false) => {
                self.lost.store(true, Ordering::Relaxed);
                Some(false)
            }
            Err(e) => {
                tracing::warn!(job = %self.job.id, error = %e, "could not renew the claim on a deferred reply");
                None
            }
        }
    }

    /// Whether the claim still holds, right before sending: asked of the store, or, if the
    /// store does not answer, whether the last claim or renewal it granted has time left.
    pub(crate) async fn confirm(&self) -> bool {
        match self.renew().await {
            Some(held) => held,
            None => {
                Instant::now() + CLAIM_MARGIN
                    < *self
                        .held_until
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
            }
        }
    }

    pub(crate) fn is_lost(&self) -> bool {
        self.lost.load(Ordering::Relaxed)
    }

    /// Runs `work` to its end, renewing the claim every third of its lease meanwhile (until a
    /// renewal finds it lost: then `work` still finishes, and [`Claim::is_lost`] says so).
    pub(crate) async fn hold_while<F: Future>(&self, work: F) -> F::Output {
        let renewals = async {
            loop {
                tokio::time::sleep(self.lease / 3).await;
                if self.renew().await == Some(false) {
                    return;
                }
            }
        };
        let mut work = std::pin::pin!(work);
        tokio::select! {
            output = &mut work => output,
            () = renewals => work.await,
        }
    }
}

/// Why a delivery attempt did not reach WeChat's acceptance.
enum Failure {
    /// Another worker holds the job now; this one did not send.
    ClaimLost,
    /// The token or the send failed.
    Api(wxgate_api::Error),
}

async fn deliver(shared: &Shared, claim: &Claim<'_>, sent: &mut Sent) {
    let store: &dyn Store = shared.store.as_ref();
    let job = &claim.job;
    if sent.contains(&job.id) {
        // Sent by this process already; only its completion was lost.
        complete(store, job).await;
        return;
    }
    let Ok(deferred) = serde_json::from_slice::<DeferredReply>(&job.payload) else {
        bury(store, job, "payload is not a deferred reply").await;
        return;
    };
    // A configured account, or an account that authorized one of the components.
    let credentials = match shared.credentials.get(&deferred.account) {
        Some(credentials) => credentials.clone(),
        None => match crate::component::authorizer_credentials(shared, &deferred.account).await {
            Ok(Some(credentials)) => credentials,
            Ok(None) => {
                bury(store, job, "account no longer configured nor authorized").await;
                return;
            }
            Err(error) => {
                let delay = backoff(job.attempts);
                tracing::warn!(account = %deferred.account, %error, ?delay, "authorizer lookup failed; the deferred reply will be retried");
                if let Err(e) = store.retry_job(QUEUE, &job.id, delay).await {
                    tracing::warn!(error = %e, "could not reschedule a deferred reply");
                }
                return;
            }
        },
    };
    let Some(message) = to_custom(&deferred.reply) else {
        bury(
            store,
            job,
            "this reply type has no customer-service equivalent",
        )
        .await;
        return;
    };
    let attempt = claim
        .hold_while(async {
            // The token first: fetching it may take a while, and the claim is checked after.
            credentials.access_token().await.map_err(Failure::Api)?;
            if !claim.confirm().await {
                return Err(Failure::ClaimLost);
            }
            send(&credentials, &deferred, message)
                .await
                .map_err(Failure::Api)
        })
        .await;
    match attempt {
        Ok(()) => {
            // Sent: record it before anything else.
            sent.insert(job.id.clone());
            complete(store, job).await;
            if claim.is_lost() {
                tracing::warn!(job = %job.id, "a deferred reply was sent after its claim was lost; another worker may send it too");
            }
            tracing::info!(account = %deferred.account, attempts = job.attempts, "deferred reply delivered");
        }
        Err(Failure::ClaimLost) => {
            tracing::info!(job = %job.id, "the claim on a deferred reply was lost before sending; left to the worker that holds it");
        }
        Err(Failure::Api(error)) if claim.is_lost() => {
            // Not ours to retry or bury any more: that would disturb the claim of another worker.
            tracing::warn!(job = %job.id, %error, "a deferred reply failed after its claim was lost; left to the worker that holds it");
        }
        Err(Failure::Api(error)) if is_permanent(&error) && job.attempts > 1 => {
            // An earlier claim may have sent it and been killed before completing the job;
            // WeChat's refusal of the re-send says nothing about the reply being lost.
            tracing::warn!(job = %job.id, attempts = job.attempts, %error, "a re-sent deferred reply was refused; an earlier attempt may have delivered it");
            let reason =
                format!("re-send refused (an earlier attempt may have delivered it): {error}");
            if let Err(e) = store.bury_job(QUEUE, &job.id, &reason).await {
                tracing::warn!(error = %e, "could not bury a deferred reply");
            }
        }
        Err(Failure::Api(error)) if is_permanent(&error) || job.attempts >= MAX_ATTEMPTS => {
            bury(store, job, &error.to_string()).await;
        }
        Err(Failure::Api(error)) => {
            let delay = backoff(job.attempts);
            tracing::warn!(account = %deferred.account, attempts = job.attempts, ?delay, %error, "deferred reply failed; will retry");
            if let Err(e) = store.retry_job(QUEUE, &job.id, delay).await {
                tracing::warn!(error = %e, "could not reschedule a deferred reply");
            }
        }
    }
}

async fn send(
    credentials: &Credentials,
    deferred: &DeferredReply,
    message: Message,
) -> Result<(), wxgate_api::Error> {
    credentials
        .send_custom_message(&send::Request::new(deferred.to_user.as_str(), message))
        .await
}

/// Completes a job WeChat accepted, retrying briefly: until it is completed, a claim that runs
/// out hands it to another worker, which sends it again.
async fn complete(store: &dyn Store, job: &Job) {
    for attempt in 1..=COMPLETE_ATTEMPTS {
        match store.complete_job(QUEUE, &job.id).await {
            Ok(()) | Err(wxgate_store::StoreError::UnknownJob(_)) => return,
            Err(e) if attempt == COMPLETE_ATTEMPTS => {
                tracing::warn!(job = %job.id, error = %e, "could not complete a delivered job; another process may send it again");
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200) * attempt).await,
        }
    }
}

async fn bury(store: &dyn Store, job: &Job, reason: &str) {
    tracing::error!(job = %job.id, attempts = job.attempts, reason, "deferred reply given up");
    if let Err(e) = store.bury_job(QUEUE, &job.id, reason).await {
        tracing::warn!(error = %e, "could not bury a deferred reply");
    }
}

/// Errors that retrying cannot fix.
fn is_permanent(error: &wxgate_api::Error) -> bool {
    error.errcode().is_some_and(|code| {
        matches!(
            code.code(),
            40003 | 43004 | 43019 | 45015 | 45047 | 48001 | 48002 | 40007 | 45002 | 45008
        ) || code == ErrCode::from(48004)
    })
}

/// Redelivery waits: up to 2 s after the first failure, doubling up to 512 s, with full jitter.
const BACKOFF: Backoff = Backoff::new(Duration::from_secs(2), Duration::from_secs(512));

fn backoff(attempts: u32) -> Duration {
    BACKOFF.delay(attempts, &mut rand::rng())
}

/// The customer-service message that carries the same content as a passive reply.
pub(crate) fn to_custom(reply: &Reply) -> Option<Message> {
    Some(match reply {
        Reply::Text { content } => Message::text(content.as_str()),
        Reply::Image { media_id } => Message::image(media_id.as_str()),
        Reply::Voice { media_id } => Message::voice(media_id.as_str()),
        Reply::Video {
            media_id,
            title,
            description,
        } => Message::Video(send::Video {
            media_id: media_id.as_str().into(),
            // A passive video reply has no thumbnail; the video's own media stands in.
            thumb_media_id: media_id.as_str().into(),
            title: title.clone(),
            description: description.clone(),
        }),
        Reply::Music {
            title,
            description,
            music_url,
            hq_music_url,
            thumb_media_id,
        } => Message::Music(send::Music {
            title: title.clone(),
            description: description.clone(),
            music_url: music_url.clone().unwrap_or_default(),
            hq_music_url: hq_music_url
                .clone()
                .or_else(|| music_url.clone())
                .unwrap_or_default(),
            thumb_media_id: thumb_media_id.as_str().into(),
        }),
        // WeChat shows one article in a customer-service news message.
        Reply::News { articles } => Message::News(send::News {
            articles: articles.iter().take(1).cloned().collect(),
        }),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use wxgate_proto::reply::Article;

    use super::*;

    #[test]
    fn every_deliverable_reply_maps() {
        let replies = [
            Reply::text("hi"),
            Reply::Image {
                media_id: "m".into(),
            },
            Reply::Voice {
                media_id: "m".into(),
            },
            Reply::Video {
                media_id: "m".into(),
                title: None,
                description: Some("d".into()),
            },
            Reply::Music {
                title: None,
                description: None,
                music_url: Some("http://m".into()),
                hq_music_url: None,
                thumb_media_id: "t".into(),
            },
            Reply::news(Article {
                title: "t".into(),
                ..Article::default()
            }),
        ];
        for reply in &replies {
            let message = to_custom(reply).unwrap_or_else(|| panic!("{reply:?}"));
            assert_eq!(message.msgtype(), reply.msg_type());
        }
        assert!(to_custom(&Reply::TransferCustomerService { kf_account: None }).is_none());
    }

    #[test]
    fn sent_jobs_are_remembered_up_to_a_bound() {
        let mut sent = Sent::default();
        for i in 0..SENT_MEMORY + 5 {
            sent.insert(JobId(i.to_string()));
        }
        assert!(!sent.contains(&JobId("0".into())));
        assert!(sent.contains(&JobId((SENT_MEMORY + 4).to_string())));
        assert_eq!(sent.ids.len(), SENT_MEMORY);
    }

    #[tokio::test]
    async fn a_job_is_completed_once_sent_even_after_its_claim_ran_out() {
        let store = wxgate_store::MemoryStore::new();
        store.push_job(QUEUE, b"{}", Duration::ZERO).await.unwrap();
        let job = store
            .claim_job(QUEUE, Duration::from_millis(1))
            .await
            .unwrap()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        complete(&store, &job).await;
        assert_eq!(store.queue_len(QUEUE).await.unwrap(), 0);
    }

    /// A memory store on tokio's clock, so that paused time drives its leases too, with one job
    /// claimed for `lease`.
    async fn claimed(lease: Duration) -> (wxgate_store::MemoryStore, Job, Instant) {
        let store =
            wxgate_store::MemoryStore::with_clock(|| tokio::time::Instant::now().into_std());
        store.push_job(QUEUE, b"{}", Duration::ZERO).await.unwrap();
        let asked = Instant::now();
        let job = store.claim_job(QUEUE, lease).await.unwrap().unwrap();
        (store, job, asked)
    }

    #[tokio::test(start_paused = true)]
    async fn a_claim_is_renewed_while_the_work_outlasts_its_lease() {
        let lease = Duration::from_secs(15);
        let (store, job, asked) = claimed(lease).await;
        let claim = Claim::new(&store, QUEUE, job, lease, asked);
        claim.hold_while(tokio::time::sleep(lease * 4)).await;
        assert!(!claim.is_lost());
        assert!(
            store.claim_job(QUEUE, lease).await.unwrap().is_none(),
            "still hidden from other workers after four leases of work"
        );
        assert!(claim.confirm().await);

        // Without renewals the lease runs out and another worker takes the job.
        tokio::time::sleep(lease).await;
        let other = store.claim_job(QUEUE, lease).await.unwrap().unwrap();
        assert_eq!(other.attempts, 2);
        assert!(!claim.confirm().await, "the claim is lost: do not send");
        assert!(claim.is_lost());
    }

    #[tokio::test(start_paused = true)]
    async fn a_renewal_that_finds_the_claim_lost_lets_the_work_finish() {
        let lease = Duration::from_secs(15);
        let (store, job, asked) = claimed(lease).await;
        let claim = Claim::new(&store, QUEUE, job.clone(), lease, asked);
        let finished = claim
            .hold_while(async {
                // Another worker finishes the job meanwhile.
                store.complete_job(QUEUE, &job.id).await.unwrap();
                tokio::time::sleep(lease * 2).await;
                "finished"
            })
            .await;
        assert_eq!(finished, "finished");
        assert!(claim.is_lost());
    }

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(BACKOFF.ceiling(1), Duration::from_secs(2));
        assert_eq!(BACKOFF.ceiling(5), Duration::from_secs(32));
        assert_eq!(BACKOFF.ceiling(30), Duration::from_secs(512));
        for attempts in [1, 5, 30] {
            assert!(backoff(attempts) <= BACKOFF.ceiling(attempts));
        }
    }
}
