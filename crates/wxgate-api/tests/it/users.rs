//! `user/get` (and its paging stream), `user/info`, `user/info/batchget` (and its batching),
//! `user/info/updateremark` against the sandbox.

use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use wxgate_api::endpoint::user::info::{self, batchget, updateremark};
use wxgate_api::endpoint::user::{Lang, get};
use wxgate_api::{ErrCode, OpenId};
use wxgate_sandbox::SandboxConfig;

use crate::common::{APP_ID, Env, memory_store, unique};

/// A new user of the app; following when `follow`.
pub(crate) async fn user(env: &Env, follow: bool) -> String {
    let user: Value = env
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
    if follow {
        let response = env
            .http
            .post(format!(
                "{}/sandbox/apps/{APP_ID}/users/{openid}/actions",
                env.base_url()
            ))
            .json(&json!({"type": "follow"}))
            .send()
            .await
            .expect("follow");
        assert!(response.status().is_success(), "{}", response.status());
    }
    openid
}

#[tokio::test]
async fn the_stream_walks_every_page_of_followers() {
    let env = Env::start_with(SandboxConfig {
        user_page_size: 2,
        ..SandboxConfig::default()
    })
    .await;
    let mut followers = Vec::new();
    for _ in 0..5 {
        followers.push(user(&env, true).await);
    }
    user(&env, false).await; // not following: not listed
    let credentials = env.credentials(memory_store(), &unique("users"));
    let credentials = &credentials;

    let pages: Vec<_> = get::pages(|request| async move { credentials.call(&request).await })
        .try_collect()
        .await
        .expect("pages");
    let sizes: Vec<usize> = pages.iter().map(|p| p.openids.len()).collect();
    assert_eq!(sizes, [2, 2, 1]);
    assert!(pages.iter().all(|p| p.total == Some(5)));
    // Three pages and the empty one that ends the list.
    assert_eq!(env.calls("cgi-bin/user/get").await, 4);

    // The same through a client and a token, as OpenIDs, in follow order.
    let client = env.client();
    let token = credentials.access_token().await.expect("token");
    let (client, token) = (&client, token.as_str());
    let openids: Vec<OpenId> =
        get::openids(|request| async move { client.call(&request).access_token(token).await })
            .try_collect()
            .await
            .expect("openids");
    assert_eq!(openids, followers);

    // One page by hand, and an unknown next_openid: 40003 (which ends a stream).
    let second = client
        .call(&get::Request::new().next_openid(followers[1].as_str()))
        .access_token(token)
        .await
        .expect("second page");
    assert_eq!(second.openids, followers[2..4]);
    assert_eq!(second.next_openid, followers[3]);
    let unknown = client
        .call(&get::Request::new().next_openid("onope"))
        .access_token(token)
        .await
        .expect_err("unknown next_openid");
    assert_eq!(unknown.errcode(), Some(ErrCode::InvalidOpenId));
    let mut failing = std::pin::pin!(wxgate_api::endpoint::user::pages(|_| async {
        client
            .call(&get::Request::new().next_openid("onope"))
            .access_token(token)
            .await
    }));
    assert!(failing.next().await.expect("an item").is_err());
    assert!(failing.next().await.is_none(), "an error ends the stream");
}

#[tokio::test]
async fn profiles_and_remarks_round_trip() {
    let env = Env::start().await;
    let follower = user(&env, true).await;
    let stranger = user(&env, false).await;
    let credentials = env.credentials(memory_store(), &unique("users"));

    credentials
        .call(&updateremark::Request::new(follower.as_str(), "胖子"))
        .await
        .expect("remark");
    let profile = credentials
        .call(&info::Request::new(follower.as_str()).lang(Lang::ZhCn))
        .await
        .expect("info");
    assert!(profile.subscribe);
    assert_eq!(profile.openid, follower);
    assert_eq!(profile.remark, "胖子");
    assert!(profile.subscribe_time.is_some());
    let not_following = credentials
        .call(&info::Request::new(stranger.as_str()))
        .await
        .expect("stranger's info");
    assert!(!not_following.subscribe);
    assert_eq!(not_following.remark, "");

    let batch = credentials
        .call(&batchget::Request::new([follower.as_str(), stranger.as_str()]).lang(Lang::En))
        .await
        .expect("batchget");
    let seen: Vec<(&str, bool, &str)> = batch
        .user_info_list
        .iter()
        .map(|u| (u.openid.as_str(), u.subscribe, u.remark.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (follower.as_str(), true, "胖子"),
            (stranger.as_str(), false, "")
        ]
    );

    // Any number of users, 100 per call: 150 OpenIDs are two calls.
    let many: Vec<String> = (0..150)
        .map(|i| if i % 2 == 0 { &follower } else { &stranger }.clone())
        .collect();
    let before = env.calls("cgi-bin/user/info/batchget").await;
    let credentials = &credentials;
    let infos = batchget::infos(many, Some(Lang::ZhTw), |request| async move {
        credentials.call(&request).await
    })
    .await
    .expect("infos");
    assert_eq!(infos.len(), 150);
    assert_eq!(infos[149].openid, stranger);
    assert_eq!(env.calls("cgi-bin/user/info/batchget").await - before, 2);
    let none = batchget::infos(Vec::<String>::new(), None, |request| async move {
        credentials.call(&request).await
    })
    .await
    .expect("no users, no call");
    assert!(none.is_empty());
    assert_eq!(env.calls("cgi-bin/user/info/batchget").await - before, 2);
}

#[tokio::test]
async fn bad_users_and_sizes_are_typed_errors() {
    let env = Env::start().await;
    let follower = user(&env, true).await;
    let client = env.client();
    let credentials = env.credentials(memory_store(), &unique("users"));
    let token = credentials.access_token().await.expect("token");
    let token = token.as_str();

    let unknown = client
        .call(&info::Request::new("onope"))
        .access_token(token)
        .await
        .expect_err("unknown openid");
    assert_eq!(unknown.errcode(), Some(ErrCode::InvalidOpenId));
    let unknown_in_batch = credentials
        .call(&batchget::Request::new([follower.as_str(), "onope"]))
        .await
        .expect_err("unknown openid in a batch");
    assert_eq!(unknown_in_batch.errcode(), Some(ErrCode::InvalidOpenId));
    let empty = credentials
        .call(&batchget::Request::new(Vec::<String>::new()))
        .await
        .expect_err("empty batch");
    assert_eq!(empty.errcode(), Some(ErrCode::ArgumentInvalid));
    let too_many = credentials
        .call(&batchget::Request::new(vec![follower.clone(); 101]))
        .await
        .expect_err("101 users");
    assert_eq!(too_many.errcode(), Some(ErrCode::ArgumentInvalid));

    let long = credentials
        .call(&updateremark::Request::new(
            follower.as_str(),
            "x".repeat(31),
        ))
        .await
        .expect_err("remark too long");
    assert_eq!(long.errcode(), Some(ErrCode::ArgumentInvalid));
    let stranger_remark = client
        .call(&updateremark::Request::new("onope", "x"))
        .access_token(token)
        .await
        .expect_err("unknown openid");
    assert_eq!(stranger_remark.errcode(), Some(ErrCode::InvalidOpenId));
    // Nothing was changed by the failed calls.
    let profile = credentials
        .call(&info::Request::new(follower.as_str()))
        .await
        .expect("info");
    assert_eq!(profile.remark, "");
}
