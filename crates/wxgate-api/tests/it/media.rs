//! Temporary media: uploads with real multipart bodies, downloads, and their errors.

use std::time::Duration;

use serde_json::json;
use wxgate_api::endpoint::media::{File, MediaType, get, upload, uploadimg};
use wxgate_api::{Client, ErrCode, ErrorKind, RetryPolicy};

use crate::common::{APP_ID, Env, memory_store, unique};

/// The 8-byte PNG signature and an IHDR chunk of a 1×1 image: enough for WeChat's format check.
pub(crate) const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89";
/// The AMR-NB magic and one silent frame.
pub(crate) const AMR: &[u8] =
    b"#!AMR\n\x3c\x48\xf5\x5f\x96\x66\x79\xe1\xe0\x01\xe7\x8a\xf0\x00\x00\x00\x00";
/// An ID3v2 header and one MPEG frame header.
pub(crate) const MP3: &[u8] = b"ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x64\x00\x00\x00\x00";
/// The start of an MP4 (`ftyp` box).
pub(crate) const MP4: &[u8] = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom";
/// A JPEG's SOI and APP0 markers.
pub(crate) const JPEG: &[u8] =
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9";

pub(crate) fn png() -> File {
    File::new("pixel.png", PNG).content_type("image/png")
}

pub(crate) fn jpeg() -> File {
    File::new("cover.jpg", JPEG).content_type("image/jpeg")
}

/// A fresh access token from the sandbox.
pub(crate) async fn token(env: &Env) -> String {
    env.client()
        .call(&wxgate_api::endpoint::token::Request::new(
            wxgate_api::AppId::new(APP_ID),
            wxgate_api::AppSecret::new(crate::common::APP_SECRET),
        ))
        .await
        .expect("token")
        .access_token
}

#[tokio::test]
async fn uploads_round_trip_through_downloads() {
    let env = Env::start().await;
    let client = env.client();
    let token = token(&env).await;
    let credentials = env.credentials(memory_store(), &unique("media"));

    let image = client
        .call(&upload::Request::new(MediaType::Image, png()))
        .access_token(&token)
        .await
        .unwrap();
    assert_eq!(image.kind, MediaType::Image);
    assert!(image.created_at > 0);
    let got = credentials
        .call(&get::Request::new(image.media_id.clone()))
        .await
        .unwrap();
    let file = got.file().expect("an image is a file");
    assert_eq!(file.bytes.as_ref(), PNG);
    assert_eq!(file.content_type.as_deref(), Some("image/png"));
    assert_eq!(file.file_name.as_deref(), Some("pixel.png"));

    for (name, bytes, content_type) in [
        ("hello.amr", AMR, "audio/amr"),
        ("hello.mp3", MP3, "audio/mpeg"),
    ] {
        let voice = credentials
            .call(&upload::Request::new(
                MediaType::Voice,
                File::new(name, bytes).content_type(content_type),
            ))
            .await
            .unwrap();
        let got = client
            .call(&get::Request::new(voice.media_id))
            .access_token(&token)
            .await
            .unwrap();
        let file = got.file().expect("voice is a file");
        assert_eq!(file.bytes.as_ref(), bytes, "{name}");
        assert_eq!(file.content_type.as_deref(), Some(content_type));
    }

    // Thumbs answer `thumb_media_id`.
    let thumb = credentials
        .call(&upload::Request::new(MediaType::Thumb, jpeg()))
        .await
        .unwrap();
    assert_eq!(thumb.kind, MediaType::Thumb);
    assert!(!thumb.media_id.is_empty());

    // A video's download is a link to the bytes.
    let video = credentials
        .call(&upload::Request::new(
            MediaType::Video,
            File::new("clip.mp4", MP4).content_type("video/mp4"),
        ))
        .await
        .unwrap();
    let got = credentials
        .call(&get::Request::new(video.media_id))
        .await
        .unwrap();
    let url = got.video_url().expect("a video is a link");
    let bytes = env
        .http
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), MP4);
    assert_eq!(env.calls("cgi-bin/media/upload").await, 5);
}

