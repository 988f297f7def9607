//! Outbound messages for services in any language: `POST /v1/accounts/{account}/messages`
//! (WeChat's customer-service JSON, sent with `cgi-bin/message/custom/send`) and
//! `POST /v1/accounts/{account}/template-messages` (WeChat's template JSON, sent with
//! `cgi-bin/message/template/send`), with the account's current access_token.
//!
//! - The body is checked first (a `touser`, a known `msgtype` with its payload, a template's
//!   `template_id` and `data`): 400 `bad_request` names what is wrong. It is then forwarded as
//!   it came, so fields this gateway does not model still reach WeChat.
//! - A scoped key needs the WeChat path the route calls in its `paths`
//!   (`cgi-bin/message/custom/send`, `cgi-bin/message/template/send`, or a prefix such as
//!   `cgi-bin/message/`), as it would to call that path through the proxy.
//! - The answer is WeChat's: `{"errcode": 0, "errmsg": "ok"}`, plus `msgid` for a template.
//!   WeChat's refusals are JSON errors: 45015 → 409 `outside_window`, 43004 → 409
//!   `not_follower`, 45047 → 429 `message_limit`, any other errcode → 502 `wechat`, each with
//!   `errcode` and `errmsg`. A send that may have reached WeChat without an answer (a timeout,
//!   a cut connection, errcode -1) is never repeated: 502 `may_have_been_sent`.
//! - A rejected token (40001, 40014, 42001) is refreshed once by the credential manager and
//!   the send repeated: WeChat sent nothing the first time.
//!
//! # `Idempotency-Key`
//!
//! With an `Idempotency-Key` header (1 to 128 visible ASCII characters, else 400), the key is
//! claimed in the registry, which every gateway sharing it sees atomically, for
//! [`IDEMPOTENCY_TTL`]:
//!
//! - the first request sends; its answer (status and body, with a hash of the route and the
//!   body) is stored if anything may have been sent (a success, or `may_have_been_sent`);
//!   when nothing was sent (a WeChat refusal, no token) the key is released for a retry;
//! - a repeat while the first is being sent gets 409 `idempotency_key_in_flight` with
//!   `Retry-After`;
//! - a repeat after it gets the stored status and body again, with
//!   `Idempotent-Replayed: true`, and nothing is sent;
//! - the same key with another body (or on the other route) gets 422
//!   `idempotency_key_reused`.
//!
//! Keys are per account. The send runs in its own task, so a caller that hangs up cannot leave
//! a key claimed with nothing stored; a gateway that crashes mid-send leaves the key claimed
//! until the TTL ends (repeats get 409, never a second send).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::post;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use wxgate_api::ErrorKind;
use wxgate_api::endpoint::message::{custom, template};
use wxgate_store::registry::{Claim, Registry, RegistryError};

use crate::app::Shared;
use crate::json_body::JsonBody;
use crate::openapi::{AccessErrors, BodyErrors, Error503};
use crate::token_api::{ApiFailure, Authorized, ErrorBody, ErrorCode, bounded, credentials};

/// How long an idempotency key is remembered after its send (and how long a claim of a
/// crashed send blocks the key).
pub(crate) const IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 3600);

/// The request header carrying an idempotency key.
pub(crate) const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// The answer header that marks a replayed answer.
pub(crate) const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The longest idempotency key.
const MAX_KEY_LEN: usize = 128;

/// `Retry-After` of a repeat that finds the key's send in flight.
const IN_FLIGHT_RETRY_SECS: u64 = 1;

/// The format of what is stored with a completed key.
const STORED_VERSION: u32 = 1;

const MESSAGES_PATH: &str = "/v1/accounts/{account}/messages";
const TEMPLATE_MESSAGES_PATH: &str = "/v1/accounts/{account}/template-messages";

pub(crate) fn routes(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(MESSAGES_PATH, post(send_message))
        .route(TEMPLATE_MESSAGES_PATH, post(send_template_message))
        .with_state(shared)
}

