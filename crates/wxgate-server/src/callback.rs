//! The WeChat callback endpoint: `GET|POST /wechat/{account}`.
//!
//! POST: verify → decrypt per the account's mode → parse (refusing header fields that cannot be
//! real) → refuse a signature replayed with another body (unencrypted pushes) → de-duplicate →
//! route → reply within the deadline (or `success`, with the reply queued for the
//! customer-service API) → encrypt when the request was encrypted.
//!
//! The store never holds a push past its deadline: each store call on this path gets the
//! store-call budget, and without an answer the push goes on with this process's own tables.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::FutureExt as _;
use rand::Rng as _;
use tokio::time::Instant;
use wxgate_proto::callback::{self, CallbackError, Mode};
use wxgate_proto::crypto::{CryptoError, KeySlot};
use wxgate_proto::message::Inbound;
use wxgate_proto::reply::{Reply, SUCCESS};
use wxgate_proto::xml::XmlError;

use crate::app::{Account, Shared};
use crate::body::BodyError;
use crate::dedup::{Claim, Flight, Outcome};
use crate::deferred::{DeferredReply, enqueue_or_hold};
use crate::handler::{BoxFuture, Incoming};
use crate::metrics::Ending;
use crate::replay::Verdict;

/// Why a callback request was refused: an HTTP status and a short reason with no secret in it.
#[derive(Debug)]
pub(crate) struct Rejection {
    status: StatusCode,
    reason: String,
}

impl Rejection {
    pub(crate) fn new(status: StatusCode, reason: impl Into<String>) -> Self {
        Self {
            status,
            reason: reason.into(),
        }
    }

    /// The reason given, for logs.
    pub(crate) fn reason(&self) -> &str {
        &self.reason
    }

    fn ending(&self) -> Ending {
        if self.status == StatusCode::UNAUTHORIZED {
            Ending::Rejected401
        } else {
            Ending::Rejected400
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        (
            self.status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            self.reason,
        )
            .into_response()
    }
}

impl From<CallbackError> for Rejection {
    fn from(error: CallbackError) -> Self {
        let status = if error.is_unauthorized() {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        };
        let reason = match &error {
            CallbackError::Crypto(CryptoError::IllegalBuffer) => {
                "invalid padding or length in the decrypted message".to_owned()
            }
            CallbackError::Xml(XmlError::Dtd) => {
                "DTD and entity declarations are not allowed".to_owned()
            }
            other => other.to_string(),
        };
        Self::new(status, reason)
    }
}

/// `GET /wechat/{account}`: URL verification; answers `echostr` only for a valid signature.
pub(crate) async fn verify(
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(account) = shared.accounts.get(&account) else {
        return Rejection::new(StatusCode::NOT_FOUND, "unknown account").into_response();
    };
    let query = callback::Query::parse(query.as_deref().unwrap_or_default());
    let now = shared.unix_now();
    let checked = shared
        .check_timestamp(&query.as_query_ref(), now)
        .and_then(|()| {
            account
                .endpoint
                .verify_echo(&query)
                .map(str::to_owned)
                .map_err(Rejection::from)
        });
    match checked {
        Ok(echostr) => {
            account.metrics.count(Ending::Verified);
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                echostr,
            )
                .into_response()
        }
        Err(rejection) => {
            account.metrics.count(rejection.ending());
            tracing::info!(account = %account.id, reason = %rejection.reason, "URL verification refused");
            rejection.into_response()
        }
    }
}

/// `POST /wechat/{account}`: a pushed message or event.
///
/// Read from the request as it is, rather than through extractors: the account is the path's
/// last segment (the route's only parameter, decoded only when it has escapes), the query is
/// read where it lies in the URI, and the body is read here up to `server.max_body_bytes`. Each
/// extractor, and a `DefaultBodyLimit` layer around the route, cost this path allocations per
/// push (the extension it inserts, the boxed body, a route level with its boxed future).
///
/// The route has no request span (see [`crate::Gateway::router`]): at `debug` each push logs its
/// account and answer's status here instead, as the trace layer logs other requests.
pub(crate) async fn push(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // The path's last segment, by a byte scan of these few bytes: `rsplit('/')` sets up a char
    // searcher, which cost a push about 140 instructions more (callgrind).
    let path = parts.uri.path();
    let segment = &path[path.bytes().rposition(|b| b == b'/').map_or(0, |at| at + 1)..];
    let name = if segment.contains('%') {
        percent_encoding::percent_decode_str(segment).decode_utf8_lossy()
    } else {
        std::borrow::Cow::Borrowed(segment)
    };
    let response = match shared.accounts.get(name.as_ref()) {
        None => Rejection::new(StatusCode::NOT_FOUND, "unknown account").into_response(),
        Some(account) => match read_body(body, shared.config.server.max_body_bytes).await {
            Ok(body) => push_to(&shared, account, parts.uri.query(), body).await,
            Err(rejection) => rejection.into_response(),
        },
    };
    // The segment as sent (a URI holds no line breaks), not decoded.
    tracing::debug!(account = %segment, status = response.status().as_u16(), "push answered");
    response
}