#[tokio::test]
async fn upload_errors_are_typed() {
    let env = Env::start().await;
    let credentials = env.credentials(memory_store(), &unique("media"));
    let error = |request: upload::Request| {
        let credentials = credentials.clone();
        async move { credentials.call(&request).await.unwrap_err().errcode() }
    };
    assert_eq!(
        error(upload::Request::new(
            MediaType::Image,
            File::new("notes.txt", "hello").content_type("text/plain")
        ))
        .await,
        Some(ErrCode::InvalidFileType)
    );
    assert_eq!(
        error(upload::Request::new(MediaType::Thumb, png())).await,
        Some(ErrCode::InvalidFileType),
        "thumbs are JPEG"
    );
    assert_eq!(
        error(upload::Request::new(
            MediaType::Thumb,
            File::new("big.jpg", vec![0xff; 64 * 1024 + 1])
        ))
        .await,
        Some(ErrCode::MediaSizeOutOfLimit)
    );
    assert_eq!(
        error(upload::Request::new(
            MediaType::Voice,
            File::new("long.amr", vec![0; 2 * 1024 * 1024 + 1])
        ))
        .await,
        Some(ErrCode::MediaSizeOutOfLimit)
    );
    assert_eq!(
        error(upload::Request::new(
            MediaType::Image,
            File::new("empty.png", Vec::new())
        ))
        .await,
        Some(ErrCode::MediaDataMissing)
    );

    // The typed client cannot send an unknown type; WeChat's answer to one, by hand.
    let token = token(&env).await;
    let form = reqwest::multipart::Form::new().part(
        "media",
        reqwest::multipart::Part::bytes(PNG).file_name("a.png"),
    );
    let answer: serde_json::Value = env
        .http
        .post(format!(
            "{}/cgi-bin/media/upload?access_token={token}&type=file",
            env.base_url()
        ))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["errcode"], ErrCode::InvalidMediaType.code());

    let missing = credentials
        .call(&get::Request::new("no-such-media"))
        .await
        .unwrap_err();
    assert_eq!(missing.errcode(), Some(ErrCode::InvalidMediaId));

    // Temporary media expire after 3 days.
    let image = credentials
        .call(&upload::Request::new(MediaType::Image, png()))
        .await
        .unwrap();
    env.advance(3 * 86_400).await;
    let expired = credentials
        .call(&get::Request::new(image.media_id))
        .await
        .unwrap_err();
    assert_eq!(expired.errcode(), Some(ErrCode::InvalidMediaId));
}

#[tokio::test]
async fn uploads_are_never_repeated() {
    let env = Env::start().await;
    let token = token(&env).await;
    env.fault(json!({"path": "cgi-bin/media/upload", "errcode": -1, "times": 1}))
        .await;
    let error = env
        .client()
        .call(&upload::Request::new(MediaType::Image, png()))
        .access_token(&token)
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::SystemError));
    assert!(error.may_have_been_sent(), "{error}");
    assert_eq!(env.calls("cgi-bin/media/upload").await, 1, "not retried");

    // A timeout: the upload goes through after the client gave up, and is not sent again.
    let impatient = Client::builder()
        .base_url(env.base_url())
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::new(
            3,
            Duration::from_millis(10),
            Duration::from_millis(20),
        ))
        .build()
        .unwrap();
    env.fault(json!({"path": "cgi-bin/media/upload", "delay_ms": 1_000, "times": 1}))
        .await;
    let error = impatient
        .call(&upload::Request::new(MediaType::Image, png()))
        .access_token(&token)
        .await
        .unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::Timeout { .. }), "{error}");
    assert!(error.may_have_been_sent(), "{error}");
    assert!(error.to_string().contains("may have been sent"), "{error}");
    assert_eq!(env.calls("cgi-bin/media/upload").await, 2, "not retried");
}

#[tokio::test]
async fn article_images_are_served_at_their_url() {
    let env = Env::start().await;
    let credentials = env.credentials(memory_store(), &unique("media"));
    let uploaded = credentials
        .call(&uploadimg::Request::new(png()))
        .await
        .unwrap();
    let bytes = env
        .http
        .get(&uploaded.url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), PNG);
    let error = credentials
        .call(&uploadimg::Request::new(File::new(
            "anim.gif",
            b"GIF89a".to_vec(),
        )))
        .await
        .unwrap_err();
    assert_eq!(
        error.errcode(),
        Some(ErrCode::InvalidFileType),
        "jpg/png only"
    );
    let error = credentials
        .call(&uploadimg::Request::new(File::new(
            "huge.jpg",
            vec![0xff; 1024 * 1024 + 1],
        )))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::MediaSizeOutOfLimit));
}