/// The two kinds of outbound message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A customer-service message.
    Custom,
    /// A template message.
    Template,
}

impl Kind {
    /// The WeChat API path, as a scoped key's `paths` name it.
    fn wechat_path(self) -> &'static str {
        match self {
            Self::Custom => "cgi-bin/message/custom/send",
            Self::Template => "cgi-bin/message/template/send",
        }
    }

    /// Checks the body against WeChat's format; the message says what is wrong.
    fn check(self, body: &Map<String, Value>) -> Result<(), String> {
        match body.get("touser") {
            Some(Value::String(openid)) if !openid.is_empty() => {}
            Some(Value::String(_)) => return Err("\"touser\" is empty".to_owned()),
            Some(_) => return Err("\"touser\" must be the recipient's OpenID".to_owned()),
            None => return Err("missing field `touser`".to_owned()),
        }
        let value = Value::Object(body.clone());
        match self {
            Self::Custom => {
                custom::send::Message::deserialize(value).map_err(|error| error.to_string())?;
                if let Some(service) = body.get("customservice")
                    && !service.get("kf_account").is_some_and(Value::is_string)
                {
                    return Err("\"customservice\" must be {\"kf_account\": \"...\"}".to_owned());
                }
            }
            Self::Template => {
                let request = template::send::Request::deserialize(value)
                    .map_err(|error| error.to_string())?;
                if request.template_id.is_empty() {
                    return Err("\"template_id\" is empty".to_owned());
                }
            }
        }
        Ok(())
    }
}

/// What WeChat answered a send.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SendAnswer)]
#[allow(dead_code, reason = "only its schema is used")]
pub(crate) struct SendAnswerSchema {
    /// 0
    errcode: i64,
    /// "ok"
    errmsg: String,
    /// The template message's id (template messages only)
    #[schema(nullable = false)]
    msgid: Option<u64>,
}

