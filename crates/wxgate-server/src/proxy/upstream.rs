//! The proxy's HTTP client: one call to WeChat, its URL built from the account's `api_base`,
//! and WeChat's answer with its errcode.
//!
//! hyper's pooled HTTP/1 client with rustls (the same client, TLS stack and roots that reqwest
//! wraps), used directly: reqwest parsed each call's URL, long with the token in its query,
//! three times (into its `Url`, again in its redirect layer and once more for the answer), and
//! with its middleware that was 43% of the gateway's instructions per proxied call.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderValue, Method, Request, StatusCode, Uri, header};
use http_body_util::{BodyExt as _, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde::Deserialize;

use crate::config::Config;

/// How long a call may take from sending to the answer's last byte: long enough for a 20 MB
/// upload on a slow link.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// How long connecting to WeChat may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long an idle connection to WeChat is kept for the next call.
const POOL_IDLE: Duration = Duration::from_secs(90);

/// Query parameters of the caller's that are never forwarded: the proxy adds the token itself.
const CALLER_TOKENS: [&str; 2] = ["access_token", "component_access_token"];

/// What is percent-encoded in the token: everything but URL-safe characters.
const TOKEN_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The `User-Agent` of every call.
const USER_AGENT: HeaderValue =
    HeaderValue::from_static(concat!("wxgate/", env!("CARGO_PKG_VERSION")));

/// The client and every account's API base.
pub(crate) struct Upstream {
    /// HTTP/1 with keep-alive, `TCP_NODELAY`, no proxy from the environment (a proxy would see
    /// every token) and no redirects (a redirect would carry the token to another host).
    http: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    /// Account id → `api_base` without a trailing `/`.
    bases: HashMap<String, String>,
}

impl fmt::Debug for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upstream")
            .field("bases", &self.bases)
            .finish_non_exhaustive()
    }
}

/// One call as the caller sent it.
#[derive(Debug)]
pub(crate) struct Outgoing<'a> {
    pub(crate) account: &'a str,
    /// The API base of an account that is not configured (an authorizer's, its component's).
    pub(crate) base: &'a str,
    /// A path checked by [`super::path::check`].
    pub(crate) path: &'a str,
    pub(crate) method: Method,
    /// The caller's raw query string.
    pub(crate) query: Option<&'a str>,
    pub(crate) content_type: Option<&'a HeaderValue>,
    pub(crate) body: Bytes,
}

/// WeChat's answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) content_type: Option<HeaderValue>,
    pub(crate) content_disposition: Option<HeaderValue>,
    pub(crate) body: Bytes,
    /// The `errcode` of a JSON answer that has one; `None` for other answers (data, binary).
    pub(crate) errcode: Option<i64>,
}

/// Why a call got no answer: the transport error, never with the URL (which holds the token).
#[derive(Debug)]
pub(crate) struct Unreachable(String);

impl fmt::Display for Unreachable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up TLS: {0}")]
pub(crate) struct ClientError(#[from] rustls::Error);

impl Upstream {
    /// The client for `config`'s accounts.
    pub(crate) fn new(config: &Config) -> Result<Self, ClientError> {
        let mut http = HttpConnector::new();
        // `https://` is handled by the TLS connector around it.
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(CONNECT_TIMEOUT));
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let http = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(POOL_IDLE)
            .pool_timer(TokioTimer::new())
            .build(connector);
        let bases = config
            .accounts
            .iter()
            .map(|a| (a.id.clone(), a.api_base.trim_end_matches('/').to_owned()))
            .collect();
        Ok(Self { http, bases })
    }

    /// Sends `outgoing` with `token`; WeChat's answer, whatever it is.
    pub(crate) async fn send(
        &self,
        outgoing: &Outgoing<'_>,
        token: &str,
    ) -> Result<Answer, Unreachable> {
        let base = self
            .bases
            .get(outgoing.account)
            .map_or_else(|| outgoing.base.trim_end_matches('/'), String::as_str);
        let uri = Uri::try_from(target(base, outgoing.path, outgoing.query, token))
            .map_err(|_| Unreachable("the account's API base does not make a URL".to_owned()))?;
        let mut request = Request::new(Full::new(outgoing.body.clone()));
        *request.method_mut() = outgoing.method.clone();
        *request.uri_mut() = uri;
        let headers = request.headers_mut();
        headers.insert(header::USER_AGENT, USER_AGENT);
        headers.insert(header::ACCEPT, HeaderValue::from_static("*/*"));
        if let Some(content_type) = outgoing.content_type {
            headers.insert(header::CONTENT_TYPE, content_type.clone());
        }
        let call = async {
            let response = self
                .http
                .request(request)
                .await
                .map_err(|error| unreachable(error.is_connect(), &error, token))?;
            let (parts, body) = response.into_parts();
            let body = body
                .collect()
                .await
                .map_err(|error| unreachable(false, &error, token))?
                .to_bytes();
            Ok((parts, body))
        };
        let (parts, body) = tokio::time::timeout(CALL_TIMEOUT, call)
            .await
            .map_err(|_| {
                Unreachable(format!(
                    "WeChat did not answer within {} s",
                    CALL_TIMEOUT.as_secs()
                ))
            })??;
        let errcode = errcode(&body);
        Ok(Answer {
            status: parts.status,
            content_type: parts.headers.get(header::CONTENT_TYPE).cloned(),
            content_disposition: parts.headers.get(header::CONTENT_DISPOSITION).cloned(),
            body,
            errcode,
        })
    }
}

