//! Delivering deferred replies through the customer-service API (spec §11.1).
//!
//! A worker claims jobs from the durable queue, sends each with the account's credentials and
//! completes it; transient failures are retried with exponential back-off, permanent ones (the
//! user left the 48-hour window, unfollowed, …) are buried with the reason. A crash mid-send
//! loses nothing: the claim runs out and the job is claimed again.

use std::sync::Arc;
use std::time::Duration;

use wxgate_api::endpoint::message::custom::send::{self, Message};
use wxgate_api::{Credentials, ErrCode};
use wxgate_proto::reply::Reply;
use wxgate_store::{Job, Store};

use crate::app::Shared;
use crate::deferred::{DeferredReply, QUEUE};

/// How long a claimed job stays hidden from other workers.
const CLAIM: Duration = Duration::from_secs(60);
/// Attempts before a job that keeps failing transiently is buried.
const MAX_ATTEMPTS: u32 = 8;
/// Wait between polls of an empty queue.
const IDLE: Duration = Duration::from_millis(250);

/// Runs the delivery loop forever.
pub(crate) async fn run(shared: Arc<Shared>) {
    loop {
        match shared.store.claim_job(QUEUE, CLAIM).await {
            Ok(Some(job)) => deliver(&shared, job).await,
            Ok(None) => tokio::time::sleep(IDLE).await,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the deferred-reply queue");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

async fn deliver(shared: &Shared, job: Job) {
    let store: &dyn Store = shared.store.as_ref();
    let Ok(deferred) = serde_json::from_slice::<DeferredReply>(&job.payload) else {
        bury(store, &job, "payload is not a deferred reply").await;
        return;
    };
    let Some(credentials) = shared.credentials.get(&deferred.account) else {
        bury(store, &job, "account no longer configured").await;
        return;
    };
    let Some(message) = to_custom(&deferred.reply) else {
        bury(
            store,
            &job,
            "this reply type has no customer-service equivalent",
        )
        .await;
        return;
    };
    match send(credentials, &deferred, message).await {
        Ok(()) => {
            tracing::info!(account = %deferred.account, attempts = job.attempts, "deferred reply delivered");
            if let Err(e) = store.complete_job(QUEUE, &job.id).await {
                tracing::warn!(error = %e, "could not complete a delivered job; it may be sent twice");
            }
        }
        Err(error) if is_permanent(&error) || job.attempts >= MAX_ATTEMPTS => {
            bury(store, &job, &error.to_string()).await;
        }
        Err(error) => {
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

fn backoff(attempts: u32) -> Duration {
    Duration::from_secs(2u64.saturating_pow(attempts.min(9)).min(600))
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
            articles: articles
                .iter()
                .take(1)
                .map(|a| send::Article {
                    title: a.title.clone(),
                    description: a.description.clone(),
                    url: a.url.clone(),
                    pic_url: a.pic_url.clone(),
                })
                .collect(),
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
    fn backoff_grows_and_caps() {
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(5), Duration::from_secs(32));
        assert_eq!(backoff(30), Duration::from_secs(512));
    }
}
