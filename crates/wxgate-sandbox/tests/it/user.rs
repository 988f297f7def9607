//! `user/get`, `user/info`, `user/info/batchget`, `user/info/updateremark`.

use serde_json::json;
use wxgate_sandbox::SandboxConfig;

use crate::common::{APP, errcode, start, start_with};

#[tokio::test]
async fn user_get_pages_by_next_openid() {
    let env = start_with(SandboxConfig {
        user_page_size: 2,
        ..SandboxConfig::default()
    })
    .await;
    let mut followers = Vec::new();
    for _ in 0..5 {
        followers.push(env.follower(APP).await);
    }
    env.new_user(APP).await; // not following: not listed
    let token = env.token().await;
    let mut seen = Vec::new();
    let mut next = String::new();
    loop {
        let page = env
            .get(&format!(
                "/cgi-bin/user/get?access_token={token}&next_openid={next}"
            ))
            .await;
        assert_eq!(page["total"], 5);
        let count = page["count"].as_u64().expect("count");
        if count == 0 {
            assert!(page.get("data").is_none());
            assert_eq!(page["next_openid"], "");
            break;
        }
        let ids: Vec<String> = page["data"]["openid"]
            .as_array()
            .expect("openids")
            .iter()
            .map(|v| v.as_str().expect("s").to_owned())
            .collect();
        assert_eq!(page["next_openid"], ids.last().expect("last").as_str());
        next = ids.last().expect("last").clone();
        seen.extend(ids);
    }
    assert_eq!(seen, followers, "follow order");
    let bad = env
        .get(&format!(
            "/cgi-bin/user/get?access_token={token}&next_openid=ounknown"
        ))
        .await;
    assert_eq!(errcode(&bad), 40003);
}

#[tokio::test]
async fn user_info_and_batchget_and_remark() {
    let env = start().await;
    let follower = env.follower(APP).await;
    let stranger = env.new_user(APP).await;
    let token = env.token().await;
    let info = env
        .get(&format!(
            "/cgi-bin/user/info?access_token={token}&openid={follower}&lang=zh_CN"
        ))
        .await;
    assert_eq!(info["subscribe"], 1);
    assert_eq!(info["openid"], follower.as_str());
    assert_eq!(info["subscribe_time"], crate::common::START);
    assert_eq!(info["subscribe_scene"], "ADD_SCENE_SEARCH");
    assert!(info.get("nickname").is_none(), "removed since 2021-12-27");
    let other = env
        .get(&format!(
            "/cgi-bin/user/info?access_token={token}&openid={stranger}"
        ))
        .await;
    assert_eq!(other["subscribe"], 0);
    assert!(other.get("subscribe_time").is_none());
    assert_eq!(
        errcode(
            &env.get(&format!(
                "/cgi-bin/user/info?access_token={token}&openid=onope"
            ))
            .await
        ),
        40003
    );

    let batch = env
        .post(
            &format!("/cgi-bin/user/info/batchget?access_token={token}"),
            json!({"user_list": [{"openid": follower, "lang": "zh_CN"}, {"openid": stranger}]}),
        )
        .await;
    assert_eq!(batch["user_info_list"][0]["subscribe"], 1);
    assert_eq!(batch["user_info_list"][1]["subscribe"], 0);
    let too_many: Vec<_> = (0..101).map(|_| json!({"openid": follower})).collect();
    let over = env
        .post(
            &format!("/cgi-bin/user/info/batchget?access_token={token}"),
            json!({"user_list": too_many}),
        )
        .await;
    assert_eq!(errcode(&over), 47003);

    let remark = env
        .post(
            &format!("/cgi-bin/user/info/updateremark?access_token={token}"),
            json!({"openid": follower, "remark": "pangzi"}),
        )
        .await;
    assert_eq!(errcode(&remark), 0);
    let info = env
        .get(&format!(
            "/cgi-bin/user/info?access_token={token}&openid={follower}"
        ))
        .await;
    assert_eq!(info["remark"], "pangzi");
    let long = env
        .post(
            &format!("/cgi-bin/user/info/updateremark?access_token={token}"),
            json!({"openid": follower, "remark": "x".repeat(31)}),
        )
        .await;
    assert_eq!(errcode(&long), 47003);
    let unknown = env
        .post(
            &format!("/cgi-bin/user/info/updateremark?access_token={token}"),
            json!({"openid": "onope", "remark": "x"}),
        )
        .await;
    assert_eq!(errcode(&unknown), 40003);
}
