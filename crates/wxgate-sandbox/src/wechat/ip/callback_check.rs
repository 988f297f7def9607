//! `POST /cgi-bin/callback/check`: resolve and reach the app's callback host.
//!
//! See [WeChat Docs/网络检测](https://developers.weixin.qq.com/doc/service/api/base/api_callbackcheck.html).

use std::net::IpAddr;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use serde::Deserialize;
use serde_json::Value;

use super::*;
use crate::error::WxError;
use crate::wechat::typed_body;

/// `POST /cgi-bin/callback/check`
pub(super) const API: Api = Api::post("cgi-bin/callback/check").daily(1_440);

/// `{"action":"all","check_operator":"DEFAULT"}`
#[derive(Deserialize)]
struct Body {
    action: Action,
    check_operator: Operator,
}

#[derive(Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Action {
    Dns,
    Ping,
    All,
}

#[derive(Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
enum Operator {
    Chinanet,
    Unicom,
    Cap,
    Default,
}

impl Operator {
    fn names(self) -> &'static [&'static str] {
        match self {
            Self::Chinanet => &["CHINANET"],
            Self::Unicom => &["UNICOM"],
            Self::Cap => &["CAP"],
            Self::Default => &["CHINANET", "UNICOM", "CAP"],
        }
    }
}

/// The host and port of a callback URL (`http://host:port/path`).
fn host_port(url: &str) -> Option<(String, u16)> {
    let (default_port, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (443, rest)
    } else {
        (80, url.strip_prefix("http://")?)
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        let port = after
            .strip_prefix(':')
            .map_or(Some(default_port), |p| p.parse().ok())?;
        return Some((host.to_owned(), port));
    }
    match authority.split_once(':') {
        Some((host, port)) => Some((host.to_owned(), port.parse().ok()?)),
        None => Some((authority.to_owned(), default_port)),
    }
}

/// The address of a host without a DNS lookup (the sandbox stays on loopback).
fn address(host: &str) -> Option<IpAddr> {
    if host.eq_ignore_ascii_case("localhost") {
        return Some(IpAddr::from([127, 0, 0, 1]));
    }
    host.parse().ok()
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            let callback_url = sb.with_state_ro(|s| {
                s.app(&app_id)
                    .map(|app| app.spec.callback_url.clone())
                    .ok_or_else(WxError::invalid_appid)
            })?;
            let target = host_port(&callback_url)
                .and_then(|(host, port)| address(&host).map(|ip| (ip, port)));
            let operators = body.check_operator.names();
            let mut dns = Vec::new();
            let mut ping = Vec::new();
            if let Some((ip, port)) = target {
                let address = ip.to_string();
                if matches!(body.action, Action::Dns | Action::All) {
                    for operator in operators {
                        dns.push(json!({"ip": address, "real_operator": operator}));
                    }
                }
                if matches!(body.action, Action::Ping | Action::All) {
                    for operator in operators {
                        let started = Instant::now();
                        let reached = tokio::time::timeout(
                            Duration::from_secs(2),
                            tokio::net::TcpStream::connect((ip, port)),
                        )
                        .await
                        .is_ok_and(|r| r.is_ok());
                        let ms = started.elapsed().as_secs_f64() * 1000.0;
                        ping.push(json!({
                            "ip": address,
                            "from_operator": operator,
                            "package_loss": if reached { "0%" } else { "100%" },
                            "time": if reached { format!("{ms:.3}ms") } else { String::new() },
                        }));
                    }
                }
            }
            Ok::<Value, WxError>(json!({"dns": dns, "ping": ping}))
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_hosts() {
        assert_eq!(
            host_port("http://127.0.0.1:8080/wechat/main"),
            Some(("127.0.0.1".to_owned(), 8080))
        );
        assert_eq!(
            host_port("https://example.com/wx?x=1"),
            Some(("example.com".to_owned(), 443))
        );
        assert_eq!(host_port("http://[::1]:9/x"), Some(("::1".to_owned(), 9)));
        assert_eq!(host_port("ftp://x"), None);
        assert_eq!(address("localhost"), Some(IpAddr::from([127, 0, 0, 1])));
        assert_eq!(address("example.com"), None);
    }
}