/// The whole body, refused with 413 past `limit` bytes (as axum's `Bytes` extractor under a
/// `DefaultBodyLimit` refuses it) and with 400 when it cannot be read.
async fn read_body(body: Body, limit: usize) -> Result<Bytes, Rejection> {
    crate::body::read_limited(body, limit)
        .await
        .map_err(|error| match error {
            BodyError::TooLarge => Rejection::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body is over {limit} bytes"),
            ),
            BodyError::Unreadable(_) => {
                Rejection::new(StatusCode::BAD_REQUEST, "the body could not be read")
            }
        })
}

/// A push to `account`, through the whole pipeline: verify, decrypt, de-dup, route, reply
/// within the deadline. Authorizers of a component come here too.
pub(crate) async fn push_to(
    shared: &Arc<Shared>,
    account: &Arc<Account>,
    query: Option<&str>,
    body: Bytes,
) -> Response {
    let shared = Arc::clone(shared);
    // Observes `wxgate_callback_duration_seconds` when the push is answered, whichever way.
    let _timer = account.metrics.callback_timer();
    // Values are borrowed from the URI; only escaped ones are decoded into copies.
    let query = callback::QueryRef::parse(query.unwrap_or_default());
    // The clocks are read once per push: every later step uses these.
    let arrived = Instant::now();
    let unix = shared.unix_now();
    let deadline = arrived + shared.deadline;
    match open(&shared, account, &query, &body, unix) {
        Ok((encrypted, inbound)) => {
            // `signature` does not cover the body. Safe mode takes encrypted pushes only, whose
            // `msg_signature` does; in the other modes a signed URL is good for one body, and
            // that includes encrypted ones in compatible mode, whose URL would otherwise carry
            // a plaintext body just as well.
            if account.endpoint.mode() != Mode::Safe
                && let Some(signature) = query.signature.as_deref()
                && shared
                    .replay
                    .check(&account.id, signature, &body, arrived)
                    .await
                    == Verdict::Replayed
            {
                shared
                    .metrics
                    .replay_refused
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let rejection = Rejection::new(
                    StatusCode::UNAUTHORIZED,
                    "this signature was already used with another body",
                );
                account.metrics.count(rejection.ending());
                tracing::warn!(account = %account.id, "push refused: signature replayed with another body");
                return rejection.into_response();
            }
            let incoming = Incoming::new(Arc::clone(&account.id), inbound);
            let mut key = String::with_capacity(128);
            key.push_str(&account.id);
            key.push(':');
            incoming.write_dedup_key(&mut key);
            let outcome = match shared.dedup.begin(key, arrived, deadline).await {
                Claim::Duplicate(recorded) => {
                    account.metrics.count(Ending::Duplicate);
                    recorded.into_outcome(|create_time| {
                        configured_reply(&shared, account, &incoming, create_time)
                    })
                }
                Claim::First(flight) => {
                    let outcome = run(&shared, account, incoming, flight, deadline, unix).await;
                    account.metrics.count(match outcome.as_ref() {
                        Outcome::Reply(_) => Ending::Reply,
                        Outcome::Nothing => Ending::Success,
                        Outcome::Deferred => Ending::Deferred,
                    });
                    outcome
                }
            };
            respond(account, encrypted, outcome, unix)
        }
        Err(rejection) => {
            account.metrics.count(rejection.ending());
            tracing::info!(account = %account.id, status = %rejection.status, reason = %rejection.reason, "push refused");
            rejection.into_response()
        }
    }
}

fn open(
    shared: &Shared,
    account: &Account,
    query: &callback::QueryRef<'_>,
    body: &[u8],
    unix: u64,
) -> Result<(Option<KeySlot>, Inbound), Rejection> {
    shared.check_timestamp(query, unix)?;
    let body = std::str::from_utf8(body)
        .map_err(|_| Rejection::new(StatusCode::BAD_REQUEST, "body is not UTF-8"))?;
    let (inbound, encrypted) = account.endpoint.open_message_ref(query, body)?;
    Ok((encrypted, inbound))
}

