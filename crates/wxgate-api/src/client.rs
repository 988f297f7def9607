//! The HTTP client: sends endpoints, maps WeChat's answers, retries what may be retried.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use wxgate_proto::backoff::Backoff;

use crate::endpoint::{BodyKind, Download, Endpoint, FromResponse, Method, Part, RawResponse};
use crate::error::{ApiError, Error, ErrorKind};
use crate::redact::redact;

/// WeChat's general API entry (see
/// [WeChat Docs/接口域名说明](https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Interface_field_description.html)).
pub const DEFAULT_BASE_URL: &str = "https://api.weixin.qq.com";

/// The typed async client of WeChat's HTTP APIs.
///
/// Cheap to clone (an `Arc` inside); share one per process. The base URL is configuration,
/// so the same client talks to WeChat or to the sandbox.
///
/// ```no_run
/// # async fn demo() -> Result<(), wxgate_api::Error> {
/// use wxgate_api::Client;
/// use wxgate_api::endpoint::openapi::quota::get;
///
/// let client = Client::builder().base_url("http://127.0.0.1:9000").build()?;
/// let quota = client
///     .call(&get::Request::new("/cgi-bin/message/custom/send"))
///     .access_token("ACCESS_TOKEN")
///     .await?;
/// println!("{} calls left today", quota.quota.remain);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base_url: String,
    retry: RetryPolicy,
    observer: Option<Observer>,
}

/// What became of one attempt to call WeChat, as an [`ClientBuilder::on_attempt`] observer
/// sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Attempt {
    /// WeChat answered: `errcode` 0 for a success (or a file), else its error code.
    Answered {
        /// WeChat's `errcode`.
        errcode: i64,
    },
    /// No WeChat answer: the connection failed, timed out, or something else (a proxy's HTML
    /// page) answered.
    Failed,
}

/// What an observer is: told the path and the outcome of each attempt.
type ObserveFn = dyn Fn(&str, Attempt) + Send + Sync;

/// The function told of every attempt (for metrics).
#[derive(Clone)]
struct Observer(Arc<ObserveFn>);

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Observer")
    }
}

/// Builds a [`Client`].
#[derive(Clone, Debug)]
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    observer: Option<Observer>,
}

/// How often and how patiently transient failures are retried.
///
/// A call is retried when WeChat answers `errcode` -1 (system busy) or, for endpoints that are
/// safe to repeat, when the transport fails or a 5xx without a WeChat answer comes back
/// (connection failures before anything was sent are retried for every endpoint). The waits
/// grow exponentially from `initial_backoff`, capped at `max_backoff`, with full jitter
/// ([`wxgate_proto::backoff::Backoff`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
}

impl RetryPolicy {
    /// At most `max_attempts` attempts in all (at least 1), waiting up to `initial_backoff`, then
    /// up to twice that, … up to `max_backoff` between them (a random part of each, so clients
    /// that fail together do not retry together).
    pub fn new(max_attempts: u32, initial_backoff: Duration, max_backoff: Duration) -> Self {
        Self {
            max_attempts: max_attempts.max(1),
            initial_backoff,
            max_backoff,
        }
    }

    /// A single attempt, no retry.
    pub fn none() -> Self {
        Self::new(1, Duration::ZERO, Duration::ZERO)
    }

    /// The number of attempts in all.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The curve of the waits between attempts.
    fn curve(&self) -> Backoff {
        Backoff::new(self.initial_backoff, self.max_backoff)
    }

    /// The wait before attempt `attempt + 1` (`attempt` counts from 1): up to `initial_backoff`,
    /// then up to twice that, … up to `max_backoff` (full jitter).
    fn backoff(&self, attempt: u32) -> Duration {
        self.curve().delay(attempt, &mut rand::rng())
    }
}

impl Default for RetryPolicy {
    /// 3 attempts, waiting up to 200 ms then up to 400 ms (capped at 2 s).
    fn default() -> Self {
        Self::new(3, Duration::from_millis(200), Duration::from_secs(2))
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
            observer: None,
        }
    }
}

