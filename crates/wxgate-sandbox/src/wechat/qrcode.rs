//! `POST /cgi-bin/qrcode/create` and `GET /cgi-bin/showqrcode?ticket=`.
//!
//! See [WeChat Docs/生成带参数的二维码](https://developers.weixin.qq.com/doc/offiaccount/Account_Management/Generating_a_Parametric_QR_Code.html).
//!
//! Kinds: `QR_SCENE`/`QR_STR_SCENE` (temporary) and `QR_LIMIT_SCENE`/`QR_LIMIT_STR_SCENE`
//! (permanent). Temporary: `expire_seconds` defaults to 60 (current doc) and is clamped to
//! 2 592 000; `scene_id` is 1..=4294967295. Permanent: `scene_id` 1..=100000, no `expire_seconds`
//! in the answer, at most `permanent_qr_limit` per app (45029), and creating the same permanent
//! scene again returns the same ticket (sandbox choice). `scene_str` is 1–64 bytes. Bad
//! `action_name` or scene: 40097.
//!
//! `showqrcode` needs no token and serves a real, scannable PNG (not WeChat's JPEG) of the QR's
//! `url`, with `Cache-Control: max-age=604800`; unknown or expired tickets are HTTP 404.

pub(super) mod create;
pub(super) mod showqrcode;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use rand::RngCore;
use serde::Deserialize;
use serde_json::{Value, json};

use super::api::{Api, Routes};
use super::{params, reply, typed_body};
use crate::Sandbox;
use crate::error::WxError;
use crate::state::{ALNUM, QrCode};

/// This group's APIs.
pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .api(create::API, create::handler)
        .api(showqrcode::API, showqrcode::handler)
}

/// A QR code of `data` as a grayscale PNG: 8 pixels per module, 4-module quiet zone.
pub(crate) fn render_png(data: &str) -> Option<Vec<u8>> {
    const SCALE: usize = 8;
    const QUIET: usize = 4;
    let code = qrcode::QrCode::new(data.as_bytes()).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let size = (width + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; size * size];
    for (i, color) in colors.iter().enumerate() {
        if *color != qrcode::Color::Dark {
            continue;
        }
        let (mx, my) = (i % width + QUIET, i / width + QUIET);
        for dy in 0..SCALE {
            let row = (my * SCALE + dy) * size;
            pixels[row + mx * SCALE..row + (mx + 1) * SCALE].fill(0);
        }
    }
    let mut out = Vec::new();
    {
        let side = u32::try_from(size).ok()?;
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().ok()?;
        writer.write_image_data(&pixels).ok()?;
    }
    Some(out)
}