#[utoipa::path(
    post,
    path = "/v1/accounts/{account}/messages",
    tag = "outbound messages",
    operation_id = "send_message",
    summary = "Sends a customer-service message (WeChat's message/custom/send JSON)",
    description = OUTBOUND_DESCRIPTION,
    params(crate::openapi::AccountPath, IdempotencyHeader),
    request_body(
        content = Object,
        description = "WeChat's customer-service JSON: {\"touser\": \"OPENID\", \"msgtype\": \"text\", \"text\": {\"content\": \"...\"}}, forwarded as it is",
    ),
    responses(
        (status = 200, description = "Sent: WeChat's answer", body = SendAnswerSchema,
            headers(("Idempotent-Replayed" = String, description = "true on a replayed answer"))),
        BodyErrors,
        AccessErrors,
        OutboundErrors,
    ),
)]
async fn send_message(
    caller: Authorized,
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Response, ApiFailure> {
    outbound(Kind::Custom, &caller, shared, account, &headers, body).await
}

#[utoipa::path(
    post,
    path = "/v1/accounts/{account}/template-messages",
    tag = "outbound messages",
    operation_id = "send_template_message",
    summary = "Sends a template message (WeChat's message/template/send JSON)",
    description = OUTBOUND_DESCRIPTION,
    params(crate::openapi::AccountPath, IdempotencyHeader),
    request_body(
        content = Object,
        description = "WeChat's template JSON: {\"touser\": \"OPENID\", \"template_id\": \"...\", \"data\": {\"name\": {\"value\": \"...\"}}, \"url\"?, \"miniprogram\"?, \"client_msg_id\"?}, forwarded as it is",
    ),
    responses(
        (status = 200, description = "Sent: WeChat's answer with msgid", body = SendAnswerSchema,
            headers(("Idempotent-Replayed" = String, description = "true on a replayed answer"))),
        BodyErrors,
        AccessErrors,
        OutboundErrors,
    ),
)]
async fn send_template_message(
    caller: Authorized,
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Response, ApiFailure> {
    outbound(Kind::Template, &caller, shared, account, &headers, body).await
}

/// What the operations' description says.
const OUTBOUND_DESCRIPTION: &str = "Sent with the account's current access_token (refreshed once if WeChat rejects it). A scoped key needs the WeChat path in its paths. WeChat's refusals: 45015 → 409 outside_window, 43004 → 409 not_follower, 45047 → 429 message_limit, others → 502 wechat, each with errcode and errmsg; a send that may have reached WeChat without an answer is not repeated (502 may_have_been_sent). With Idempotency-Key: one send per key and account across every gateway sharing the registry for 24 h; a repeat gets the first answer again with Idempotent-Replayed: true, 409 idempotency_key_in_flight while the first is being sent, 422 idempotency_key_reused for another body. A key whose send was refused by WeChat (nothing sent) is released.";

/// The `Idempotency-Key` header.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code, reason = "only its schema is used")]
struct IdempotencyHeader {
    /// 1 to 128 visible ASCII characters (a UUID, say): a repeat with the same key and body
    /// returns the first answer and sends nothing
    #[param(rename = "Idempotency-Key")]
    idempotency_key: Option<String>,
}

/// not_follower (43004), outside_window (45015), idempotency_key_in_flight (with Retry-After)
#[derive(utoipa::ToResponse)]
#[response(headers(("Retry-After" = u64, description = "Seconds to wait (idempotency_key_in_flight)")))]
#[allow(dead_code, reason = "only its schema is used")]
pub(crate) struct Error409(ErrorBody);

/// The answers of an outbound send besides success, [`BodyErrors`] and [`AccessErrors`].
#[derive(utoipa::IntoResponses)]
#[allow(dead_code, reason = "only its schema is used")]
pub(crate) enum OutboundErrors {
    #[response(status = 409)]
    Conflict(#[ref_response] Error409),
    /// idempotency_key_reused: the key was used before with another body or route
    #[response(status = 422)]
    Reused(ErrorBody),
    /// message_limit (45047): the user's window allows no more customer-service messages
    #[response(status = 429)]
    Limit(ErrorBody),
    /// wechat: WeChat refused (errcode and errmsg); may_have_been_sent: no answer, not repeated
    #[response(status = 502)]
    Refused(ErrorBody),
    #[response(status = 503)]
    Unavailable(#[ref_response] Error503),
}

/// Whether a send may have had its effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sent {
    /// WeChat answered that it sent.
    Yes,
    /// No answer said it did not.
    Maybe,
    /// Nothing was sent.
    No,
}

/// The answer of one send.
#[derive(Debug)]
struct Outcome {
    status: StatusCode,
    body: Value,
    retry_after: Option<u64>,
    sent: Sent,
}

impl Outcome {
    fn failure(failure: &ApiFailure, sent: Sent) -> Self {
        Self {
            status: failure.status(),
            body: serde_json::to_value(failure.body()).unwrap_or(Value::Null),
            retry_after: failure.retry_after_secs(),
            sent,
        }
    }

    fn into_response(self, replayed: bool) -> Response {
        let mut response = Response::new(Body::from(self.body.to_string()));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if replayed {
            headers.insert(REPLAYED, HeaderValue::from_static("true"));
        }
        response
    }
}

/// What a completed key keeps: the answer, and the hash of the request it answered.
#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    v: u32,
    hash: String,
    status: u16,
    body: Value,
}

async fn outbound(
    kind: Kind,
    caller: &Authorized,
    shared: Arc<Shared>,
    account: String,
    headers: &HeaderMap,
    body: Map<String, Value>,
) -> Result<Response, ApiFailure> {
    if !caller
        .key(&shared)
        .is_some_and(|key| key.allows_path(kind.wechat_path()))
    {
        return Err(ApiFailure::forbidden(&format!(
            "this API key may not call {}",
            kind.wechat_path()
        )));
    }
    credentials(&shared, &account).await?;
    kind.check(&body).map_err(|message| {
        ApiFailure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            format!("invalid body: {message}"),
        )
    })?;
    let body = Value::Object(body);
    let Some(key) = idempotency_key(headers)? else {
        return Ok(send(&shared, &account, kind, &body)
            .await
            .into_response(false));
    };
    let hash = request_hash(kind, &body);
    let registry = Arc::clone(&shared.registry);
    match registry
        .claim_idempotency_key(&account, &key, IDEMPOTENCY_TTL)
        .await
        .map_err(registry_failure)?
    {
        Claim::Done(stored) => replay(&stored, &hash),
        Claim::InFlight => Err(ApiFailure::new(
            StatusCode::CONFLICT,
            ErrorCode::IdempotencyKeyInFlight,
            "a request with this Idempotency-Key is being sent; retry to get its answer",
        )
        .retry_after(IN_FLIGHT_RETRY_SECS)),
        Claim::Claimed => {
            // In a task of its own: a caller that hangs up drops this handler, not the send,
            // and the key is always completed or released.
            let task = tokio::spawn(async move {
                let outcome = send(&shared, &account, kind, &body).await;
                finish(&*registry, &account, &key, &hash, &outcome).await;
                outcome
            });
            match task.await {
                Ok(outcome) => Ok(outcome.into_response(false)),
                Err(error) => Err(ApiFailure::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorCode::Internal,
                    format!("the send failed: {error}"),
                )),
            }
        }
    }
}