/// Runs the handler: inline when it answers on its first poll, else under a supervisor task.
async fn run(
    shared: &Arc<Shared>,
    account: &Arc<Account>,
    incoming: Incoming,
    flight: Flight,
    deadline: Instant,
    unix: u64,
) -> Arc<Outcome> {
    // The registry first: webhooks (sync ones now, async ones when delivered) read the
    // follower it records.
    crate::funnel::record(shared, account, &incoming).await;
    let budget = shared.config.store_call_budget();
    crate::webhook::enqueue(
        &shared.store,
        &shared.metrics,
        &account.webhooks,
        &incoming,
        budget,
    )
    .await;
    let Some(handler) = account.handler_for(&shared.router, &incoming) else {
        return flight.finish(Outcome::Nothing);
    };
    // A configured reply is the same for every push: written out at once, without calling
    // (and boxing) the handler only to clone it. Its handler time is nil.
    if let Some(fixed) = handler.fixed_reply() {
        account.metrics.handler_time(0);
        let outcome = reply_outcome(account, &incoming, Some(fixed), unix);
        // Written again for a retry rather than kept per push.
        return flight.finish_configured(outcome, unix);
    }
    let started = std::time::Instant::now();
    let mut reply_future = handler.call(incoming.clone());
    // Most handlers (configured replies, in-memory logic) finish on their first poll: answer
    // inline then, with no task and no timer.
    let first_poll = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        (&mut reply_future).now_or_never()
    }));
    match first_poll {
        Err(_panic) => {
            tracing::error!(account = %account.id, "message handler panicked");
            flight.finish(Outcome::Nothing)
        }
        Ok(Some(reply)) => {
            account.metrics.handler_time(elapsed_micros(started));
            let outcome = reply_outcome(account, &incoming, reply.as_ref(), unix);
            // A configured reply is written again for a retry rather than kept per push.
            match handler.fixed_reply() {
                Some(fixed) if reply.as_ref() == Some(fixed) => {
                    flight.finish_configured(outcome, unix)
                }
                _ => flight.finish(outcome),
            }
        }
        Ok(None) => {
            // Anything that has to wait is supervised in its own task, so that neither the
            // deadline nor a dropped connection loses the handler's reply.
            let supervisor = tokio::spawn(supervise(
                Arc::clone(shared),
                Arc::clone(account),
                incoming,
                flight,
                reply_future,
                started,
                deadline,
            ));
            supervisor
                .await
                .unwrap_or_else(|_| Arc::new(Outcome::Nothing))
        }
    }
}

/// Waits for a slow handler until the deadline; past it, records `Deferred` and queues the
/// handler's eventual reply for the customer-service API.
async fn supervise(
    shared: Arc<Shared>,
    account: Arc<Account>,
    incoming: Incoming,
    flight: Flight,
    reply_future: BoxFuture<Option<Reply>>,
    started: std::time::Instant,
    deadline: Instant,
) -> Arc<Outcome> {
    let task_account = Arc::clone(&account);
    let mut task = tokio::spawn(async move {
        let reply = reply_future.await;
        task_account.metrics.handler_time(elapsed_micros(started));
        reply
    });
    match tokio::time::timeout_at(deadline, &mut task).await {
        Ok(Ok(reply)) => flight.finish(reply_outcome(
            &account,
            &incoming,
            reply.as_ref(),
            shared.unix_now(),
        )),
        Ok(Err(join_error)) => {
            tracing::error!(account = %account.id, error = %join_error, "message handler failed");
            flight.finish(Outcome::Nothing)
        }
        Err(_elapsed) => {
            let outcome = flight.finish(Outcome::Deferred);
            tracing::warn!(account = %account.id, "handler missed the callback deadline; answering success and deferring its reply");
            tokio::spawn(async move {
                match task.await {
                    Ok(Some(reply)) if incoming.accepts_reply() => {
                        let deferred = DeferredReply {
                            account: account.id.to_string(),
                            to_user: incoming.from_user_name.as_str().to_owned(),
                            reply,
                            received_at: incoming.create_time,
                        };
                        // Held in memory and retried when the store cannot take it now.
                        enqueue_or_hold(
                            Arc::clone(&shared.store),
                            Arc::clone(&shared.metrics),
                            deferred,
                        )
                        .await;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::error!(account = %account.id, error = %e, "late message handler failed")
                    }
                }
            });
            outcome
        }
    }
}

/// A reply's bytes, shared with the de-dup record rather than copied out of it.
struct ReplyBytes(Arc<Outcome>);

impl AsRef<[u8]> for ReplyBytes {
    fn as_ref(&self) -> &[u8] {
        match self.0.as_ref() {
            Outcome::Reply(xml) => xml.as_bytes(),
            Outcome::Nothing | Outcome::Deferred => SUCCESS.as_bytes(),
        }
    }
}

