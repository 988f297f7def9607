//! `cgi-bin/ticket/getticket`.

use crate::common::{APP, errcode, start};

#[tokio::test]
async fn tickets_rotate_with_a_five_minute_overlap() {
    let env = start().await;
    let token = env.token().await;
    let a = env
        .get(&format!(
            "/cgi-bin/ticket/getticket?access_token={token}&type=jsapi"
        ))
        .await;
    assert_eq!(errcode(&a), 0);
    assert_eq!(a["errmsg"], "ok");
    assert_eq!(a["expires_in"], 7200);
    let b = env
        .get(&format!(
            "/cgi-bin/ticket/getticket?access_token={token}&type=jsapi"
        ))
        .await;
    assert_ne!(a["ticket"], b["ticket"]);
    let card = env
        .get(&format!(
            "/cgi-bin/ticket/getticket?access_token={token}&type=wx_card"
        ))
        .await;
    assert!(card["ticket"].is_string());
    let live = env.get(&format!("/sandbox/apps/{APP}/tickets")).await;
    assert_eq!(live["jsapi"].as_array().expect("jsapi").len(), 2);
    assert_eq!(live["wx_card"].as_array().expect("card").len(), 1);
    env.advance(300).await;
    let live = env.get(&format!("/sandbox/apps/{APP}/tickets")).await;
    assert_eq!(live["jsapi"].as_array().expect("jsapi").len(), 1);
    assert_eq!(live["jsapi"][0]["ticket"], b["ticket"]);
}

#[tokio::test]
async fn bad_ticket_type_is_40097() {
    let env = start().await;
    let token = env.token().await;
    assert_eq!(
        errcode(
            &env.get(&format!(
                "/cgi-bin/ticket/getticket?access_token={token}&type=nope"
            ))
            .await
        ),
        40097
    );
    assert_eq!(
        errcode(
            &env.get(&format!("/cgi-bin/ticket/getticket?access_token={token}"))
                .await
        ),
        40097
    );
    assert_eq!(
        errcode(&env.get("/cgi-bin/ticket/getticket?type=jsapi").await),
        41001
    );
}

#[tokio::test]
async fn jssdk_config_is_checked_against_live_tickets() {
    let env = start().await;
    let token = env.token().await;
    let ticket = env
        .get(&format!(
            "/cgi-bin/ticket/getticket?access_token={token}&type=jsapi"
        ))
        .await["ticket"]
        .as_str()
        .expect("ticket")
        .to_owned();
    let url = "https://example.com/page?x=1";
    let signature =
        wxgate_proto::jssdk::config_signature(&ticket, "Wm3WZYTPz0wzccnW", 1414587457, url);
    let config = serde_json::json!({"url": format!("{url}#frag"), "appId": APP, "timestamp": 1414587457, "nonceStr": "Wm3WZYTPz0wzccnW", "signature": signature});
    let path = format!("/sandbox/apps/{APP}/jssdk/verify");
    assert_eq!(env.post(&path, config.clone()).await["ok"], true);
    let mut wrong = config.clone();
    wrong["nonceStr"] = serde_json::json!("other");
    assert_eq!(env.post(&path, wrong).await["ok"], false);
    env.advance(7200).await;
    assert_eq!(
        env.post(&path, config).await["ok"],
        false,
        "the ticket expired"
    );
}
