//! `POST /cgi-bin/media/uploadimg` (multipart, part `media`)
//!
//! Uploads an image for article bodies (jpg/png, ≤ 1 MB) and answers its URL; it does not count
//! against the material limits. Not repeated once it may have reached WeChat.
//!
//! See [WeChat Docs/上传图文消息内的图片获取URL](https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Adding_Permanent_Assets.html).

use serde::{Deserialize, Serialize};

use crate::endpoint::media::File;
use crate::endpoint::{AuthKind, BodyKind, Endpoint, Method, Part};

/// The image of `POST /cgi-bin/media/uploadimg` (the query holds only the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The image (the multipart part `media`).
    #[serde(skip)]
    pub file: File,
}

impl Request {
    /// An upload of `file`.
    pub fn new(file: File) -> Self {
        Self { file }
    }
}

/// `{"url": "http://mmbiz.qpic.cn/..."}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The image's URL, for `<img src>` in article content.
    pub url: String,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/media/uploadimg";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = false;
    const BODY: BodyKind = BodyKind::Multipart;
    type Response = Response;

    fn parts(&self) -> Vec<Part> {
        vec![self.file.part("media")]
    }
}
