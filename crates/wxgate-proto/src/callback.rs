//! Verifying and opening a callback request, and sealing its response.
//!
//! This is the whole callback protocol without I/O: give it the query string and the body,
//! get the inner XML back; give it a reply, get the body to send.
//!
//! The encryption mode comes from the account's configuration, never from the request:
//! a safe-mode account refuses a plaintext push even if its signature is valid.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::crypto::{CryptoError, KeySlot, MessageCrypt};
use crate::message::Inbound;
use crate::signature;
use crate::xml::{self, Element, XmlError};

/// The account's message encryption mode, as configured on the platform.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// 明文: plaintext bodies, plaintext replies.
    #[default]
    Plaintext,
    /// 兼容: plaintext fields plus `Encrypt`; either kind of reply.
    Compatible,
    /// 安全: only `Encrypt`; encrypted replies.
    Safe,
}

impl Mode {
    /// The mode's config name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Plaintext => "plaintext",
            Self::Compatible => "compatible",
            Self::Safe => "safe",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "plaintext" => Ok(Self::Plaintext),
            "compatible" => Ok(Self::Compatible),
            "safe" => Ok(Self::Safe),
            other => Err(format!(
                "unknown mode {other:?}: expected plaintext, compatible or safe"
            )),
        }
    }
}

/// The query string of a callback request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    /// `signature`: over token, timestamp, nonce.
    pub signature: Option<String>,
    /// `timestamp`.
    pub timestamp: Option<String>,
    /// `nonce`.
    pub nonce: Option<String>,
    /// `echostr`, on URL verification.
    pub echostr: Option<String>,
    /// `openid` of the sender, on user messages.
    pub openid: Option<String>,
    /// `encrypt_type`: `aes` when the body is encrypted.
    pub encrypt_type: Option<String>,
    /// `msg_signature`: over token, timestamp, nonce, Encrypt.
    pub msg_signature: Option<String>,
}

impl Query {
    /// Parses a raw query string (`a=1&b=2`), percent-decoding values that need it.
    ///
    /// Unknown parameters are ignored; for a repeated parameter the first one wins. This is
    /// the callback hot path, so it does not go through a generic deserializer.
    ///
    /// # Examples
    ///
    /// ```
    /// use wxgate_proto::callback::Query;
    /// let q = Query::parse("signature=abc&timestamp=1&nonce=2&openid=o%2Bx&encrypt_type=aes");
    /// assert_eq!(q.openid.as_deref(), Some("o+x"));
    /// assert!(q.is_encrypted());
    /// ```
    #[must_use]
    pub fn parse(raw: &str) -> Self {
        QueryRef::parse(raw).into_owned()
    }

    /// The same parameters, borrowed.
    #[must_use]
    pub fn as_query_ref(&self) -> QueryRef<'_> {
        fn borrow(value: &Option<String>) -> Option<Cow<'_, str>> {
            value.as_deref().map(Cow::Borrowed)
        }
        QueryRef {
            signature: borrow(&self.signature),
            timestamp: borrow(&self.timestamp),
            nonce: borrow(&self.nonce),
            echostr: borrow(&self.echostr),
            openid: borrow(&self.openid),
            encrypt_type: borrow(&self.encrypt_type),
            msg_signature: borrow(&self.msg_signature),
        }
    }

    /// Whether the request says its body is encrypted.
    #[must_use]
    pub fn is_encrypted(&self) -> bool {
        self.encrypt_type.as_deref() == Some("aes")
    }

    /// The timestamp as Unix seconds, if present and numeric.
    #[must_use]
    pub fn timestamp_secs(&self) -> Option<i64> {
        self.timestamp.as_deref()?.parse().ok()
    }
}

