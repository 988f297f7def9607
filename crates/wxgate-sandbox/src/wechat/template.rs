//! Template management: `POST /cgi-bin/template/api_set_industry`, `GET
//! /cgi-bin/template/get_industry`, `POST /cgi-bin/template/api_add_template`, `GET
//! /cgi-bin/template/get_all_private_template`, `POST /cgi-bin/template/del_private_template`.
//!
//! Industries are ids 1–41 of WeChat's industry table (47003 otherwise, and when both are the
//! same). Templates are added from a library short id: `TM` or `OPENTM` followed by digits
//! (industry templates, keywords optional) or digits only (category templates, whose
//! `keyword_name_list` must be non-empty: 40246); anything else answers 40037. An app holds at
//! most 25 templates (45026). Every app starts with two preset templates
//! (`ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY`, `tpl1`); `message/template/send` only accepts
//! the app's templates (40037). The monthly limit on industry changes is not modelled.
//!
//! See [WeChat Docs/模板消息](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html).

pub(super) mod api_add_template;
pub(super) mod api_set_industry;
pub(super) mod del_private_template;
pub(super) mod get_all_private_template;
pub(super) mod get_industry;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::api::{Api, Routes};
use super::{ok, params, reply, typed_body};
use crate::Sandbox;
use crate::error::WxError;
use crate::state::{App, industry};

/// This group's APIs.
pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .api(api_set_industry::API, api_set_industry::handler)
        .api(get_industry::API, get_industry::handler)
        .api(api_add_template::API, api_add_template::handler)
        .api(
            get_all_private_template::API,
            get_all_private_template::handler,
        )
        .api(del_private_template::API, del_private_template::handler)
}

/// `IT科技 - 互联网|电子商务`, or empty when the app has no industry set.
fn industry_name(app: &App, primary: bool) -> String {
    app.industry
        .map(|(a, b)| if primary { a } else { b })
        .and_then(industry)
        .map(|(first, second)| format!("{first} - {second}"))
        .unwrap_or_default()
}
