//! Drafts and publishing: typed bodies and the `PUBLISHJOBFINISH` push.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use wxgate_proto::event::Event;
use wxgate_proto::message::{Body, Inbound};

use crate::common::{Env, errcode, start};

/// A permanent image material to use as a cover.
async fn cover(env: &Env, token: &str) -> String {
    let form = Form::new().part(
        "media",
        Part::bytes(vec![0xff, 0xd8, 0xff]).file_name("cover.jpg"),
    );
    let added: Value = env
        .http
        .post(env.url(&format!(
            "/cgi-bin/material/add_material?access_token={token}&type=image"
        )))
        .multipart(form)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    added["media_id"].as_str().expect("media_id").to_owned()
}

async fn post_raw(env: &Env, path: &str, body: &'static str) -> Value {
    env.http
        .post(env.url(path))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn draft_bodies_are_typed() {
    let env = start().await;
    let token = env.token().await;
    let add = format!("/cgi-bin/draft/add?access_token={token}");
    assert_eq!(errcode(&post_raw(&env, &add, "").await), 44002);
    assert_eq!(errcode(&post_raw(&env, &add, "{").await), 47001);
    assert_eq!(
        errcode(&post_raw(&env, &add, r#"{"articles": {"title": "not a list"}}"#).await),
        47001
    );
    assert_eq!(
        errcode(
            &post_raw(
                &env,
                &add,
                r#"{"articles": [{"title": "T", "content": "C", "thumb_media_id": "x", "need_open_comment": "yes"}]}"#
            )
            .await
        ),
        47001,
        "a flag must be a number"
    );
    assert_eq!(
        errcode(&env.post(&add, json!({"articles": []})).await),
        44003
    );
    let thumb = cover(&env, &token).await;
    let added = env
        .post(
            &add,
            json!({"articles": [{"title": "T", "content": "<p>C</p>", "thumb_media_id": thumb, "article_type": "news"}]}),
        )
        .await;
    assert_eq!(errcode(&added), 0, "{added}");
    let batch = format!("/cgi-bin/material/batchget_material?access_token={token}");
    assert_eq!(
        errcode(
            &env.post(&batch, json!({"type": "image", "offset": "0", "count": 1}))
                .await
        ),
        47001,
        "offset must be a number"
    );
    let del = format!("/cgi-bin/material/del_material?access_token={token}");
    assert_eq!(errcode(&env.post(&del, json!({})).await), 47001);
}

#[tokio::test]
async fn publishing_pushes_publishjobfinish() {
    let received: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = received.clone();
    let app = axum::Router::new().route(
        "/wechat",
        axum::routing::post(move |body: String| {
            let log = log.clone();
            async move {
                log.lock().expect("lock").push(body);
                "success"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/wechat", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });

    let env = start().await;
    let status = env
        .add_app(
            json!({"app_id": "wxpublish", "app_secret": "s", "token": "tok",
                        "mode": "plaintext", "callback_url": url}),
        )
        .await;
    assert_eq!(status, 201);
    let token = env.token_for("wxpublish", "s").await;
    let thumb = cover(&env, &token).await;
    let article =
        |title: &str| json!({"title": title, "content": "<p>body</p>", "thumb_media_id": thumb});
    let draft = env
        .post(
            &format!("/cgi-bin/draft/add?access_token={token}"),
            json!({"articles": [article("one"), article("two")]}),
        )
        .await;
    let media_id = draft["media_id"].as_str().expect("media_id");
    let submitted = env
        .post(
            &format!("/cgi-bin/freepublish/submit?access_token={token}"),
            json!({"media_id": media_id}),
        )
        .await;
    let publish_id = submitted["publish_id"]
        .as_str()
        .expect("publish_id")
        .to_owned();

    let mut document = None;
    for _ in 0..500 {
        document = received
            .lock()
            .expect("lock")
            .iter()
            .find(|b| b.contains("PUBLISHJOBFINISH"))
            .cloned();
        if document.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let document = document.expect("PUBLISHJOBFINISH pushed");
    let inbound = Inbound::parse(&document).expect("wxgate-proto parses the event");
    let Body::Event(Event::PublishJobFinish(finish)) = inbound.body else {
        panic!("not a PUBLISHJOBFINISH event: {document}");
    };
    assert_eq!(finish.publish_id, publish_id);
    assert_eq!(finish.publish_status, "0");
    let status = env
        .post(
            &format!("/cgi-bin/freepublish/get?access_token={token}"),
            json!({"publish_id": publish_id}),
        )
        .await;
    assert_eq!(finish.article_id.as_deref(), status["article_id"].as_str());
    assert_eq!(finish.article_urls.len(), 2);
    assert_eq!(
        finish.article_urls[1],
        status["article_detail"]["item"][1]["article_url"]
            .as_str()
            .expect("url")
    );
}

#[tokio::test]
async fn drafts_and_publications_survive_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sandbox.json");
    let config = wxgate_sandbox::SandboxConfig {
        state_file: Some(path.clone()),
        ..wxgate_sandbox::SandboxConfig::default()
    };
    let (token, draft_id, publish_id) = {
        let env = crate::common::start_with(config.clone()).await;
        let token = env.token().await;
        let thumb = cover(&env, &token).await;
        let article = json!({"title": "T", "content": "<p>C</p>", "thumb_media_id": thumb});
        let add = format!("/cgi-bin/draft/add?access_token={token}");
        let published = env.post(&add, json!({"articles": [article]})).await;
        let submitted = env
            .post(
                &format!("/cgi-bin/freepublish/submit?access_token={token}"),
                json!({"media_id": published["media_id"]}),
            )
            .await;
        let kept = env.post(&add, json!({"articles": [article]})).await;
        let draft_id = kept["media_id"].as_str().expect("media_id").to_owned();
        // The writer is debounced; wait until the file holds the last draft.
        let mut saved = false;
        for _ in 0..250 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if std::fs::read_to_string(&path).is_ok_and(|s| s.contains(&draft_id)) {
                saved = true;
                break;
            }
        }
        assert!(saved, "state file written");
        let publish_id = submitted["publish_id"]
            .as_str()
            .expect("publish_id")
            .to_owned();
        (token, draft_id, publish_id)
    };
    let env = crate::common::start_with(config).await;
    let count = env
        .get(&format!("/cgi-bin/draft/count?access_token={token}"))
        .await;
    assert_eq!(count["total_count"], 1);
    let draft = env
        .post(
            &format!("/cgi-bin/draft/get?access_token={token}"),
            json!({"media_id": draft_id}),
        )
        .await;
    assert_eq!(draft["news_item"][0]["title"], "T");
    let status = env
        .post(
            &format!("/cgi-bin/freepublish/get?access_token={token}"),
            json!({"publish_id": publish_id}),
        )
        .await;
    assert_eq!(status["publish_status"], 0, "{status}");
}
