//! `wxgate demo --data-dir`: state survives a restart; the demo serves its own images; the
//! console's data (conversation, deliveries) comes from the sandbox's record.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::demo_clock::{Demo, api_key, start_in};

const APP_ID: &str = "wxd3e0000000000001";

#[tokio::test]
async fn a_restart_with_the_same_data_dir_keeps_users_conversations_and_keys() {
    let mut demo = Demo::start();
    let alice = demo.follower("Alice").await;
    let hello = demo
        .act(&alice, json!({"type": "text", "content": "hello"}))
        .await;
    assert_eq!(hello["outcome"], "reply", "{hello}");
    let clock = demo
        .post("/sandbox/clock", json!({"advance_secs": 3600}))
        .await["now"]
        .as_u64()
        .unwrap();

    // The sandbox saves its state shortly after each change: wait for the file to show the last
    // one before stopping the process.
    let state_file = demo.dir.path().join("sandbox-state.json");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let saved = std::fs::read_to_string(&state_file).unwrap_or_default();
        if saved.contains("\"advanced\": 3600") && saved.contains(&alice) {
            break;
        }
        assert!(Instant::now() < deadline, "state file not written: {saved}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let key = demo.api_key.clone();
    let qrcodes = demo.get(&format!("/sandbox/apps/{APP_ID}/qrcodes")).await;
    drop(std::mem::replace(
        &mut demo.process,
        start_in(demo.dir.path()),
    ));
    assert_eq!(
        demo.get(&format!("/sandbox/apps/{APP_ID}/qrcodes")).await,
        qrcodes,
        "the campaign's QR code is reused, not created again"
    );

    assert_eq!(api_key(demo.dir.path()), key, "the API key is kept");
    let now = demo.get("/sandbox/clock").await["now"].as_u64().unwrap();
    assert!(now >= clock, "the clock's offset is kept: {now} < {clock}");
    let users = demo.get(&format!("/sandbox/apps/{APP_ID}/users")).await;
    assert_eq!(users[0]["openid"], alice.as_str(), "{users}");
    assert_eq!(users[0]["subscribed"], true, "{users}");
    let conversation = demo
        .get(&format!(
            "/sandbox/apps/{APP_ID}/users/{alice}/conversation"
        ))
        .await;
    let texts: Vec<&str> = conversation
        .as_array()
        .unwrap()
        .iter()
        .map(|item| match item["direction"].as_str() {
            Some("sent") => item["summary"].as_str().unwrap_or_default(),
            _ => item["message"]["text"]["content"]
                .as_str()
                .unwrap_or_default(),
        })
        .collect();
    assert_eq!(texts.len(), 4, "{conversation}");
    assert_eq!(texts[0], "[follows the account]");
    assert!(texts[1].starts_with("Welcome"), "{texts:?}");
    assert_eq!(texts[2], "hello");
    assert!(texts[3].starts_with("Hi there"), "{texts:?}");

    // The restarted gateway and sandbox still agree on the secrets.
    let again = demo
        .act(&alice, json!({"type": "text", "content": "hello"}))
        .await;
    assert_eq!(again["outcome"], "reply", "{again}");
    let token = demo.token().await;
    assert_eq!(demo.probe(&token).await, 0);
}

#[tokio::test]
async fn news_cards_use_the_demos_own_images_and_say_hi_answers() {
    let demo = Demo::start();
    let carol = demo.follower("Carol").await;
    let order = demo
        .act(&carol, json!({"type": "text", "content": "order 42"}))
        .await;
    let picurl = order["reply"]["news"]["articles"][0]["picurl"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(picurl, demo.url("/demo/img/order.png"), "{order}");
    let image = demo.http.get(&picurl).send().await.unwrap();
    assert_eq!(image.status().as_u16(), 200);
    assert_eq!(image.headers()["content-type"], "image/png");
    let bytes = image.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    let missing = demo
        .http
        .get(demo.url("/demo/img/nothing.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);

    let hi = demo
        .act(&carol, json!({"type": "click", "key": "HELLO"}))
        .await;
    assert_eq!(hi["outcome"], "reply", "{hi}");
    assert!(
        hi["reply"]["text"]["content"]
            .as_str()
            .is_some_and(|t| t.starts_with("Hi!")),
        "{hi}"
    );

    // Following by scanning the campaign's QR code: the scene's card replaces the greeting.
    // The demo makes several codes (the sale's and the tables'), listed in no set order.
    let qrcodes = demo.get(&format!("/sandbox/apps/{APP_ID}/qrcodes")).await;
    let ticket = qrcodes
        .as_array()
        .unwrap()
        .iter()
        .find(|qr| qr["scene_str"] == "spring-sale")
        .and_then(|qr| qr["ticket"].as_str())
        .unwrap_or_else(|| panic!("no spring-sale code: {qrcodes}"));
    let user = demo
        .post(&format!("/sandbox/apps/{APP_ID}/users"), json!({}))
        .await;
    let scanned = demo
        .act(
            user["openid"].as_str().unwrap(),
            json!({"type": "scan", "ticket": ticket}),
        )
        .await;
    let article = &scanned["reply"]["news"]["articles"][0];
    assert_eq!(article["title"], "Spring sale: 20% off", "{scanned}");
    assert_eq!(article["picurl"], demo.url("/demo/img/spring.png"));
    let favicon = demo
        .http
        .get(demo.url("/favicon.ico"))
        .send()
        .await
        .unwrap();
    assert_eq!(favicon.status().as_u16(), 200);
}

/// A demo killed right after it came up (its sandbox's state saved or not) starts again on the
/// same data dir and its tokens work: the gateway never keeps a token the restarted sandbox does
/// not know. (CI once saw the README's second `demo --data-dir` fail with 40001 from
/// `menu/create` after the first was killed.)
#[tokio::test]
async fn kill_9_then_restart_on_the_same_data_dir_comes_up_with_working_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    for round in 0..4 {
        let process = start_in(dir.path());
        let key = api_key(dir.path());
        let token = http
            .get(format!("{}/v1/accounts/demo/access-token", process.base))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert!(token.status().is_success(), "round {round}: {token:?}");
        drop(process); // SIGKILL: nothing is saved on the way out
    }
}