/// A transport error as text with its causes. hyper's errors never hold the URL, and a text
/// that held the token anyway would be replaced by a plain one.
fn unreachable(
    connect: bool,
    error: &(dyn std::error::Error + 'static),
    token: &str,
) -> Unreachable {
    if connect {
        return Unreachable("WeChat could not be reached (connection failed)".to_owned());
    }
    let mut what = format!("WeChat could not be reached: {error}");
    let mut cause = error.source();
    while let Some(error) = cause {
        what.push_str(": ");
        what.push_str(&error.to_string());
        cause = error.source();
    }
    if !token.is_empty() && what.contains(token) {
        what = "WeChat could not be reached".to_owned();
    }
    Unreachable(what)
}

/// `base/path?<caller's query without tokens>&access_token=<token>`.
pub(crate) fn target(base: &str, path: &str, query: Option<&str>, token: &str) -> String {
    let mut url = String::with_capacity(base.len() + path.len() + 200);
    url.push_str(base);
    url.push('/');
    url.push_str(path);
    url.push('?');
    for pair in query.unwrap_or_default().split('&') {
        if pair.is_empty() || is_caller_token(pair) {
            continue;
        }
        url.push_str(pair);
        url.push('&');
    }
    url.push_str("access_token=");
    url.extend(utf8_percent_encode(token, TOKEN_ENCODE));
    url
}

/// Whether a `name=value` pair of the query names a token, however its name is encoded.
fn is_caller_token(pair: &str) -> bool {
    let name = pair.split_once('=').map_or(pair, |(name, _)| name);
    let name = name.replace('+', " ");
    let name = percent_decode_str(&name).decode_utf8_lossy();
    CALLER_TOKENS
        .iter()
        .any(|token| name.eq_ignore_ascii_case(token))
}

/// The `errcode` of a JSON object answer, if it has one. Bodies without the word are not parsed
/// (data and binary answers).
fn errcode(body: &[u8]) -> Option<i64> {
    #[derive(Deserialize)]
    struct Status {
        errcode: Option<i64>,
    }
    let start = body.iter().position(|b| !b.is_ascii_whitespace())?;
    if body[start] != b'{' || !body.windows(9).any(|w| w == b"\"errcode\"") {
        return None;
    }
    serde_json::from_slice::<Status>(body)
        .ok()
        .and_then(|status| status.errcode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_keeps_the_callers_query_but_its_tokens() {
        assert_eq!(
            target("http://127.0.0.1:9", "cgi-bin/user/get", None, "T/k+n-_"),
            "http://127.0.0.1:9/cgi-bin/user/get?access_token=T%2Fk%2Bn-_"
        );
        assert_eq!(
            target(
                "https://api.weixin.qq.com",
                "cgi-bin/media/get",
                Some(
                    "media_id=a%20b&access_token=MINE&&x=1&access%5Ftoken=ENC&ACCESS_TOKEN=UP&component_access_token=C&access_token"
                ),
                "TOKEN"
            ),
            "https://api.weixin.qq.com/cgi-bin/media/get?media_id=a%20b&x=1&access_token=TOKEN"
        );
    }

    #[test]
    fn transport_errors_give_their_causes_but_never_the_token() {
        let reset = std::io::Error::other("connection reset");
        assert_eq!(
            unreachable(false, &reset, "TOKEN123").to_string(),
            "WeChat could not be reached: connection reset"
        );
        assert_eq!(
            unreachable(true, &reset, "TOKEN123").to_string(),
            "WeChat could not be reached (connection failed)"
        );
        let leaky = std::io::Error::other("bad answer to /cgi-bin/x?access_token=TOKEN123");
        assert_eq!(
            unreachable(false, &leaky, "TOKEN123").to_string(),
            "WeChat could not be reached"
        );
    }

    #[test]
    fn errcodes_are_read_from_json_objects_only() {
        assert_eq!(
            errcode(br#"{"errcode":40001,"errmsg":"invalid credential"}"#),
            Some(40001)
        );
        assert_eq!(errcode(b" \n{\"errmsg\":\"ok\",\"errcode\":0}"), Some(0));
        assert_eq!(errcode(br#"{"total":1,"data":{"openid":["o1"]}}"#), None);
        assert_eq!(errcode(b"\x89PNG\r\n\"errcode\""), None);
        assert_eq!(errcode(br#"{"errcode":"x"}"#), None);
        assert_eq!(errcode(b""), None);
    }
}
