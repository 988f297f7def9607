//! The demo's follow funnel: a user who does not follow scans a table's code, follows, gets the
//! `table-*` campaign's card with the table filled in, and the funnel page's data shows the
//! follow; a follower's scan and a later unfollow show too.

use serde_json::{Value, json};

use crate::demo_clock::Demo;

const APP_ID: &str = "wxd3e0000000000001";

/// The ticket of the demo's code for `scene`.
async fn ticket(demo: &Demo, scene: &str) -> String {
    let codes = demo.get(&format!("/sandbox/apps/{APP_ID}/qrcodes")).await;
    codes
        .as_array()
        .unwrap()
        .iter()
        .find(|qr| qr["scene_str"] == scene)
        .and_then(|qr| qr["ticket"].as_str())
        .unwrap_or_else(|| panic!("no code for {scene}: {codes}"))
        .to_owned()
}

fn scene<'a>(funnel: &'a Value, name: &str) -> &'a Value {
    funnel["scenes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["scene"] == name)
        .unwrap_or_else(|| panic!("no scene {name}: {funnel}"))
}

#[tokio::test]
async fn a_scan_follow_and_unfollow_show_on_the_funnel_page() {
    let demo = Demo::start();
    let page = demo
        .http
        .get(demo.url("/demo/funnel"))
        .send()
        .await
        .unwrap();
    assert!(page.status().is_success());
    assert!(page.text().await.unwrap().contains("Follow funnel"));
    let panels = demo.get("/sandbox/console/panels").await;
    assert_eq!(
        panels[0]["path"], "/demo/funnel",
        "the console shows the funnel: {panels}"
    );

    let user = demo
        .post(
            &format!("/sandbox/apps/{APP_ID}/users"),
            json!({"nickname": "<img src=x onerror=alert(1)>"}),
        )
        .await;
    let openid = user["openid"].as_str().unwrap().to_owned();
    let table = ticket(&demo, "table-1").await;
    let scan = demo
        .act(&openid, json!({"type": "scan", "ticket": table}))
        .await;
    assert_eq!(scan["outcome"], "reply", "{scan}");
    let card = scan.to_string();
    assert!(card.contains("Welcome to table-1"), "{scan}");
    assert!(card.contains(&format!("user={openid}")), "{scan}");

    let funnel = demo.get("/demo/funnel.json").await;
    assert_eq!(scene(&funnel, "table-1")["subscribes"], 1, "{funnel}");
    assert_eq!(funnel["total"], 1, "{funnel}");
    assert_eq!(funnel["followers"][0]["openid"], openid.as_str());
    assert_eq!(funnel["followers"][0]["scene"], "table-1");
    assert_eq!(funnel["codes"].as_array().unwrap().len(), 3, "{funnel}");

    // A follower scans another table: a scan, and the card of that table.
    let other = ticket(&demo, "table-2").await;
    let again = demo
        .act(&openid, json!({"type": "scan", "ticket": other}))
        .await;
    assert!(again.to_string().contains("Welcome to table-2"), "{again}");
    demo.act(&openid, json!({"type": "unfollow"})).await;
    let funnel = demo.get("/demo/funnel.json").await;
    assert_eq!(scene(&funnel, "table-2")["scans"], 1, "{funnel}");
    assert_eq!(scene(&funnel, "table-1")["unsubscribes"], 1, "{funnel}");
    assert_eq!(funnel["followers"][0]["subscribed"], false, "{funnel}");
}