fn respond(
    account: &Account,
    encrypted: Option<KeySlot>,
    outcome: Arc<Outcome>,
    unix: u64,
) -> Response {
    let (body, content_type) = match (outcome.as_ref(), encrypted) {
        (Outcome::Reply(_), None) => (Bytes::from_owner(ReplyBytes(outcome)), XML),
        (Outcome::Reply(xml), Some(_)) => {
            let mut rng = rand::rng();
            let nonce = wxgate_proto::nonce::numeric(&mut rng);
            let random16: [u8; 16] = rng.random();
            // Sealed into one buffer that becomes the body as it is.
            let sealed =
                account
                    .endpoint
                    .seal_bytes(encrypted, xml, &unix.to_string(), &nonce, random16);
            (Bytes::from(sealed), XML)
        }
        (Outcome::Nothing | Outcome::Deferred, _) => (Bytes::from_static(SUCCESS.as_bytes()), TEXT),
    };
    let mut response = Response::new(axum::body::Body::from(body));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

const XML: &str = "application/xml; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// A retry's answer when the first attempt gave the configured reply: written again as it was
/// then, with `CreateTime` `create_time` (the retry is the same push, so the same handler and
/// user names).
fn configured_reply(
    shared: &Shared,
    account: &Account,
    incoming: &Incoming,
    create_time: u64,
) -> Outcome {
    let handler = account.handler_for(&shared.router, incoming);
    let fixed = handler.as_deref().and_then(|handler| handler.fixed_reply());
    reply_outcome(account, incoming, fixed, create_time)
}

fn reply_outcome(
    account: &Account,
    incoming: &Incoming,
    reply: Option<&Reply>,
    unix: u64,
) -> Outcome {
    match reply {
        Some(reply) if incoming.accepts_reply() => {
            Outcome::Reply(reply.to_xml(&incoming.from_user_name, &incoming.to_user_name, unix))
        }
        Some(_) => {
            tracing::debug!(account = %account.id, event = ?incoming.event().map(|e| e.name()), "WeChat ignores replies to this event; answering success");
            Outcome::Nothing
        }
        None => Outcome::Nothing,
    }
}

fn elapsed_micros(started: std::time::Instant) -> u64 {
    u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX)
}

impl Shared {
    /// Refuses a request whose timestamp is missing, not a number, or outside the window.
    pub(crate) fn check_timestamp(
        &self,
        query: &callback::QueryRef<'_>,
        now: u64,
    ) -> Result<(), Rejection> {
        if self.timestamp_window_secs == 0 {
            return Ok(());
        }
        let Some(ts) = query.timestamp_secs() else {
            return Err(Rejection::new(
                StatusCode::UNAUTHORIZED,
                "missing or invalid timestamp",
            ));
        };
        let now = i64::try_from(now).unwrap_or(i64::MAX);
        if now.abs_diff(ts) > self.timestamp_window_secs {
            return Err(Rejection::new(
                StatusCode::UNAUTHORIZED,
                "timestamp outside the accepted window",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunked(chunks: &[&'static str]) -> Body {
        let frames: Vec<Result<Bytes, std::io::Error>> = chunks
            .iter()
            .map(|chunk| Ok(Bytes::from_static(chunk.as_bytes())))
            .collect();
        Body::from_stream(futures::stream::iter(frames))
    }

    #[tokio::test]
    async fn a_body_is_read_whole_in_one_frame_or_several() {
        let one = read_body(Body::from("<xml></xml>"), 64).await.unwrap();
        assert_eq!(one, "<xml></xml>");
        let several = read_body(chunked(&["<xml>", "<A>1</A>", "</xml>"]), 64)
            .await
            .unwrap();
        assert_eq!(several, "<xml><A>1</A></xml>");
        assert_eq!(read_body(Body::empty(), 64).await.unwrap(), "");
    }

    #[tokio::test]
    async fn a_body_past_the_limit_is_413_in_one_frame_or_several() {
        let one = read_body(Body::from("x".repeat(65)), 64).await.unwrap_err();
        assert_eq!(one.status, StatusCode::PAYLOAD_TOO_LARGE);
        let several = read_body(chunked(&["x"; 65]), 64).await.unwrap_err();
        assert_eq!(several.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(several.reason.contains("64 bytes"), "{}", several.reason);
        // Exactly the limit is accepted.
        assert_eq!(read_body(chunked(&["x"; 64]), 64).await.unwrap().len(), 64);
    }

    #[tokio::test]
    async fn a_body_that_breaks_off_is_400() {
        let frames: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from_static(b"<xml>")),
            Err(std::io::Error::other("connection reset")),
        ];
        let broken = read_body(Body::from_stream(futures::stream::iter(frames)), 64)
            .await
            .unwrap_err();
        assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    }
}
