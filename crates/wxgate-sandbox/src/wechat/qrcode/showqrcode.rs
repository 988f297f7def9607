//! `GET /cgi-bin/showqrcode?ticket=TICKET`: the QR code image (a PNG here).
//!
//! See [WeChat Docs/生成带参数的二维码 通过ticket换取二维码](https://developers.weixin.qq.com/doc/offiaccount/Account_Management/Generating_a_Parametric_QR_Code.html).

use super::*;

/// `GET /cgi-bin/showqrcode`
pub(super) const API: Api = Api::get("cgi-bin/showqrcode");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    let ticket = q.get("ticket").cloned().unwrap_or_default();
    let url = sb.with_state_ro(|s| {
        let now = s.now();
        s.qrcodes
            .get(&ticket)
            .filter(|qr| qr.expires_at.is_none_or(|e| e > now))
            .map(|qr| qr.url.clone())
    });
    let Some(url) = url else {
        return (StatusCode::NOT_FOUND, "ticket not found or expired").into_response();
    };
    match render_png(&url) {
        Some(png) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "max-age=604800"),
            ],
            png,
        )
            .into_response(),
        None => WxError::system().into_response(),
    }
}
