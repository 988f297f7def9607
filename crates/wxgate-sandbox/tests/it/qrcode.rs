//! `cgi-bin/qrcode/create` and `cgi-bin/showqrcode`.

use serde_json::{Value, json};
use wxgate_sandbox::SandboxConfig;

use crate::common::{Env, errcode, start, start_with};

/// Decode a PNG and the QR code in it; returns the QR's text.
pub fn decode_qr(png_bytes: &[u8]) -> String {
    assert_eq!(&png_bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("png frame");
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    let (w, h) = (info.width as usize, info.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * w + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().expect("decodable").1
}

async fn create(env: &Env, token: &str, body: Value) -> Value {
    env.post(
        &format!("/cgi-bin/qrcode/create?access_token={token}"),
        body,
    )
    .await
}

pub async fn show(env: &Env, ticket: &str) -> reqwest::Response {
    let encoded = percent_encode(ticket);
    env.http
        .get(env.url(&format!("/cgi-bin/showqrcode?ticket={encoded}")))
        .send()
        .await
        .expect("send")
}

pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn four_kinds_and_their_expiry() {
    let env = start().await;
    let token = env.token().await;
    let temp = create(&env, &token, json!({"expire_seconds": 604800, "action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": 123}}})).await;
    assert_eq!(temp["expire_seconds"], 604800);
    assert!(
        temp["url"]
            .as_str()
            .expect("url")
            .starts_with("http://weixin.qq.com/q/")
    );
    let default = create(
        &env,
        &token,
        json!({"action_name": "QR_STR_SCENE", "action_info": {"scene": {"scene_str": "test"}}}),
    )
    .await;
    assert_eq!(default["expire_seconds"], 60);
    let clamped = create(&env, &token, json!({"expire_seconds": 9999999, "action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": 1}}})).await;
    assert_eq!(clamped["expire_seconds"], 2592000);
    let permanent = create(
        &env,
        &token,
        json!({"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 100000}}}),
    )
    .await;
    assert!(permanent.get("expire_seconds").is_none());
    let again = create(
        &env,
        &token,
        json!({"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 100000}}}),
    )
    .await;
    assert_eq!(again["ticket"], permanent["ticket"]);
    let str_permanent = create(&env, &token, json!({"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "x".repeat(64)}}})).await;
    assert!(str_permanent["ticket"].is_string());

    let ticket = default["ticket"].as_str().expect("ticket");
    assert_eq!(show(&env, ticket).await.status(), 200);
    env.advance(60).await;
    assert_eq!(show(&env, ticket).await.status(), 404, "expired");
    assert_eq!(
        show(&env, permanent["ticket"].as_str().expect("t"))
            .await
            .status(),
        200
    );
    assert_eq!(show(&env, "gQnope").await.status(), 404);
}

#[tokio::test]
async fn scene_limits_are_40097() {
    let env = start().await;
    let token = env.token().await;
    let cases = [
        json!({"action_name": "QR_NOPE", "action_info": {"scene": {"scene_id": 1}}}),
        json!({"action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": 0}}}),
        json!({"action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": 4294967296u64}}}),
        json!({"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 100001}}}),
        json!({"action_name": "QR_STR_SCENE", "action_info": {"scene": {"scene_str": ""}}}),
        json!({"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "x".repeat(65)}}}),
        json!({"action_name": "QR_SCENE"}),
    ];
    for case in cases {
        assert_eq!(
            errcode(&create(&env, &token, case.clone()).await),
            40097,
            "{case}"
        );
    }
}

#[tokio::test]
async fn permanent_code_limit() {
    let env = start_with(SandboxConfig {
        permanent_qr_limit: 2,
        ..SandboxConfig::default()
    })
    .await;
    let token = env.token().await;
    for id in 1..=2 {
        let v = create(
            &env,
            &token,
            json!({"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": id}}}),
        )
        .await;
        assert!(v["ticket"].is_string());
    }
    let over = create(
        &env,
        &token,
        json!({"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 3}}}),
    )
    .await;
    assert_eq!(errcode(&over), 45029);
    let temp = create(
        &env,
        &token,
        json!({"action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": 3}}}),
    )
    .await;
    assert!(
        temp["ticket"].is_string(),
        "temporary codes are not limited"
    );
}

#[tokio::test]
async fn showqrcode_serves_a_scannable_png_of_the_url() {
    let env = start().await;
    let token = env.token().await;
    let qr = create(&env, &token, json!({"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "campaign"}}})).await;
    let ticket = qr["ticket"].as_str().expect("ticket");
    assert!(
        ticket.contains('+') || ticket.contains('/') || ticket.contains('='),
        "needs URL-encoding: {ticket}"
    );
    let response = show(&env, ticket).await;
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.headers()["cache-control"], "max-age=604800");
    let bytes = response.bytes().await.expect("bytes");
    assert_eq!(decode_qr(&bytes), qr["url"].as_str().expect("url"));
}
