//! Signing, encrypting, POSTing with timeout and retries, and classifying the answer.

use std::time::Instant;

use serde_json::{Value, json};
use wxgate_proto::crypto::{AesKey, MessageCrypt};
use wxgate_proto::signature;

use super::reply;
use crate::Sandbox;
use crate::config::Mode;
use crate::config::Secret;
use crate::state::{App, ComponentSpec};

/// At most this many characters of a refusing callback's body are kept as the reason.
pub(crate) const REASON_MAX_CHARS: usize = 200;

/// How an answer was classified: a passive reply, `success`, an empty body, something WeChat would not accept, or nothing within 5 s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DeliveryOutcome {
    Reply,
    Success,
    Empty,
    Invalid,
    Timeout,
}

impl DeliveryOutcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Reply => "reply",
            Self::Success => "success",
            Self::Empty => "empty",
            Self::Invalid => "invalid",
            Self::Timeout => "timeout",
        }
    }
}

/// Everything needed to deliver one push, gathered under the state lock.
pub(crate) struct Prepared {
    url: String,
    token: Secret,
    mode: Mode,
    crypt: Option<MessageCrypt>,
    original_id: String,
    openid: String,
    /// The plaintext message XML.
    pub(crate) xml: String,
    /// The body POSTed on every attempt.
    body: String,
    /// `<Encrypt>` of the body, in compatible and safe modes.
    encrypt: Option<String>,
    /// Articles allowed in a news reply; `None` when replies are ignored (notification events).
    pub(crate) news_limit: Option<usize>,
}

impl Prepared {
    /// A push of `app`'s user message or event: to the app's callback URL, or, when a component
    /// manages the app's messages, to the component's message URL (`$APPID$` replaced) in safe
    /// mode with the component's token, key and AppID.
    pub(crate) fn new(
        app: &App,
        component: Option<&ComponentSpec>,
        openid: &str,
        xml: String,
        news_limit: Option<usize>,
        random16: [u8; 16],
    ) -> Self {
        if let Some(component) = component {
            let mut prepared = Self::component(component, &app.spec.original_id(), xml, random16);
            prepared.url = component.message_url.replace("$APPID$", &app.spec.app_id);
            prepared.openid = openid.to_owned();
            prepared.news_limit = news_limit;
            return prepared;
        }
        let spec = &app.spec;
        let crypt = spec
            .encoding_aes_key
            .as_ref()
            .and_then(|k| AesKey::parse(k.expose()).ok())
            .map(|key| MessageCrypt::new(spec.token.expose().to_owned(), key, spec.app_id.clone()));
        let original_id = spec.original_id();
        let (body, encrypt) = match (&spec.mode, &crypt) {
            (Mode::Plaintext, _) | (_, None) => (xml.clone(), None),
            (mode, Some(crypt)) => {
                let encrypt = crypt.encrypt(xml.as_bytes(), random16);
                let mut cdata = String::new();
                wxgate_proto::xml::push_cdata(&mut cdata, &encrypt);
                let body = if *mode == Mode::Safe {
                    let mut w = wxgate_proto::xml::Writer::new();
                    w.text("ToUserName", &original_id).text("Encrypt", &encrypt);
                    w.finish()
                } else {
                    let cut = xml.rfind("</xml>").unwrap_or(xml.len());
                    format!("{}<Encrypt>{cdata}</Encrypt></xml>", &xml[..cut])
                };
                (body, Some(encrypt))
            }
        };
        Self {
            url: spec.callback_url.clone(),
            token: spec.token.clone(),
            mode: spec.mode,
            crypt,
            original_id,
            openid: openid.to_owned(),
            xml,
            body,
            encrypt,
            news_limit,
        }
    }
}