/// The `Idempotency-Key` header, if any: one, of 1 to 128 visible ASCII characters.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiFailure> {
    let mut values = headers.get_all(IDEMPOTENCY_KEY).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let bad = |message: &str| {
        ApiFailure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            format!("Idempotency-Key {message}"),
        )
    };
    if values.next().is_some() {
        return Err(bad("must be given once"));
    }
    let bytes = value.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_KEY_LEN {
        return Err(bad("must be 1 to 128 characters long"));
    }
    if !bytes.iter().all(u8::is_ascii_graphic) {
        return Err(bad(
            "must be visible ASCII characters (no spaces or control characters)",
        ));
    }
    Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
}

/// A hash of the route and the body (as JSON with its object keys sorted, so the order the
/// caller wrote them in does not matter).
fn request_hash(kind: Kind, body: &Value) -> String {
    let route = match kind {
        Kind::Custom => "messages",
        Kind::Template => "template-messages",
    };
    let text = format!("{route}\n{body}");
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(text.as_bytes()))
}

/// Answers a repeat from what the first request stored.
fn replay(stored: &str, hash: &str) -> Result<Response, ApiFailure> {
    let stored: Stored = serde_json::from_str(stored)
        .ok()
        .filter(|stored: &Stored| stored.v == STORED_VERSION)
        .ok_or_else(|| {
            ApiFailure::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "the stored answer of this Idempotency-Key cannot be read",
            )
        })?;
    if stored.hash != hash {
        return Err(ApiFailure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::IdempotencyKeyReused,
            "this Idempotency-Key was used with another request; use a new key for a new message",
        ));
    }
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    Ok(Outcome {
        status,
        body: stored.body,
        retry_after: None,
        sent: Sent::Yes,
    }
    .into_response(true))
}

/// Completes the key with the answer if anything may have been sent, else releases it.
async fn finish(registry: &dyn Registry, account: &str, key: &str, hash: &str, outcome: &Outcome) {
    if outcome.sent == Sent::No {
        if let Err(error) = registry.release_idempotency_key(account, key).await {
            tracing::warn!(
                account,
                error = %error,
                "cannot release an idempotency key after a send that sent nothing; repeats get 409 until it expires"
            );
        }
        return;
    }
    let stored = Stored {
        v: STORED_VERSION,
        hash: hash.to_owned(),
        status: outcome.status.as_u16(),
        body: outcome.body.clone(),
    };
    let text = serde_json::to_string(&stored).unwrap_or_default();
    if let Err(error) = registry.complete_idempotency_key(account, key, &text).await {
        tracing::warn!(
            account,
            error = %error,
            "cannot store the answer of an idempotency key; repeats get 409 until it expires, never a second send"
        );
    }
}

