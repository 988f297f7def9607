//! WeChat endpoints as plain data, one file per WeChat path.
//!
//! An endpoint is a request value plus its metadata ([`Endpoint`]): the HTTP method, the path,
//! which credential goes in the query string and the response type. Nothing here does I/O;
//! [`Client::call`](crate::Client::call) sends them.
//!
//! GET endpoints serialize into the query string, POST endpoints into a JSON body (raw UTF-8,
//! never `\u` escapes, which some WeChat APIs reject with 40033); uploads
//! ([`BodyKind::Multipart`]) serialize into the query string and send their files as
//! `multipart/form-data`. Answers are JSON, or bytes for downloads ([`Download`]).
//!
//! Each endpoint lives in the file named after its WeChat path: `endpoint/menu/create.rs` is
//! `POST /cgi-bin/menu/create`, `endpoint/sns/userinfo.rs` is `GET /sns/userinfo`.

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Error;

pub mod callback;
pub mod clear_quota;
pub mod component;
pub mod draft;
pub mod freepublish;
pub mod get_api_domain_ip;
pub mod get_current_selfmenu_info;
pub mod getcallbackip;
pub mod material;
pub mod media;
pub mod menu;
pub mod message;
pub mod open;
pub mod openapi;
pub mod qrcode;
pub mod shorten;
pub mod showqrcode;
pub mod sns;
pub mod stable_token;
pub mod tags;
pub mod template;
pub mod ticket;
pub mod token;
pub mod user;

/// A WeChat endpoint: the request's data and the facts about its wire form.
pub trait Endpoint: Serialize + Sync {
    /// GET (the request is the query string) or POST (the request is the JSON body).
    const METHOD: Method;
    /// The path under the API base URL, starting with `/`.
    const PATH: &'static str;
    /// Which credential the query string carries.
    const AUTH: AuthKind;
    /// Whether sending it twice is harmless, so transport failures may be retried.
    /// WeChat's `errcode` -1 is retried either way.
    const IDEMPOTENT: bool;
    /// How the request travels; by default as its method says (GET: query string, POST: JSON).
    const BODY: BodyKind = match Self::METHOD {
        Method::Get => BodyKind::Query,
        Method::Post => BodyKind::Json,
    };
    /// What a successful answer decodes into: JSON into a type, or a [`Download`].
    type Response: FromResponse + Send;

    /// The files of a [`BodyKind::Multipart`] request (none for the others).
    fn parts(&self) -> Vec<Part> {
        Vec::new()
    }
}

/// How an endpoint's request travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyKind {
    /// The request serialized into the query string, no body.
    Query,
    /// The request serialized as a JSON body.
    Json,
    /// The request serialized into the query string, and [`Endpoint::parts`] as a
    /// `multipart/form-data` body (uploads).
    Multipart,
}

/// One part of a `multipart/form-data` upload.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Part {
    /// The form field's name (`media`, `description`).
    pub name: String,
    /// The file name sent with a file, `None` for a plain field.
    pub file_name: Option<String>,
    /// The part's content type, if any.
    pub content_type: Option<String>,
    /// The content.
    pub bytes: Bytes,
}

impl Part {
    /// A file part.
    pub fn file(
        name: impl Into<String>,
        file_name: impl Into<String>,
        content_type: Option<String>,
        bytes: impl Into<Bytes>,
    ) -> Self {
        Self {
            name: name.into(),
            file_name: Some(file_name.into()),
            content_type,
            bytes: bytes.into(),
        }
    }

    /// A plain text field.
    pub fn text(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            file_name: None,
            content_type: None,
            bytes: Bytes::from(value.into()),
        }
    }
}

/// A successful HTTP answer before decoding: what [`FromResponse`] reads.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RawResponse {
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The `Content-Disposition` header.
    pub content_disposition: Option<String>,
    /// The body.
    pub body: Bytes,
}

/// What an answer decodes into. Every JSON type (`DeserializeOwned`) is one; [`Download`] takes
/// the bytes as they come.
pub trait FromResponse: Sized {
    /// Decodes the answer of `path` (WeChat's error answers were handled before).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode) when the body is not what was expected.
    fn from_response(path: &str, response: RawResponse) -> Result<Self, Error>;
}

impl<T: DeserializeOwned> FromResponse for T {
    fn from_response(path: &str, response: RawResponse) -> Result<Self, Error> {
        serde_json::from_slice(&response.body).map_err(|e| Error::decode(path, &response.body, e))
    }
}

/// A downloaded file (`media/get`, `showqrcode`, …): its bytes and what the headers say of it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Download {
    /// The `Content-Type` header (`image/jpeg`).
    pub content_type: Option<String>,
    /// The file name from `Content-Disposition: attachment; filename="…"`.
    pub file_name: Option<String>,
    /// The content.
    pub bytes: Bytes,
}

impl FromResponse for Download {
    fn from_response(_path: &str, response: RawResponse) -> Result<Self, Error> {
        Ok(Self {
            file_name: response
                .content_disposition
                .as_deref()
                .and_then(disposition_file_name),
            content_type: response.content_type,
            bytes: response.body,
        })
    }
}

/// The `filename` of a `Content-Disposition` header (quoted or not).
fn disposition_file_name(header: &str) -> Option<String> {
    header.split(';').find_map(|param| {
        let (key, value) = param.trim().split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("filename") {
            return None;
        }
        let value = value.trim().trim_matches('"');
        (!value.is_empty()).then(|| value.to_owned())
    })
}

/// The HTTP method of an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Method {
    /// `GET`, parameters in the query string.
    Get,
    /// `POST`, a JSON body.
    Post,
}

/// The credential an endpoint carries in its query string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthKind {
    /// None (the token endpoints themselves).
    None,
    /// `?access_token=` (an account's access token, or an authorizer access token).
    AccessToken,
    /// `?component_access_token=` (third-party platform APIs).
    ComponentAccessToken,
}

impl AuthKind {
    /// The query parameter carrying the credential, if any.
    pub fn query_name(self) -> Option<&'static str> {
        match self {
            Self::None => None,
            Self::AccessToken => Some("access_token"),
            Self::ComponentAccessToken => Some("component_access_token"),
        }
    }
}

/// The answer of "action" APIs: `{"errcode":0,"errmsg":"ok"}` (the errcode is checked before
/// decoding, so nothing is left to keep).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[non_exhaustive]
pub struct Ack {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_of_content_disposition() {
        assert_eq!(
            disposition_file_name(r#"attachment; filename="MEDIA_ID.jpg""#).as_deref(),
            Some("MEDIA_ID.jpg")
        );
        assert_eq!(
            disposition_file_name("attachment; FILENAME=a.amr").as_deref(),
            Some("a.amr")
        );
        assert_eq!(disposition_file_name("inline"), None);
        assert_eq!(disposition_file_name(r#"attachment; filename="""#), None);
    }
}