impl ClientBuilder {
    /// The API base URL (default `https://api.weixin.qq.com`); a path prefix is kept.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// The time limit of one attempt, from sending to the last byte (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The time limit to connect (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The retry policy (default: 3 attempts).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Calls `observer` after every attempt to call WeChat, retries included, with the path
    /// (without its leading `/` and query: `cgi-bin/user/get`) and what came of it; a gateway
    /// counts WeChat calls by path and `errcode` with it. It runs on the calling task: keep it
    /// quick.
    pub fn on_attempt(mut self, observer: impl Fn(&str, Attempt) + Send + Sync + 'static) -> Self {
        self.observer = Some(Observer(Arc::new(observer)));
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`] if the base URL is not an `http` or `https` URL, or the TLS
    /// backend cannot start.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = self.base_url.trim_end_matches('/').to_owned();
        let valid = base_url
            .strip_prefix("https://")
            .or_else(|| base_url.strip_prefix("http://"))
            .is_some_and(|rest| !rest.is_empty() && !rest.contains(['?', '#', ' ']));
        if !valid {
            return Err(Error::new(ErrorKind::Config {
                message: format!("base url {:?} is not an http(s) url", redact(&base_url)),
            }));
        }
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(concat!("wxgate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                Error::with_source(
                    ErrorKind::Config {
                        message: "http client could not be built".to_owned(),
                    },
                    e.without_url(),
                )
            })?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                retry: self.retry,
                observer: self.observer,
            }),
        })
    }
}

/// A pending call of an endpoint; `.await` it.
#[must_use = "requests do nothing unless awaited"]
pub struct Call<'a, E> {
    client: &'a Client,
    request: &'a E,
    credential: Option<&'a str>,
}

impl<'a, E> Call<'a, E> {
    /// The access token, for endpoints of [`AuthKind::AccessToken`](crate::endpoint::AuthKind::AccessToken).
    pub fn access_token(mut self, token: &'a str) -> Self {
        self.credential = Some(token);
        self
    }

    /// The component access token, for endpoints of [`AuthKind::ComponentAccessToken`](crate::endpoint::AuthKind::ComponentAccessToken).
    pub fn component_access_token(mut self, token: &'a str) -> Self {
        self.credential = Some(token);
        self
    }
}

impl<'a, E> IntoFuture for Call<'a, E>
where
    E: Endpoint + 'a,
{
    type Output = Result<E::Response, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let path = E::PATH;
            let mut query = Vec::new();
            if let Some(name) = E::AUTH.query_name() {
                let token = self.credential.ok_or_else(|| {
                    Error::new(ErrorKind::MissingCredential {
                        path: path.to_owned(),
                    })
                })?;
                query.push((name.to_owned(), token.to_owned()));
            }
            let payload = match E::BODY {
                BodyKind::Json => Payload::Json(
                    serde_json::to_vec(self.request).map_err(|e| encode_error(path, e))?,
                ),
                BodyKind::Query | BodyKind::Multipart => {
                    let encoded = serde_urlencoded::to_string(self.request)
                        .map_err(|e| encode_error(path, e))?;
                    query.extend(
                        serde_urlencoded::from_str::<Vec<(String, String)>>(&encoded)
                            .map_err(|e| encode_error(path, e))?,
                    );
                    if E::BODY == BodyKind::Multipart {
                        Payload::Multipart(self.request.parts())
                    } else {
                        Payload::None
                    }
                }
            };
            let raw = self
                .client
                .send(E::METHOD, path, &query, payload, E::IDEMPOTENT)
                .await?;
            E::Response::from_response(path, raw).map_err(|e| e.sent_if(!E::IDEMPOTENT))
        })
    }
}

/// What a request carries in its body.
enum Payload {
    None,
    Json(Vec<u8>),
    Multipart(Vec<Part>),
}

fn encode_error(path: &str, error: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::with_source(
        ErrorKind::Encode {
            path: path.to_owned(),
        },
        error,
    )
}

impl Client {
    /// A builder with the defaults (WeChat's base URL, 10 s timeout, 3 attempts).
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL, without trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Prepares a call of `request`; add its credential, then `.await` it.
    ///
    /// # Errors
    ///
    /// At `.await`: [`ErrorKind::Api`] for a non-zero `errcode` (after retries of -1),
    /// [`ErrorKind::MissingCredential`] when the endpoint needs a token that was not given,
    /// transport, status and decoding errors otherwise.
    pub fn call<'a, E>(&'a self, request: &'a E) -> Call<'a, E>
    where
        E: Endpoint,
    {
        Call {
            client: self,
            request,
            credential: None,
        }
    }

    /// GETs an untyped endpoint: `path` (which may carry a query, e.g. the access token) plus
    /// `query`, decoded into `T` after WeChat's `errcode` is checked.
    ///
    /// ```no_run
    /// # async fn demo(client: wxgate_api::Client) -> Result<(), wxgate_api::Error> {
    /// let ips: serde_json::Value = client
    ///     .get_json("/cgi-bin/get_api_domain_ip", &[("access_token", "ACCESS_TOKEN")])
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Client::call`].
    pub async fn get_json<T>(&self, path: &str, query: &[(&str, &str)]) -> Result<T, Error>
    where
        T: DeserializeOwned,
    {
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let raw = self
            .send(Method::Get, path, &query, Payload::None, true)
            .await?;
        T::from_response(strip_query(path), raw)
    }

    /// POSTs `body` as JSON to an untyped endpoint; `path` may carry a query (the access
    /// token). Transport failures are not retried (the call may not be idempotent).
    ///
    /// ```no_run
    /// # async fn demo(client: wxgate_api::Client) -> Result<(), wxgate_api::Error> {
    /// let body = serde_json::json!({"button": [{"type": "click", "name": "Hi", "key": "HI"}]});
    /// let _: serde_json::Value = client
    ///     .post_json("/cgi-bin/menu/create?access_token=ACCESS_TOKEN", &body)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Client::call`].
    pub async fn post_json<B, T>(&self, path: &str, body: &B) -> Result<T, Error>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let log_path = strip_query(path);
        let body = serde_json::to_vec(body).map_err(|e| {
            Error::with_source(
                ErrorKind::Encode {
                    path: log_path.to_owned(),
                },
                e,
            )
        })?;
        let raw = self
            .send(Method::Post, path, &[], Payload::Json(body), false)
            .await?;
        T::from_response(log_path, raw).map_err(|e| e.sent_if(true))
    }