/// The query string of a callback request, read where it lies: a value is copied only when it
/// has escapes to decode. [`Query`] owns its values; this is what the callback path reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryRef<'a> {
    /// `signature`: over token, timestamp, nonce.
    pub signature: Option<Cow<'a, str>>,
    /// `timestamp`.
    pub timestamp: Option<Cow<'a, str>>,
    /// `nonce`.
    pub nonce: Option<Cow<'a, str>>,
    /// `echostr`, on URL verification.
    pub echostr: Option<Cow<'a, str>>,
    /// `openid` of the sender, on user messages.
    pub openid: Option<Cow<'a, str>>,
    /// `encrypt_type`: `aes` when the body is encrypted.
    pub encrypt_type: Option<Cow<'a, str>>,
    /// `msg_signature`: over token, timestamp, nonce, Encrypt.
    pub msg_signature: Option<Cow<'a, str>>,
}

impl<'a> QueryRef<'a> {
    /// Parses a raw query string (`a=1&b=2`) as [`Query::parse`] does, borrowing every value
    /// that has no percent-escape or `+`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::borrow::Cow;
    /// use wxgate_proto::callback::QueryRef;
    /// let q = QueryRef::parse("signature=abc&openid=o%2Bx");
    /// assert!(matches!(q.signature, Some(Cow::Borrowed("abc"))));
    /// assert_eq!(q.openid.as_deref(), Some("o+x"));
    /// ```
    #[must_use]
    pub fn parse(raw: &'a str) -> Self {
        let mut query = Self::default();
        // Pairs and their `=` found with memchr: `split('&')` and `split_once('=')` each set up
        // a searcher per call, which costs more than these few short pairs take to scan.
        let mut rest = raw;
        loop {
            // '&' and '=' are ASCII, so these are char boundaries.
            let (pair, next) = match memchr::memchr(b'&', rest.as_bytes()) {
                Some(at) => (&rest[..at], Some(&rest[at + 1..])),
                None => (rest, None),
            };
            let (name, value) = match memchr::memchr(b'=', pair.as_bytes()) {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, ""),
            };
            let slot = match name {
                "signature" => Some(&mut query.signature),
                "timestamp" => Some(&mut query.timestamp),
                "nonce" => Some(&mut query.nonce),
                "echostr" => Some(&mut query.echostr),
                "openid" => Some(&mut query.openid),
                "encrypt_type" => Some(&mut query.encrypt_type),
                "msg_signature" => Some(&mut query.msg_signature),
                _ => None,
            };
            if let Some(slot) = slot
                && slot.is_none()
            {
                *slot = Some(decode(value));
            }
            match next {
                Some(next) => rest = next,
                None => break,
            }
        }
        query
    }

    /// The same parameters, owned.
    #[must_use]
    pub fn into_owned(self) -> Query {
        let own = |value: Option<Cow<'_, str>>| value.map(Cow::into_owned);
        Query {
            signature: own(self.signature),
            timestamp: own(self.timestamp),
            nonce: own(self.nonce),
            echostr: own(self.echostr),
            openid: own(self.openid),
            encrypt_type: own(self.encrypt_type),
            msg_signature: own(self.msg_signature),
        }
    }

    /// Whether the request says its body is encrypted.
    #[must_use]
    pub fn is_encrypted(&self) -> bool {
        self.encrypt_type.as_deref() == Some("aes")
    }

    /// The timestamp as Unix seconds, if present and numeric.
    #[must_use]
    pub fn timestamp_secs(&self) -> Option<i64> {
        self.timestamp.as_deref()?.parse().ok()
    }
}