impl Prepared {
    /// A push encrypted with the component's token, key and AppID, to its events URL: with
    /// `to_user` empty, an authorization-event body (`<AppId>` + `<Encrypt>`), otherwise a
    /// message body (`<ToUserName>` + `<Encrypt>`). Answers are not read as replies.
    pub(crate) fn component(
        spec: &ComponentSpec,
        to_user: &str,
        xml: String,
        random16: [u8; 16],
    ) -> Self {
        let crypt = AesKey::parse(spec.encoding_aes_key.expose())
            .ok()
            .map(|key| {
                MessageCrypt::new(
                    spec.token.expose().to_owned(),
                    key,
                    spec.component_appid.clone(),
                )
            });
        let encrypt = crypt
            .as_ref()
            .map(|c| c.encrypt(xml.as_bytes(), random16))
            .unwrap_or_default();
        let mut w = wxgate_proto::xml::Writer::new();
        if to_user.is_empty() {
            w.text("AppId", &spec.component_appid);
        } else {
            w.text("ToUserName", to_user);
        }
        w.text("Encrypt", &encrypt);
        Self {
            url: spec.events_url.clone(),
            token: spec.token.clone(),
            mode: Mode::Safe,
            crypt,
            original_id: to_user.to_owned(),
            openid: String::new(),
            xml,
            body: w.finish(),
            encrypt: Some(encrypt),
            news_limit: None,
        }
    }
}

/// The result of one push.
pub(crate) struct Delivery {
    pub(crate) outcome: DeliveryOutcome,
    pub(crate) reply: Option<Value>,
    pub(crate) raw: String,
    pub(crate) decrypted: Option<String>,
    pub(crate) error: Option<String>,
    /// The HTTP status of the answer, when there was one.
    pub(crate) status: Option<u16>,
    pub(crate) attempts: u32,
    pub(crate) elapsed_ms: u64,
    pub(crate) tries: Vec<Value>,
    pub(crate) body: String,
}

impl Delivery {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "outcome": self.outcome.as_str(),
            "reply": self.reply,
            "raw": self.raw,
            "decrypted": self.decrypted,
            "error": self.error,
            "status": self.status,
            "attempts": self.attempts,
            "elapsed_ms": self.elapsed_ms,
            "tries": self.tries,
        })
    }
}

pub(crate) async fn deliver(sb: &Sandbox, prepared: Prepared) -> Delivery {
    let started = Instant::now();
    let attempts = sb.config().push_attempts.max(1);
    let timeout = sb.config().push_timeout;
    let mut tries = Vec::new();
    let mut last_error = None;
    for attempt in 1..=attempts {
        let (timestamp, nonce) = sb.with_state(|s| (s.now().to_string(), s.random_nonce()));
        let query = push_query(&prepared, &timestamp, &nonce);
        let try_started = Instant::now();
        let result = sb
            .http()
            .post(&prepared.url)
            .query(&query)
            .header("content-type", "text/xml; charset=utf-8")
            .body(prepared.body.clone())
            .timeout(timeout)
            .send()
            .await;
        let response = match result {
            Ok(response) => {
                let status = response.status();
                response.bytes().await.map(|bytes| (status, bytes))
            }
            Err(error) => Err(error),
        };
        match response {
            Ok((status, bytes)) => {
                let ms = try_started.elapsed().as_millis() as u64;
                tries.push(json!({"attempt": attempt, "ms": ms, "status": status.as_u16()}));
                let raw = String::from_utf8_lossy(&bytes).into_owned();
                let classified = if status.is_success() {
                    reply::classify(&prepared, &raw)
                } else {
                    reply::Classified::invalid(refusal(status, &raw))
                };
                return Delivery {
                    outcome: classified.outcome,
                    reply: classified.reply,
                    raw,
                    decrypted: classified.decrypted,
                    error: classified.error,
                    status: Some(status.as_u16()),
                    attempts: attempt,
                    elapsed_ms: started.elapsed().as_millis() as u64,
                    tries,
                    body: prepared.body,
                };
            }
            Err(error) => {
                let ms = try_started.elapsed().as_millis() as u64;
                let text = if error.is_timeout() {
                    format!("no answer within {} ms", timeout.as_millis())
                } else {
                    format!("could not reach the callback: {}", without_url(&error))
                };
                tries.push(json!({"attempt": attempt, "ms": ms, "error": text}));
                last_error = Some(text);
            }
        }
    }
    Delivery {
        outcome: DeliveryOutcome::Timeout,
        reply: None,
        raw: String::new(),
        decrypted: None,
        error: last_error,
        status: None,
        attempts,
        elapsed_ms: started.elapsed().as_millis() as u64,
        tries,
        body: prepared.body,
    }
}

