//! The proxy's HTTP client: one call to WeChat, its URL built from the account's `api_base`,
//! and WeChat's answer with its errcode.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderValue, Method, StatusCode, header};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde::Deserialize;

use crate::config::Config;

/// How long a call may take from sending to the answer's last byte: long enough for a 20 MB
/// upload on a slow link.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// How long connecting to WeChat may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Query parameters of the caller's that are never forwarded: the proxy adds the token itself.
const CALLER_TOKENS: [&str; 2] = ["access_token", "component_access_token"];

/// What is percent-encoded in the token: everything but URL-safe characters.
const TOKEN_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The client and every account's API base.
#[derive(Debug)]
pub(crate) struct Upstream {
    http: reqwest::Client,
    /// Account id → `api_base` without a trailing `/`.
    bases: HashMap<String, String>,
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

/// Why a call got no answer: the transport error without its URL (which holds the token).
#[derive(Debug)]
pub(crate) struct Unreachable(String);

impl fmt::Display for Unreachable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Upstream {
    /// The client for `config`'s accounts.
    pub(crate) fn new(config: &Config) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            // WeChat is called directly: a proxy from the environment would see every token,
            // and a redirect would carry the token to another host.
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(CALL_TIMEOUT)
            .tcp_nodelay(true)
            .user_agent(concat!("wxgate/", env!("CARGO_PKG_VERSION")))
            .build()?;
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
        let url = target(base, outgoing.path, outgoing.query, token);
        let mut request = self.http.request(outgoing.method.clone(), url);
        if !outgoing.body.is_empty() || outgoing.method != Method::GET {
            request = request.body(outgoing.body.clone());
        }
        if let Some(content_type) = outgoing.content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status();
        let headers = response.headers();
        let content_type = headers.get(header::CONTENT_TYPE).cloned();
        let content_disposition = headers.get(header::CONTENT_DISPOSITION).cloned();
        let body = response.bytes().await.map_err(unreachable)?;
        let errcode = errcode(&body);
        Ok(Answer {
            status,
            content_type,
            content_disposition,
            body,
            errcode,
        })
    }
}

/// A transport error as text, without the URL.
fn unreachable(error: reqwest::Error) -> Unreachable {
    let error = error.without_url();
    let what = if error.is_timeout() {
        format!("WeChat did not answer within {} s", CALL_TIMEOUT.as_secs())
    } else if error.is_connect() {
        "WeChat could not be reached (connection failed)".to_owned()
    } else {
        format!("WeChat could not be reached: {error}")
    };
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