/// Why a callback request was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// A required query parameter is absent.
    #[error("missing query parameter {0}")]
    MissingParameter(&'static str),
    /// `signature` or `msg_signature` does not match.
    #[error("signature mismatch")]
    BadSignature,
    /// The account is in safe mode and the push was not encrypted.
    #[error("this account requires encrypted messages")]
    EncryptionRequired,
    /// The account has no EncodingAESKey but the push is encrypted.
    #[error("encrypted message but no EncodingAESKey is configured")]
    NoKey,
    /// The body is not acceptable XML.
    #[error("malformed body: {0}")]
    Xml(#[from] XmlError),
    /// Decryption failed.
    #[error("{0}")]
    Crypto(#[from] CryptoError),
    /// The decrypted body is not UTF-8.
    #[error("decrypted message is not UTF-8")]
    NotUtf8,
}

impl CallbackError {
    /// Whether the failure is about authenticity (HTTP 401) rather than form (HTTP 400).
    #[must_use]
    pub const fn is_unauthorized(&self) -> bool {
        matches!(
            self,
            Self::MissingParameter(_)
                | Self::BadSignature
                | Self::Crypto(CryptoError::ValidateSignature)
        )
    }
}

/// The former name of [`CallbackEndpoint`] (`Endpoint` now means only an API endpoint).
#[deprecated(since = "0.1.0", note = "renamed to `CallbackEndpoint`")]
pub type Endpoint = CallbackEndpoint;

/// One account's callback settings.
#[derive(Clone, Debug)]
pub struct CallbackEndpoint {
    token: String,
    mode: Mode,
    crypt: Option<MessageCrypt>,
}

/// A verified request body, ready to parse.
#[derive(Clone, Debug, PartialEq)]
pub struct Opened {
    /// The inner XML document, parsed.
    pub document: Element,
    /// `Some(key)` when the body was encrypted (the reply must be too, with that key).
    pub encrypted: Option<KeySlot>,
}

impl CallbackEndpoint {
    /// Settings for an account: its token, mode and, for compatible/safe modes, its crypt.
    #[must_use]
    pub fn new(token: impl Into<String>, mode: Mode, crypt: Option<MessageCrypt>) -> Self {
        Self {
            token: token.into(),
            mode,
            crypt,
        }
    }

    /// The configured mode.
    #[must_use]
    pub const fn mode(&self) -> Mode {
        self.mode
    }

    /// The crypt, if a key is configured.
    #[must_use]
    pub const fn crypt(&self) -> Option<&MessageCrypt> {
        self.crypt.as_ref()
    }

    /// Checks a URL-verification GET and returns the `echostr` to answer with (WeChat's access guide: the GET sent when a server URL is saved).
    ///
    /// # Errors
    ///
    /// [`CallbackError::MissingParameter`] or [`CallbackError::BadSignature`].
    pub fn verify_echo<'q>(&self, query: &'q Query) -> Result<&'q str, CallbackError> {
        self.check_signature(query)?;
        query
            .echostr
            .as_deref()
            .ok_or(CallbackError::MissingParameter("echostr"))
    }

    /// Checks `signature` (token, timestamp, nonce).
    ///
    /// # Errors
    ///
    /// [`CallbackError::MissingParameter`] or [`CallbackError::BadSignature`].
    pub fn check_signature(&self, query: &Query) -> Result<(), CallbackError> {
        self.check_signature_ref(&query.as_query_ref())
    }

    /// As [`CallbackEndpoint::check_signature`], for a borrowed query.
    ///
    /// # Errors
    ///
    /// [`CallbackError::MissingParameter`] or [`CallbackError::BadSignature`].
    pub fn check_signature_ref(&self, query: &QueryRef<'_>) -> Result<(), CallbackError> {
        let (timestamp, nonce) = timestamp_nonce(query)?;
        let sig = query
            .signature
            .as_deref()
            .ok_or(CallbackError::MissingParameter("signature"))?;
        if signature::verify(&[&self.token, timestamp, nonce], sig) {
            Ok(())
        } else {
            Err(CallbackError::BadSignature)
        }
    }

    /// Verifies a push and returns its inner document, decrypted when it was encrypted.
    ///
    /// Plaintext pushes are checked with `signature`; encrypted ones with `msg_signature`
    /// before anything is decrypted. Safe mode refuses plaintext pushes.
    ///
    /// # Errors
    ///
    /// Any [`CallbackError`].
    pub fn open(&self, query: &Query, body: &str) -> Result<Opened, CallbackError> {
        self.open_ref(&query.as_query_ref(), body)
    }

    /// As [`CallbackEndpoint::open`], for a borrowed query.
    ///
    /// # Errors
    ///
    /// Any [`CallbackError`].
    pub fn open_ref(&self, query: &QueryRef<'_>, body: &str) -> Result<Opened, CallbackError> {
        let (document, encrypted) = self.open_with(query, body, xml::parse)?;
        Ok(Opened {
            document,
            encrypted,
        })
    }

    /// As [`CallbackEndpoint::open_ref`], read into the push it holds: a common push is read
    /// where it lies, without building its element tree first ([`Inbound::parse`]).
    ///
    /// Returns the push and, when the body was encrypted, the key to encrypt the reply with.
    ///
    /// # Errors
    ///
    /// Any [`CallbackError`]; [`CallbackError::Xml`] also when the document is not a push.
    pub fn open_message_ref(
        &self,
        query: &QueryRef<'_>,
        body: &str,
    ) -> Result<(Inbound, Option<KeySlot>), CallbackError> {
        self.open_with(query, body, Inbound::parse)
    }

    /// Verifies a push, decrypts it when it was encrypted, and reads its inner document with
    /// `read`.
    fn open_with<T>(
        &self,
        query: &QueryRef<'_>,
        body: &str,
        read: impl FnOnce(&str) -> Result<T, XmlError>,
    ) -> Result<(T, Option<KeySlot>), CallbackError> {
        let encrypted = query.is_encrypted() && self.mode != Mode::Plaintext;
        if !encrypted {
            if self.mode == Mode::Safe {
                // Authenticate first, so an unsigned probe learns nothing about the mode.
                self.check_signature_ref(query)?;
                return Err(CallbackError::EncryptionRequired);
            }
            self.check_signature_ref(query)?;
            return Ok((read(body)?, None));
        }
        let (timestamp, nonce) = timestamp_nonce(query)?;
        let msg_signature = query
            .msg_signature
            .as_deref()
            .ok_or(CallbackError::MissingParameter("msg_signature"))?;
        // `Encrypt` is read where it lies: scanned out of the envelope WeChat sends, with no
        // element tree and no copy of the ciphertext; any other envelope is parsed, and the
        // parser decides what is accepted and why not.
        let envelope;
        let encrypt = match xml::flat_child_text(body, "Encrypt") {
            Some(encrypt) => encrypt,
            None => {
                envelope = xml::parse(body)?;
                envelope.text_of("Encrypt").ok_or(CryptoError::ParseXml)?
            }
        }
        .trim();
        if !signature::verify(&[&self.token, timestamp, nonce, encrypt], msg_signature) {
            return Err(CallbackError::BadSignature);
        }
        let crypt = self.crypt.as_ref().ok_or(CallbackError::NoKey)?;
        let (plain, message, key) = crypt.open_in_place(encrypt)?;
        let inner = std::str::from_utf8(&plain[message]).map_err(|_| CallbackError::NotUtf8)?;
        Ok((read(inner)?, Some(key)))
    }

    /// The body to answer a push with: `reply_xml` as is for plaintext requests, or its
    /// encrypted envelope when the request was encrypted.
    ///
    /// `timestamp`, `nonce` and `random16` are the caller's (current time, fresh randomness).
    #[must_use]
    pub fn seal(
        &self,
        opened: &Opened,
        reply_xml: String,
        timestamp: &str,
        nonce: &str,
        random16: [u8; 16],
    ) -> String {
        match opened.encrypted {
            None => reply_xml,
            encrypted => self.seal_with(encrypted, &reply_xml, timestamp, nonce, random16),
        }
    }

    /// As [`CallbackEndpoint::seal`], given only how the request was encrypted.
    #[must_use]
    pub fn seal_with(
        &self,
        encrypted: Option<KeySlot>,
        reply_xml: &str,
        timestamp: &str,
        nonce: &str,
        random16: [u8; 16],
    ) -> String {
        match (encrypted, &self.crypt) {
            (Some(slot), Some(crypt)) => {
                crypt.seal_reply_with(slot, reply_xml, timestamp, nonce, random16)
            }
            _ => reply_xml.to_owned(),
        }
    }

    /// As [`Endpoint::seal_with`], as the bytes of a response body: for an encrypted request,
    /// the envelope is built in one buffer that is handed over as it is.
    #[must_use]
    pub fn seal_bytes(
        &self,
        encrypted: Option<KeySlot>,
        reply_xml: &str,
        timestamp: &str,
        nonce: &str,
        random16: [u8; 16],
    ) -> Vec<u8> {
        match (encrypted, &self.crypt) {
            (Some(slot), Some(crypt)) => {
                crypt.seal_reply_bytes(slot, reply_xml, timestamp, nonce, random16)
            }
            _ => reply_xml.as_bytes().to_vec(),
        }
    }
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space, `%XX` a byte).
fn decode(value: &str) -> Cow<'_, str> {
    if memchr::memchr2(b'%', b'+', value.as_bytes()).is_none() {
        return Cow::Borrowed(value);
    }
    let spaced = value.replace('+', " ");
    Cow::Owned(
        percent_encoding::percent_decode_str(&spaced)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

fn timestamp_nonce<'q>(query: &'q QueryRef<'_>) -> Result<(&'q str, &'q str), CallbackError> {
    Ok((
        query
            .timestamp
            .as_deref()
            .ok_or(CallbackError::MissingParameter("timestamp"))?,
        query
            .nonce
            .as_deref()
            .ok_or(CallbackError::MissingParameter("nonce"))?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::AesKey;
    use crate::crypto::vectors::C_BODY;

    fn q(pairs: &[(&str, &str)]) -> Query {
        let mut query = Query::default();
        for (k, v) in pairs {
            let v = Some((*v).to_owned());
            match *k {
                "signature" => query.signature = v,
                "timestamp" => query.timestamp = v,
                "nonce" => query.nonce = v,
                "echostr" => query.echostr = v,
                "openid" => query.openid = v,
                "encrypt_type" => query.encrypt_type = v,
                "msg_signature" => query.msg_signature = v,
                _ => unreachable!(),
            }
        }
        query
    }

    #[test]
    fn raw_query_parsing() {
        let query =
            Query::parse("nonce=1&signature=s&timestamp=2&echostr=a%20b+c&x=y&nonce=9&flag");
        assert_eq!(query.nonce.as_deref(), Some("1"));
        assert_eq!(query.echostr.as_deref(), Some("a b c"));
        assert_eq!(query.openid, None);
        assert_eq!(Query::parse(""), Query::default());
        assert_eq!(
            Query::parse("openid=%E4%BD%A0").openid.as_deref(),
            Some("你")
        );
    }

    #[test]
    fn borrowed_query_copies_only_decoded_values() {
        let query = QueryRef::parse("openid=你好&echostr=é%20x+y&nonce=%E4%BD%A0&signature=s");
        assert!(matches!(query.openid, Some(Cow::Borrowed("你好"))));
        assert!(matches!(query.signature, Some(Cow::Borrowed("s"))));
        assert!(matches!(&query.echostr, Some(Cow::Owned(e)) if e == "é x y"));
        assert!(matches!(&query.nonce, Some(Cow::Owned(n)) if n == "你"));
        assert_eq!(query.clone().into_owned().as_query_ref(), query);
    }

    /// What `Query::parse` did before its one-pass scan: `split('&')`, then `split_once('=')`.
    fn parse_by_split(raw: &str) -> Query {
        let mut query = Query::default();
        for pair in raw.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let slot = match name {
                "signature" => &mut query.signature,
                "timestamp" => &mut query.timestamp,
                "nonce" => &mut query.nonce,
                "echostr" => &mut query.echostr,
                "openid" => &mut query.openid,
                "encrypt_type" => &mut query.encrypt_type,
                "msg_signature" => &mut query.msg_signature,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(decode(value).into_owned());
            }
        }
        query
    }

    #[test]
    fn one_pass_query_parsing_agrees_with_splitting() {
        for raw in [
            "",
            "&",
            "&&nonce=1&&",
            "nonce",
            "nonce=",
            "=1&nonce=2",
            "nonce==2=3&timestamp=a=b",
            "nonce=1&nonce=2",
            "openid=你好&echostr=é%20x+y&nonce=%E4%BD%A0",
            "signature=abc&timestamp=1&nonce=2&openid=o%2Bx&encrypt_type=aes&msg_signature=m",
            "x=1&signature&timestamp=&nonce=n&",
            "你=1&nonce=好",
        ] {
            assert_eq!(Query::parse(raw), parse_by_split(raw), "{raw:?}");
            // The borrowed form reads the same values.
            assert_eq!(
                QueryRef::parse(raw),
                Query::parse(raw).as_query_ref(),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn v1_echo() {
        let endpoint = CallbackEndpoint::new("AAAAA", Mode::Safe, None);
        let query = q(&[
            ("signature", "f464b24fc39322e44b38aa78f5edd27bd1441696"),
            ("echostr", "4375120948345356249"),
            ("timestamp", "1714036504"),
            ("nonce", "1514711492"),
        ]);
        assert_eq!(endpoint.verify_echo(&query), Ok("4375120948345356249"));
        let mut bad = query.clone();
        bad.nonce = Some("1514711493".into());
        assert_eq!(endpoint.verify_echo(&bad), Err(CallbackError::BadSignature));
        bad.signature = None;
        assert_eq!(
            endpoint.verify_echo(&bad),
            Err(CallbackError::MissingParameter("signature"))
        );
    }

    #[test]
    fn c_compatible_mode_both_ways() {
        let crypt = MessageCrypt::new(
            "spamtest",
            AesKey::parse("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG").unwrap(),
            "wx2c2769f8efd9abc2",
        );
        let endpoint = CallbackEndpoint::new("spamtest", Mode::Compatible, Some(crypt));
        let encrypted = q(&[
            ("signature", "16120ec1b8dbb870f510d87ce6bc2463eae6ca1a"),
            ("timestamp", "1409735669"),
            ("nonce", "1320562132"),
            ("encrypt_type", "aes"),
            ("msg_signature", "5d197aaffba7e9b25a30732f161a50dee96bd5fa"),
        ]);
        let opened = endpoint.open(&encrypted, C_BODY).unwrap();
        assert_eq!(opened.encrypted, Some(KeySlot::Current));
        assert_eq!(
            opened.document.text_of("MsgId"),
            Some("6054768590064713728")
        );
        // The same body read as plaintext (compatible mode accepts both).
        let plain = q(&[
            ("signature", "16120ec1b8dbb870f510d87ce6bc2463eae6ca1a"),
            ("timestamp", "1409735669"),
            ("nonce", "1320562132"),
        ]);
        let opened = endpoint.open(&plain, C_BODY).unwrap();
        assert_eq!(opened.encrypted, None);
        assert_eq!(opened.document.text_of("Content"), Some("abcdteT"));
        // A wrong msg_signature is refused before decryption.
        let mut forged = encrypted.clone();
        forged.msg_signature = Some("0".repeat(40));
        assert_eq!(
            endpoint.open(&forged, C_BODY),
            Err(CallbackError::BadSignature)
        );
    }

    #[test]
    fn safe_mode_refuses_plaintext() {
        let endpoint = CallbackEndpoint::new("AAAAA", Mode::Safe, None);
        let query = q(&[
            ("signature", "899cf89e464efb63f54ddac96b0a0a235f53aa78"),
            ("timestamp", "1714037059"),
            ("nonce", "486452656"),
        ]);
        assert_eq!(
            endpoint.open(&query, "<xml/>"),
            Err(CallbackError::EncryptionRequired)
        );
    }

    #[test]
    fn reply_is_sealed_only_for_encrypted_requests() {
        let crypt = MessageCrypt::new("t", AesKey::parse(&"A".repeat(43)).unwrap(), "wxapp");
        let endpoint = CallbackEndpoint::new("t", Mode::Compatible, Some(crypt.clone()));
        let plain = Opened {
            document: Element::default(),
            encrypted: None,
        };
        assert_eq!(
            endpoint.seal(&plain, "<xml/>".into(), "1", "n", [0; 16]),
            "<xml/>"
        );
        let enc = Opened {
            document: Element::default(),
            encrypted: Some(KeySlot::Current),
        };
        let sealed = endpoint.seal(&enc, "<xml/>".into(), "1", "n", [0; 16]);
        assert_eq!(crypt.open_reply(&sealed).unwrap(), b"<xml/>");
    }
}