fn registry_failure(error: RegistryError) -> ApiFailure {
    ApiFailure::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::StoreUnavailable,
        format!("the registry of idempotency keys failed: {error}"),
    )
    .retry_after(1)
}

/// Sends `body` once (twice if WeChat rejects the token), and shapes the answer.
async fn send(shared: &Shared, account: &str, kind: Kind, body: &Value) -> Outcome {
    let credentials = match credentials(shared, account).await {
        Ok(credentials) => credentials,
        Err(failure) => return Outcome::failure(&failure, Sent::No),
    };
    // No token within server.token_wait_ms: 503 before anything is sent. The send itself is
    // never cut short: that would leave its outcome unknown.
    if let Err(failure) = bounded(shared, account, credentials.access_token()).await {
        return Outcome::failure(&failure, Sent::No);
    }
    let client = credentials.client();
    let path = format!("/{}", kind.wechat_path());
    let bytes = body.to_string().into_bytes();
    let calls = &shared.metrics.wechat_calls;
    let result = credentials
        .call_with_token(|token| {
            let (path, bytes) = (&path, &bytes);
            async move {
                let query = [("access_token", token.as_str())];
                let result = client.call_raw(path, &query, Some(bytes.clone())).await;
                let errcode = match &result {
                    Ok(_) => Some(0),
                    Err(error) => error.errcode().map(|code| code.code()),
                };
                calls.count(account, kind.wechat_path(), errcode);
                result
            }
        })
        .await;
    match result {
        Ok(answer) => {
            let body = serde_json::from_slice(&answer.bytes)
                .unwrap_or_else(|_| serde_json::json!({"errcode": 0, "errmsg": "ok"}));
            Outcome {
                status: StatusCode::OK,
                body,
                retry_after: None,
                sent: Sent::Yes,
            }
        }
        Err(error) => refusal(account, kind, error),
    }
}

/// The answer to a failed send.
fn refusal(account: &str, kind: Kind, error: wxgate_api::Error) -> Outcome {
    let path = kind.wechat_path();
    if error.may_have_been_sent() {
        tracing::warn!(account, path, error = %error, "a send may have reached WeChat without an answer; it is not repeated");
        let mut failure = ApiFailure::new(
            StatusCode::BAD_GATEWAY,
            ErrorCode::MayHaveBeenSent,
            format!(
                "WeChat may have sent the message but did not say so ({error}); it was not repeated: check with the user before sending it again"
            ),
        );
        if let Some(api) = error.api_error() {
            failure = failure.wechat(api.code().code(), api.errmsg());
        }
        return Outcome::failure(&failure, Sent::Maybe);
    }
    let failure = if let ErrorKind::Api(api) = error.kind() {
        {
            let (status, code, message) = match api.code().code() {
                45015 => (
                    StatusCode::CONFLICT,
                    ErrorCode::OutsideWindow,
                    "the user has not messaged the account in the last 48 hours (or does not follow it): customer-service messages cannot reach them until they interact again",
                ),
                43004 => (
                    StatusCode::CONFLICT,
                    ErrorCode::NotFollower,
                    "the user does not follow the account",
                ),
                45047 => (
                    StatusCode::TOO_MANY_REQUESTS,
                    ErrorCode::MessageLimit,
                    "the customer-service messages allowed since the user's last interaction are used up: more can be sent after they interact again",
                ),
                _ => (
                    StatusCode::BAD_GATEWAY,
                    ErrorCode::Wechat,
                    "WeChat refused the message",
                ),
            };
            ApiFailure::new(status, code, message).wechat(api.code().code(), api.errmsg())
        }
    } else {
        // No token, the store: nothing was sent.
        ApiFailure::from(error)
    };
    Outcome::failure(&failure, Sent::No)
}