/// The query of one delivery attempt: `signature`, `timestamp`, `nonce`, `openid` (user pushes),
/// and for encrypted pushes `encrypt_type=aes` and `msg_signature`.
fn push_query(prepared: &Prepared, timestamp: &str, nonce: &str) -> Vec<(&'static str, String)> {
    let mut query = vec![
        (
            "signature",
            signature::sign(&[prepared.token.expose(), timestamp, nonce]),
        ),
        ("timestamp", timestamp.to_owned()),
        ("nonce", nonce.to_owned()),
    ];
    if !prepared.openid.is_empty() {
        query.push(("openid", prepared.openid.clone()));
    }
    if let Some(encrypt) = &prepared.encrypt {
        query.push(("encrypt_type", "aes".to_owned()));
        query.push((
            "msg_signature",
            signature::sign(&[prepared.token.expose(), timestamp, nonce, encrypt]),
        ));
    }
    query
}

/// Why a callback that answered a non-2xx status refused the push: the status and the start of
/// its body (the gateway explains itself in text, e.g. `timestamp outside the accepted window`),
/// whitespace collapsed and bounded to [`REASON_MAX_CHARS`].
pub(crate) fn refusal(status: reqwest::StatusCode, body: &str) -> String {
    let mut text = String::new();
    for word in body.split_whitespace() {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(word);
        if text.chars().count() > REASON_MAX_CHARS {
            break;
        }
    }
    if text.chars().count() > REASON_MAX_CHARS {
        text = text.chars().take(REASON_MAX_CHARS).collect();
        text.push('…');
    }
    if text.is_empty() {
        format!("callback answered HTTP {status}")
    } else {
        format!("callback answered HTTP {status}: {text}")
    }
}

/// reqwest errors print the URL, which carries signatures; keep only the kind.
fn without_url(error: &reqwest::Error) -> String {
    if error.is_connect() {
        "connection failed".to_owned()
    } else if error.is_request() {
        "request failed".to_owned()
    } else {
        "transport error".to_owned()
    }
}

