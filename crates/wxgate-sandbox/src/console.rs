//! The web console at `GET /sandbox/console`: one self-contained HTML page (inline CSS and
//! JavaScript, no CDN, no build step) that drives the control API like a phone chat; and the
//! icon browsers ask for at `/favicon.ico`.

use std::sync::OnceLock;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::Sandbox;

const PAGE: &str = include_str!("console.html");

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/sandbox/console", get(|| async { Html(PAGE) }))
        .route("/sandbox/console/panels", get(panels))
        .route("/favicon.ico", get(favicon))
}

/// `GET /sandbox/console/panels`: the embedding application's pages the console shows.
async fn panels(axum::extract::State(sb): axum::extract::State<Sandbox>) -> Response {
    let panels: Vec<&crate::ConsolePanel> = sb
        .config()
        .console_panels
        .iter()
        .filter(|panel| panel.is_same_origin())
        .collect();
    axum::Json(panels).into_response()
}

/// A 32×32 PNG (browsers accept PNG bytes at `/favicon.ico`): a green chat bubble.
async fn favicon() -> Response {
    static ICON: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    match ICON.get_or_init(draw_icon) {
        Some(png) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            png.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn draw_icon() -> Option<Vec<u8>> {
    const SIDE: u32 = 32;
    const GREEN: [u8; 4] = [0x07, 0xc1, 0x60, 0xff];
    const WHITE: [u8; 4] = [0xff, 0xff, 0xff, 0xff];
    const CLEAR: [u8; 4] = [0, 0, 0, 0];
    let mut pixels = Vec::with_capacity((SIDE * SIDE * 4) as usize);
    for y in 0..SIDE {
        for x in 0..SIDE {
            // A bubble: an ellipse centred at (16, 14) with a tail towards the bottom left.
            let (dx, dy) = (x as f32 - 16.0, y as f32 - 14.0);
            let in_bubble = (dx / 14.0).powi(2) + (dy / 11.0).powi(2) <= 1.0;
            let in_tail = (6..=12).contains(&x) && (22..=29).contains(&y) && x + y <= 35;
            let dot = y == 14 && matches!(x, 10 | 11 | 15 | 16 | 20 | 21)
                || y == 15 && matches!(x, 10 | 11 | 15 | 16 | 20 | 21);
            let colour = if dot {
                WHITE
            } else if in_bubble || in_tail {
                GREEN
            } else {
                CLEAR
            };
            pixels.extend_from_slice(&colour);
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, SIDE, SIDE);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().ok()?;
        writer.write_image_data(&pixels).ok()?;
    }
    Some(out)
}
