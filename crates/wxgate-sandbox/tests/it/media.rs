//! Temporary media upload and download.

use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::common::{Env, errcode, start};

async fn upload(env: &Env, token: &str, kind: &str, field: &str, bytes: Vec<u8>) -> Value {
    let part = Part::bytes(bytes)
        .file_name("file.jpg")
        .mime_str("image/jpeg")
        .expect("mime");
    env.http
        .post(env.url(&format!(
            "/cgi-bin/media/upload?access_token={token}&type={kind}"
        )))
        .multipart(Form::new().part(field.to_owned(), part))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn upload_then_get_until_three_days() {
    let env = start().await;
    let token = env.token().await;
    let bytes = b"\xff\xd8\xff\xe0 fake jpeg".to_vec();
    let up = upload(&env, &token, "image", "media", bytes.clone()).await;
    assert_eq!(up["type"], "image");
    assert_eq!(up["created_at"], crate::common::START);
    let media_id = up["media_id"].as_str().expect("media_id").to_owned();
    let got = env
        .http
        .get(env.url(&format!(
            "/cgi-bin/media/get?access_token={token}&media_id={media_id}"
        )))
        .send()
        .await
        .expect("send");
    assert_eq!(got.headers()["content-type"], "image/jpeg");
    assert_eq!(got.bytes().await.expect("bytes").to_vec(), bytes);
    let thumb = upload(&env, &token, "thumb", "media", vec![1, 2, 3]).await;
    assert!(thumb["thumb_media_id"].is_string());
    env.advance(3 * 86_400).await;
    let token = env.token().await;
    let gone = env
        .get(&format!(
            "/cgi-bin/media/get?access_token={token}&media_id={media_id}"
        ))
        .await;
    assert_eq!(errcode(&gone), 40007);
}

#[tokio::test]
async fn upload_errors() {
    let env = start().await;
    let token = env.token().await;
    assert_eq!(
        errcode(&upload(&env, &token, "file", "media", vec![1]).await),
        40004
    );
    assert_eq!(
        errcode(&upload(&env, &token, "image", "other", vec![1]).await),
        41005
    );
    assert_eq!(
        errcode(&upload(&env, &token, "thumb", "media", vec![0; 64 * 1024 + 1]).await),
        45001
    );
    assert_eq!(
        errcode(
            &env.get(&format!(
                "/cgi-bin/media/get?access_token={token}&media_id=nope"
            ))
            .await
        ),
        40007
    );
}

#[tokio::test]
async fn uploads_above_the_default_body_limit_work() {
    let env = start().await;
    let token = env.token().await;
    let big = vec![7u8; 3 * 1024 * 1024];
    let up = upload(&env, &token, "image", "media", big.clone()).await;
    let media_id = up["media_id"].as_str().expect("media_id");
    let got = env
        .http
        .get(env.url(&format!(
            "/cgi-bin/media/get?access_token={token}&media_id={media_id}"
        )))
        .send()
        .await
        .expect("send");
    assert_eq!(got.bytes().await.expect("bytes").len(), big.len());
    assert_eq!(
        errcode(&upload(&env, &token, "voice", "media", big).await),
        45001,
        "voice ≤ 2 MB"
    );
}

#[tokio::test]
async fn permanent_material_lifecycle() {
    let env = start().await;
    let token = env.token().await;
    let add = |kind: &'static str, form: Form| {
        env.http
            .post(env.url(&format!(
                "/cgi-bin/material/add_material?access_token={token}&type={kind}"
            )))
            .multipart(form)
            .send()
    };
    let image = Form::new().part("media", Part::bytes(vec![1, 2, 3]).file_name("a.png"));
    let added: Value = add("image", image)
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    let image_id = added["media_id"].as_str().expect("media_id").to_owned();
    let url = added["url"].as_str().expect("url").to_owned();
    assert_eq!(
        env.http
            .get(&url)
            .send()
            .await
            .expect("send")
            .bytes()
            .await
            .expect("bytes")
            .to_vec(),
        vec![1, 2, 3]
    );
    let video = Form::new()
        .part("media", Part::bytes(vec![9; 10]).file_name("v.mp4"))
        .text("description", r#"{"title":"T","introduction":"I"}"#);
    let video_id = add("video", video)
        .await
        .expect("send")
        .json::<Value>()
        .await
        .expect("json")["media_id"]
        .clone();
    let no_description = Form::new().part("media", Part::bytes(vec![9; 10]).file_name("v.mp4"));
    assert_eq!(
        errcode(
            &add("video", no_description)
                .await
                .expect("send")
                .json()
                .await
                .expect("json")
        ),
        47003
    );

    let count = env
        .get(&format!(
            "/cgi-bin/material/get_materialcount?access_token={token}"
        ))
        .await;
    assert_eq!(
        count,
        serde_json::json!({"voice_count": 0, "video_count": 1, "image_count": 1, "news_count": 0})
    );
    let got = env
        .post(
            &format!("/cgi-bin/material/get_material?access_token={token}"),
            serde_json::json!({"media_id": video_id}),
        )
        .await;
    assert_eq!(got["title"], "T");
    assert!(got["down_url"].is_string());
    let page = env
        .post(
            &format!("/cgi-bin/material/batchget_material?access_token={token}"),
            serde_json::json!({"type": "image", "offset": 0, "count": 20}),
        )
        .await;
    assert_eq!(page["total_count"], 1);
    assert_eq!(page["item"][0]["media_id"], image_id.as_str());
    let bad = env
        .post(
            &format!("/cgi-bin/material/batchget_material?access_token={token}"),
            serde_json::json!({"type": "image", "offset": 0, "count": 21}),
        )
        .await;
    assert_eq!(errcode(&bad), 47003);

    // Material ids work in customer-service messages.
    let user = env.follower(crate::common::APP).await;
    let sent = env
        .post(
            &format!("/cgi-bin/message/custom/send?access_token={token}"),
            serde_json::json!({"touser": user, "msgtype": "image", "image": {"media_id": image_id}}),
        )
        .await;
    assert_eq!(errcode(&sent), 0);
    let del = |id: String| {
        env.post_owned(
            format!("/cgi-bin/material/del_material?access_token={token}"),
            serde_json::json!({"media_id": id}),
        )
    };
    assert_eq!(errcode(&del(image_id.clone()).await), 0);
    assert_eq!(errcode(&del(image_id).await), 40007);

    let img = Form::new().part("media", Part::bytes(vec![5; 4]).file_name("x.jpg"));
    let uploaded: Value = env
        .http
        .post(env.url(&format!("/cgi-bin/media/uploadimg?access_token={token}")))
        .multipart(img)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert!(
        uploaded["url"]
            .as_str()
            .expect("url")
            .contains("/sandbox/media/")
    );
}