/// Fields `reply::classify` needs from a prepared push.
impl Prepared {
    pub(crate) fn mode(&self) -> Mode {
        self.mode
    }
    pub(crate) fn crypt(&self) -> Option<&MessageCrypt> {
        self.crypt.as_ref()
    }
    pub(crate) fn original_id(&self) -> &str {
        &self.original_id
    }
    pub(crate) fn openid(&self) -> &str {
        &self.openid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(appid: &str, token: &str, key: &str) -> ComponentSpec {
        ComponentSpec {
            component_appid: appid.to_owned(),
            component_appsecret: "s".into(),
            token: token.into(),
            encoding_aes_key: key.into(),
            events_url: "http://127.0.0.1:9/events".to_owned(),
            message_url: "https://www.qq.com/$APPID$/revice".to_owned(),
        }
    }

    fn rand16(text: &str) -> [u8; 16] {
        text.as_bytes().try_into().expect("16 bytes")
    }

    /// The official third-party `message_push` example: an authorizer's message, encrypted with
    /// the component's key and AppID, to the message URL with `$APPID$` replaced.
    #[test]
    fn authorizer_messages_match_the_documented_example() {
        let spec = spec("wx134c8103faa5a59e", "AAAAA", &"A".repeat(43));
        let msg = "<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>\n<FromUserName><![CDATA[o9AgO5Kd5ggOC-bXrbNODIiE3bGY]]></FromUserName>\n<CreateTime>1715943329</CreateTime>\n<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[debug_demo]]></Event>\n<debug_str><![CDATA[hello world]]></debug_str>\n</xml>";
        let mut prepared = Prepared::component(
            &spec,
            "gh_97417a04a28d",
            msg.to_owned(),
            rand16("1205899eaf019bbd"),
        );
        prepared.openid = "o9AgO5Kd5ggOC-bXrbNODIiE3bGY".to_owned();
        let encrypt = "D7yzvUNAL930rd28wf21s4hvXhz0L6Uit/p2Di6C5DHyYGpEgdBRnKjBec34JwoQXicwaZC7fOVihW80F4VtsdvE//1vr7oAbqjDv8KenVp+ajKYpJnyQ4zMRhIC+a31fCVOMC03FfzV/QuC94kBP55a+Za3sJgvAn+ZbsNqZI5DkyuzkhQN8OBqCzFhizGmy0xpM0MEA4agpvE+RuNO1rhHTtuJB5yltw1FiYzecSXJ+y/D2r81VkRn2eYjh2ltsoyfbDR7Is6ookXIFxTfyeNyeHxMeT4KN5WpCDmSbTcUYrbBUlkGLJ9n/rU8YOywma6G7aTb7KZKOqCxgfoUlYEZPk4FUL/TK7ShriFDMVCLyjQJ15Ob++agDWtcxhfUfe6HIoIpRW8mKNBQiY/Jd1svvuskA1wLef1RTtzKfMpagSCX/laZINmdnX4zrF6kIaR9P4xQrWXbsTFHTYe0Mg==";
        assert_eq!(prepared.encrypt.as_deref(), Some(encrypt));
        assert_eq!(
            prepared.body,
            format!(
                "<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
            )
        );
        let query = push_query(&prepared, "1715943329", "1590219412");
        let get = |k: &str| query.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
        assert_eq!(
            get("signature"),
            Some("cc0c594499c1634947d5b502f158ee518947db27")
        );
        assert_eq!(
            get("msg_signature"),
            Some("6c12a4205838198b8fa631b3220723bb07f1015c")
        );
        assert_eq!(get("openid"), Some("o9AgO5Kd5ggOC-bXrbNODIiE3bGY"));
        assert_eq!(get("encrypt_type"), Some("aes"));
    }

    /// Component notices (the `unauthorized` and `component_verify_ticket` pushes of a peer SDK's
    /// test suite): `<AppId>` + `<Encrypt>`, no `openid`.
    #[test]
    fn component_notices_match_the_peer_vectors() {
        let spec = spec(
            "wxbbd3f07e2945cf2a",
            "senparc",
            "0123456789012345678901234567890123456789012",
        );
        let cases = [
            (
                "<xml><AppId><![CDATA[wxbbd3f07e2945cf2a]]></AppId>\n<CreateTime>1436876196</CreateTime>\n<InfoType><![CDATA[unauthorized]]></InfoType><AuthorizerAppid><![CDATA[wx570bc396a51b8ff8]]></AuthorizerAppid></xml>",
                "7b1c479310a7c12d",
                "7d7R2gPF37VXWzQoveo4Ts2xG4iuOS3gwJ3kbc56PBL40BY6uHNjvlBrvaw3LqS4Th3Z93DIOjs7Yhlv8YW72oh1ARDuR0aXUTySTXQ8CWJWVz7VNWruFT25hfGBOnPlNW1GJyV5l8LLoIIasaiWJbteqEfgCW7ehwL8F7kTNClFaiFrS7AzlK6DMR4gMBdL0b0mfpfp8bfEkPmEcy/ARQiQBTwXz/NhxBvHTFGtKIv3VYR+ZztzoV1wVc/nXBg/FhvW7fzQRsqbCBZ2gegRwfz5j10HPB5rfjaZjO4fvEsx8V2/rTICtcUxkMV1GO5cgbasw/FEIDCH2NAUl/ht0w==",
                ("1436876197", "1879066412"),
                (
                    "6cd59ed9ca88d3993475bd4960052c5e5204391e",
                    "346f1ed0ed84e80342072f2b88e2f4f018b8c79d",
                ),
            ),
            (
                "<xml><AppId><![CDATA[wxbbd3f07e2945cf2a]]></AppId>\n<CreateTime>1436881222</CreateTime>\n<InfoType><![CDATA[component_verify_ticket]]></InfoType>\n<ComponentVerifyTicket><![CDATA[ticket@@@hXh2446N-P9OOZqW4EeuPO9zFXEnAz5Vzc0JaWczBkIqcw2javRF0C_VVdwVYrEwyw1xHOiui7gB0WqKaYPMUQ]]></ComponentVerifyTicket>\n</xml>",
                "975d750afe6d0afe",
                "/RWeOUN4J839ynYH960Duj2k0WwvSfwq2dBFQ1NG78v9CZKbiCk5F8Fq/RGV0oFALoy+2L7KDe+1EbitZK7T4KtHMxntcEeQDxhWGdbeyTYJStcl7pudKA/ltfPP2nDbMrvmdl6JAX/XY4El0XEaYMrxegU3B1aUMZJ1GDjz9pIFv5+DPWj2mf7mhwIKcJSfeMctifS5UyJHKmIM+gnPQjtcKsVdnjaLckEScUsKKTygeG9IOtWFfE720W6g5UfOg3yxPFCUrqjWKRTue7g0yT0vQyb0L5cODKh1bCjIRcgikJsRVo3tAX1QO/CrHzKEEDqaD3Rx1hRkvRl/2KQlFd/DkhOzWp1LmpsCZQiNj0Fdc41aVleaFrwUQ8svg9Wt2iJLDhdqlz1Us2Pb6Ayx3dJLhXtb4ynJGsPFq0N8RrCuLgU391BpAiga5JBcjzS50pfvBBEEPQDyAE7znPphrA==",
                ("1436881222", "296318614"),
                (
                    "60d1ddec039f51cc8c7ee4ea9ae9a479dd7c7d01",
                    "066523677e42a15c64a725ba0058cd7651174624",
                ),
            ),
        ];
        for (xml, random, encrypt, (ts, nonce), (sig, msg_sig)) in cases {
            let prepared = Prepared::component(&spec, "", xml.to_owned(), rand16(random));
            assert_eq!(prepared.encrypt.as_deref(), Some(encrypt));
            assert_eq!(
                prepared.body,
                format!(
                    "<xml><AppId><![CDATA[wxbbd3f07e2945cf2a]]></AppId><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
                )
            );
            assert_eq!(prepared.url, "http://127.0.0.1:9/events");
            let query = push_query(&prepared, ts, nonce);
            let get = |k: &str| query.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
            assert_eq!(get("signature"), Some(sig));
            assert_eq!(get("msg_signature"), Some(msg_sig));
            assert_eq!(get("openid"), None);
        }
    }

    #[test]
    fn refusals_keep_the_start_of_the_body() {
        let status = reqwest::StatusCode::UNAUTHORIZED;
        assert_eq!(
            refusal(status, "timestamp outside\n the accepted window\n"),
            "callback answered HTTP 401 Unauthorized: timestamp outside the accepted window"
        );
        assert_eq!(
            refusal(status, " \n"),
            "callback answered HTTP 401 Unauthorized"
        );
        let long = refusal(status, &"é".repeat(5000));
        let kept = long.rsplit(": ").next().unwrap_or_default();
        assert_eq!(kept.chars().count(), REASON_MAX_CHARS + 1, "{long}");
        assert!(kept.ends_with('…'));
    }
}
