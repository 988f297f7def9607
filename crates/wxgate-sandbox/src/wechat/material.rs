//! Permanent material (brief): `material/add_material`, `material/get_material`,
//! `material/del_material`, `material/get_materialcount`, `material/batchget_material`.
//!
//! Types `image`, `voice`, `video`, `thumb` with the temporary-media size limits (45001), unknown
//! types 40004, no `media` field 41005; videos take a `description` form field
//! `{"title","introduction"}` (47003 when missing or not JSON). At most 100 000 images and 1 000 of
//! each other type (45009, sandbox choice: the platform's code is undocumented). Unknown media 40007.
//! Images answer a `url` served by the sandbox. News material is not modelled (replaced by drafts):
//! `news_count` is 0 and `batchget_material` of `news` is empty. Material ids are accepted wherever
//! a `media_id` is checked (customer-service messages). JSON bodies are typed: empty 44002, not
//! JSON or a field missing or of the wrong type 47001. File formats as for temporary media (40005).
//!
//! See [WeChat Docs/新增永久素材](https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Adding_Permanent_Assets.html)
//! and [WeChat Docs/获取永久素材](https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Getting_Permanent_Assets.html).

pub(super) mod add_material;
pub(super) mod batchget_material;
pub(super) mod del_material;
pub(super) mod get_material;
pub(super) mod get_materialcount;

use axum::body::Bytes;
use axum::extract::{Multipart, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};

use super::api::{Api, Routes};
use serde::Deserialize;

use super::media::{Upload, check_format, limit_of, media_url, read_upload};
use super::{ok, params, reply, typed_body};
use crate::Sandbox;
use crate::error::WxError;
use crate::state::{App, Media, URL_SAFE};

/// This group's APIs.
pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .api(add_material::API, add_material::handler)
        .api(get_material::API, get_material::handler)
        .api(del_material::API, del_material::handler)
        .api(get_materialcount::API, get_materialcount::handler)
        .api(batchget_material::API, batchget_material::handler)
}

/// How many materials of `kind` an account may keep.
fn capacity(kind: &str) -> usize {
    if kind == "image" { 100_000 } else { 1_000 }
}

fn count(app: &App, kind: &str) -> usize {
    app.materials.values().filter(|m| m.kind == kind).count()
}

/// `{"media_id": "..."}` of `get_material` and `del_material`.
#[derive(Deserialize)]
struct MediaIdBody {
    media_id: String,
}

/// The material named by a `{"media_id"}` body (40007 when unknown).
fn find<'a>(app: &'a App, body: &MediaIdBody) -> Result<(&'a str, &'a Media), WxError> {
    app.materials
        .get_key_value(&body.media_id)
        .filter(|(_, m)| m.kind != "uploadimg")
        .map(|(k, m)| (k.as_str(), m))
        .ok_or_else(|| WxError::new(40007, "invalid media_id"))
}