    /// Calls an untyped endpoint and returns its answer as it came, JSON or a file: a GET of
    /// `path` plus `query` without `body`, a POST of the JSON `body` with it (`path` may carry
    /// a query too). WeChat's `errcode` is checked first, as for [`Client::call`]. GETs are
    /// retried like any idempotent call; POSTs are not repeated once they may have reached
    /// WeChat (the call may not be idempotent). This is what `wxgate call` sends.
    ///
    /// ```no_run
    /// # async fn demo(client: wxgate_api::Client) -> Result<(), wxgate_api::Error> {
    /// let answer = client
    ///     .call_raw("/cgi-bin/menu/get", &[("access_token", "ACCESS_TOKEN")], None)
    ///     .await?;
    /// let menu: serde_json::Value = serde_json::from_slice(&answer.bytes).unwrap_or_default();
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Client::call`].
    pub async fn call_raw(
        &self,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<Download, Error> {
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let log_path = strip_query(path);
        let raw = match body {
            None => {
                self.send(Method::Get, path, &query, Payload::None, true)
                    .await?
            }
            Some(body) => {
                self.send(Method::Post, path, &query, Payload::Json(body), false)
                    .await?
            }
        };
        Download::from_response(log_path, raw)
    }

    /// Sends with retries; returns an answer without a non-zero `errcode`.
    ///
    /// A request that is not `idempotent` is not repeated once it may have reached WeChat
    /// (not even on `errcode` -1), and such a failure says the request may have been carried
    /// out ([`Error::may_have_been_sent`]).
    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        payload: Payload,
        idempotent: bool,
    ) -> Result<RawResponse, Error> {
        let log_path = strip_query(path);
        let url = if path.starts_with('/') {
            format!("{}{path}", self.inner.base_url)
        } else {
            format!("{}/{path}", self.inner.base_url)
        };
        let retry = &self.inner.retry;
        let mut attempt = 1;
        loop {
            let result = self.attempt(method, &url, log_path, query, &payload).await;
            if let Some(Observer(observe)) = &self.inner.observer {
                let seen = match &result {
                    Ok(_) => Attempt::Answered { errcode: 0 },
                    Err(error) => match error.error.kind() {
                        ErrorKind::Api(api) => Attempt::Answered {
                            errcode: api.code().code(),
                        },
                        _ => Attempt::Failed,
                    },
                };
                observe(log_path.trim_start_matches('/'), seen);
            }
            let error = match result {
                Ok(raw) => return Ok(raw),
                Err(error) => error,
            };
            let reached = !error.before_send && error.error.may_have_reached(idempotent);
            let retryable = match &error.error.kind() {
                ErrorKind::Api(api) => api.code().is_retryable() && idempotent,
                ErrorKind::Transport { .. } | ErrorKind::Timeout { .. } => {
                    idempotent || error.before_send
                }
                ErrorKind::Status { status, .. } => idempotent && *status >= 500,
                _ => false,
            };
            if !retryable || attempt >= retry.max_attempts {
                tracing::debug!(path = log_path, attempt, error = %error.error, "wechat call failed");
                return Err(error.error.sent_if(reached));
            }
            let wait = retry.backoff(attempt);
            tracing::debug!(
                path = log_path,
                attempt,
                wait_ms = wait.as_millis() as u64,
                error = %error.error,
                "wechat call failed, retrying"
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn attempt(
        &self,
        method: Method,
        url: &str,
        log_path: &str,
        query: &[(String, String)],
        payload: &Payload,
    ) -> Result<RawResponse, AttemptError> {
        let builder = match method {
            Method::Get => self.inner.http.get(url),
            Method::Post => self.inner.http.post(url),
        };
        let builder = match payload {
            Payload::None => builder,
            Payload::Json(body) => builder
                .header("content-type", "application/json; charset=utf-8")
                .body(body.clone()),
            Payload::Multipart(parts) => builder.multipart(form(parts, log_path)?),
        };
        let builder = if query.is_empty() {
            builder
        } else {
            builder.query(query)
        };
        let response = builder
            .send()
            .await
            .map_err(|e| AttemptError::transport(log_path, e))?;
        let status = response.status().as_u16();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let content_disposition = header(reqwest::header::CONTENT_DISPOSITION);
        let body = response
            .bytes()
            .await
            .map_err(|e| AttemptError::transport(log_path, e))?;
        if let Some(api) = ApiError::parse(&body) {
            return Err(AttemptError::from(Error::api(log_path, api)));
        }
        if !(200..300).contains(&status) {
            return Err(AttemptError::from(Error::status(log_path, status, &body)));
        }
        Ok(RawResponse {
            content_type,
            content_disposition,
            body,
        })
    }
}

/// The multipart form of an upload's parts (built again for each attempt: a form is consumed).
fn form(parts: &[Part], path: &str) -> Result<reqwest::multipart::Form, AttemptError> {
    let mut form = reqwest::multipart::Form::new();
    for part in parts {
        let length = part.bytes.len() as u64;
        let mut field = reqwest::multipart::Part::stream_with_length(part.bytes.clone(), length);
        if let Some(name) = &part.file_name {
            field = field.file_name(name.clone());
        }
        if let Some(mime) = &part.content_type {
            field = field.mime_str(mime).map_err(|e| AttemptError {
                error: Error::with_source(
                    ErrorKind::Encode {
                        path: path.to_owned(),
                    },
                    e.without_url(),
                ),
                before_send: true,
            })?;
        }
        form = form.part(part.name.clone(), field);
    }
    Ok(form)
}

/// An attempt's failure, with whether the request surely never left.
struct AttemptError {
    error: Error,
    before_send: bool,
}

impl AttemptError {
    fn transport(path: &str, error: reqwest::Error) -> Self {
        let path = path.to_owned();
        let before_send = error.is_connect();
        let kind = if error.is_timeout() {
            ErrorKind::Timeout { path }
        } else {
            ErrorKind::Transport { path }
        };
        Self {
            error: Error::with_source(kind, error.without_url()),
            before_send,
        }
    }
}

impl From<Error> for AttemptError {
    fn from(error: Error) -> Self {
        Self {
            error,
            before_send: false,
        }
    }
}

/// The path without its query (which may hold credentials).
fn strip_query(path: &str) -> &str {
    path.split_once('?').map_or(path, |(p, _)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let retry = RetryPolicy::new(5, Duration::from_millis(100), Duration::from_millis(300));
        let ceilings: Vec<u128> = (1..5)
            .map(|a| retry.curve().ceiling(a).as_millis())
            .collect();
        assert_eq!(ceilings, [100, 200, 300, 300]);
        for (attempt, ceiling) in (1..5).zip(ceilings) {
            assert!(retry.backoff(attempt).as_millis() <= ceiling);
        }
        assert_eq!(
            RetryPolicy::new(0, Duration::ZERO, Duration::ZERO).max_attempts(),
            1
        );
    }

    #[test]
    fn base_url_is_checked() {
        assert!(Client::builder().base_url("ftp://x").build().is_err());
        assert!(Client::builder().base_url("").build().is_err());
        let client = Client::builder()
            .base_url("http://127.0.0.1:1/prefix/")
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:1/prefix");
    }

    #[test]
    fn query_is_stripped_for_logs() {
        assert_eq!(strip_query("/cgi-bin/x?access_token=T"), "/cgi-bin/x");
        assert_eq!(strip_query("/cgi-bin/x"), "/cgi-bin/x");
    }
}
