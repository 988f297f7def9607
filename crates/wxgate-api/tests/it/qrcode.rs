//! `qrcode/create` and `showqrcode` against the sandbox.

use serde_json::json;
use wxgate_api::endpoint::qrcode::create::{self, InvalidQrCode, Scene};
use wxgate_api::endpoint::showqrcode;
use wxgate_api::endpoint::user::info;
use wxgate_api::{ErrCode, ErrorKind};
use wxgate_sandbox::SandboxConfig;

use crate::common::{APP_ID, Env, memory_store, unique};

/// The text of the one QR code in a grayscale PNG.
fn decode_png_qr(bytes: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("png header");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).expect("png frame");
    assert_eq!(frame.color_type, png::ColorType::Grayscale);
    let width = frame.width as usize;
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, frame.height as usize, |x, y| {
            pixels[y * width + x]
        });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().expect("decodes").1
}

#[tokio::test]
async fn codes_round_trip_through_create_image_and_scan() {
    let env = Env::start().await;
    let client = env.client();
    let credentials = env.credentials(memory_store(), &unique("qr"));
    let token = credentials.access_token().await.expect("token");

    let temporary = client
        .call(&create::Request::temporary(Scene::Id(42), 600).expect("valid"))
        .access_token(token.as_str())
        .await
        .expect("temporary code");
    assert_eq!(temporary.expire_seconds, Some(600));
    assert!(
        temporary.url.starts_with("http://weixin.qq.com/q/"),
        "{}",
        temporary.url
    );

    let permanent = credentials
        .call(&create::Request::permanent(Scene::parse("spring-sale")).expect("valid"))
        .await
        .expect("permanent code");
    assert_eq!(permanent.expire_seconds, None);
    assert_ne!(permanent.ticket, temporary.ticket);

    // The image: the typed download (no token) and the URL builder, both on the sandbox.
    let image = client
        .call(&showqrcode::Request::new(&permanent.ticket))
        .await
        .expect("image");
    assert_eq!(image.content_type.as_deref(), Some("image/png"));
    assert_eq!(decode_png_qr(&image.bytes), permanent.url);
    let by_url = env
        .http
        .get(showqrcode::url(&env.base_url(), &temporary.ticket))
        .send()
        .await
        .expect("get image");
    assert_eq!(by_url.status(), 200);
    let bytes = by_url.bytes().await.expect("bytes");
    assert_eq!(decode_png_qr(&bytes), temporary.url);
    assert!(
        temporary
            .image_url()
            .starts_with("https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=gQ")
    );

    // A stranger scans the temporary code: they follow from its scene.
    let user: serde_json::Value = env
        .http
        .post(format!("{}/sandbox/apps/{APP_ID}/users", env.base_url()))
        .json(&json!({}))
        .send()
        .await
        .expect("user")
        .json()
        .await
        .expect("user json");
    let openid = user["openid"].as_str().expect("openid").to_owned();
    let scanned = env
        .http
        .post(format!(
            "{}/sandbox/apps/{APP_ID}/users/{openid}/actions",
            env.base_url()
        ))
        .json(&json!({"type": "scan", "ticket": temporary.ticket}))
        .send()
        .await
        .expect("scan");
    assert!(scanned.status().is_success(), "{}", scanned.status());
    let profile = credentials
        .call(&info::Request::new(openid.as_str()))
        .await
        .expect("user info");
    assert!(profile.subscribe);
    assert_eq!(
        profile.subscribe_scene.as_deref(),
        Some("ADD_SCENE_QR_CODE")
    );
    assert_eq!(profile.qr_scene, Some(42));
}

#[tokio::test]
async fn invalid_codes_fail_locally_or_with_wechats_codes() {
    let env = Env::start_with(SandboxConfig {
        permanent_qr_limit: 1,
        ..SandboxConfig::default()
    })
    .await;
    let client = env.client();
    let credentials = env.credentials(memory_store(), &unique("qr"));

    // Out-of-range values never reach WeChat.
    assert_eq!(
        create::Request::permanent(Scene::Id(100_001)),
        Err(InvalidQrCode::SceneId {
            id: 100_001,
            max: 100_000
        })
    );
    assert!(matches!(
        create::Request::temporary(Scene::Str("x".repeat(65)), 60),
        Err(InvalidQrCode::SceneStrLength { len: 65 })
    ));
    assert!(matches!(
        create::Request::temporary(Scene::Id(1), 2_592_001),
        Err(InvalidQrCode::ExpireSeconds { seconds: 2_592_001 })
    ));
    assert_eq!(env.calls("cgi-bin/qrcode/create").await, 0);

    // WeChat's own check of what a hand-made body carries: 40097.
    let token = credentials.access_token().await.expect("token");
    let raw = client
        .post_json::<_, serde_json::Value>(
            &format!("/cgi-bin/qrcode/create?access_token={}", token.as_str()),
            &json!({"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 100_001}}}),
        )
        .await
        .expect_err("40097");
    assert_eq!(raw.errcode(), Some(ErrCode::InvalidArgs));

    // The account's permanent codes are limited (1 in this sandbox): 45029.
    credentials
        .call(&create::Request::permanent(Scene::Id(1)).expect("valid"))
        .await
        .expect("first permanent code");
    let over = credentials
        .call(&create::Request::permanent(Scene::Id(2)).expect("valid"))
        .await
        .expect_err("over the limit");
    assert_eq!(over.errcode(), Some(ErrCode::QrCodeCountOutOfLimit));
    // Temporary codes do not count.
    credentials
        .call(&create::Request::temporary(Scene::Id(2), 60).expect("valid"))
        .await
        .expect("temporary code");

    // An unknown ticket's image is HTTP 404.
    let missing = client
        .call(&showqrcode::Request::new("gQnope"))
        .await
        .expect_err("404");
    assert!(
        matches!(missing.kind(), ErrorKind::Status { status: 404, .. }),
        "{missing:?}"
    );
    // The endpoint needs a token.
    let no_token = client
        .call(&create::Request::temporary(Scene::Id(2), 60).expect("valid"))
        .await
        .expect_err("no token");
    assert!(matches!(
        no_token.kind(),
        ErrorKind::MissingCredential { .. }
    ));
}
