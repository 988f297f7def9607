//! `tags/*`, `tags/members/*` and `user/tag/get` against the sandbox.

use std::time::Duration;

use futures::TryStreamExt;
use serde_json::json;
use wxgate_api::endpoint::tags::members::{
    batchblacklist, batchtagging, batchunblacklist, batchuntagging, getblacklist,
};
use wxgate_api::endpoint::tags::{create, delete, get, getidlist, update};
use wxgate_api::endpoint::user::tag;
use wxgate_api::{Client, Credentials, ErrCode, OpenId, RetryPolicy};
use wxgate_sandbox::SandboxConfig;

use crate::common::{Env, memory_store, unique};
use crate::users::user;

/// The errcode of a failed call (`None` when it succeeded).
fn code<T>(result: Result<T, wxgate_api::Error>) -> Option<ErrCode> {
    result.err().and_then(|e| e.errcode())
}

async fn tag_count(credentials: &Credentials, id: u32) -> Option<(String, u64)> {
    credentials
        .call(&get::Request::new())
        .await
        .expect("tags/get")
        .tags
        .into_iter()
        .find(|t| t.id == id)
        .map(|t| (t.name, t.count))
}

#[tokio::test]
async fn tags_round_trip_through_their_members() {
    let env = Env::start_with(SandboxConfig {
        user_page_size: 2,
        ..SandboxConfig::default()
    })
    .await;
    let users = [
        user(&env, true).await,
        user(&env, true).await,
        user(&env, true).await,
    ];
    let credentials = env.credentials(memory_store(), &unique("tags"));
    let client = env.client();
    let token = credentials.access_token().await.expect("token");
    let token = token.as_str();

    let created = credentials
        .call(&create::Request::new("广东"))
        .await
        .expect("create");
    assert_eq!(created.tag.name, "广东");
    let id = created.tag.id;
    assert_eq!(
        tag_count(&credentials, id).await,
        Some(("广东".to_owned(), 0))
    );
    assert!(tag_count(&credentials, 2).await.is_some(), "星标组 exists");

    client
        .call(&update::Request::new(id, "广东人"))
        .access_token(token)
        .await
        .expect("rename");
    credentials
        .call(&batchtagging::Request::new(id, users.clone()))
        .await
        .expect("tag");
    assert_eq!(
        tag_count(&credentials, id).await,
        Some(("广东人".to_owned(), 3))
    );
    let tags_of_first = credentials
        .call(&getidlist::Request::new(users[0].as_str()))
        .await
        .expect("getidlist");
    assert_eq!(tags_of_first.tagid_list, [id]);

    // The tag's followers, two per page here.
    let credentials_ref = &credentials;
    let members: Vec<OpenId> =
        tag::get::openids(
            id,
            |request| async move { credentials_ref.call(&request).await },
        )
        .try_collect()
        .await
        .expect("members");
    assert_eq!(members, users);
    let first_page = client
        .call(&tag::get::Request::new(id))
        .access_token(token)
        .await
        .expect("first page");
    assert_eq!((first_page.count, first_page.total), (2, None));

    credentials
        .call(&batchuntagging::Request::new(id, [users[0].as_str()]))
        .await
        .expect("untag");
    assert!(
        credentials
            .call(&getidlist::Request::new(users[0].as_str()))
            .await
            .expect("getidlist")
            .tagid_list
            .is_empty()
    );
    assert_eq!(
        tag_count(&credentials, id).await,
        Some(("广东人".to_owned(), 2))
    );

    credentials
        .call(&delete::Request::new(id))
        .await
        .expect("delete");
    assert_eq!(tag_count(&credentials, id).await, None);
    assert!(
        credentials
            .call(&getidlist::Request::new(users[1].as_str()))
            .await
            .expect("getidlist")
            .tagid_list
            .is_empty(),
        "deleting a tag removes it from its followers"
    );
}

#[tokio::test]
async fn tag_errors_are_typed() {
    let env = Env::start().await;
    let follower = user(&env, true).await;
    let credentials = env.credentials(memory_store(), &unique("tags"));

    let id = credentials
        .call(&create::Request::new("vip"))
        .await
        .expect("create")
        .tag
        .id;
    assert_eq!(
        code(credentials.call(&create::Request::new("vip")).await),
        Some(ErrCode::InvalidTagName),
        "duplicate name"
    );
    assert_eq!(
        code(credentials.call(&create::Request::new("")).await),
        Some(ErrCode::InvalidTagName),
        "empty name"
    );
    assert_eq!(
        code(
            credentials
                .call(&create::Request::new("x".repeat(31)))
                .await
        ),
        Some(ErrCode::TagNameTooLong)
    );
    // 11 three-byte characters are 33 bytes: too long.
    assert_eq!(
        code(
            credentials
                .call(&update::Request::new(id, "广".repeat(11)))
                .await
        ),
        Some(ErrCode::TagNameTooLong)
    );
    assert_eq!(
        code(credentials.call(&update::Request::new(2, "mine")).await),
        Some(ErrCode::SystemTag)
    );
    assert_eq!(
        code(credentials.call(&delete::Request::new(1)).await),
        Some(ErrCode::SystemTag)
    );
    assert_eq!(
        code(credentials.call(&update::Request::new(999, "y")).await),
        Some(ErrCode::InvalidTagId)
    );
    assert_eq!(
        code(credentials.call(&delete::Request::new(999)).await),
        Some(ErrCode::InvalidTagId)
    );
    assert_eq!(
        code(
            credentials
                .call(&batchtagging::Request::new(999, [follower.as_str()]))
                .await
        ),
        Some(ErrCode::InvalidTagId)
    );
    assert_eq!(
        code(credentials.call(&tag::get::Request::new(999)).await),
        Some(ErrCode::InvalidTagId)
    );
    assert_eq!(
        code(
            credentials
                .call(&batchtagging::Request::new(id, vec![follower.clone(); 51]))
                .await
        ),
        Some(ErrCode::InvalidOpenIdListSize)
    );
    assert_eq!(
        code(
            credentials
                .call(&batchuntagging::Request::new(id, Vec::<String>::new()))
                .await
        ),
        Some(ErrCode::InvalidOpenIdListSize)
    );
    assert_eq!(
        code(
            credentials
                .call(&batchtagging::Request::new(id, ["onope"]))
                .await
        ),
        Some(ErrCode::InvalidOpenId)
    );
    assert_eq!(
        code(credentials.call(&getidlist::Request::new("onope")).await),
        Some(ErrCode::InvalidOpenId)
    );

    // An OpenID of another account: 49003.
    let other = env
        .http
        .post(format!("{}/sandbox/apps", env.base_url()))
        .json(&json!({"app_id": "wxother000000001", "app_secret": "other-secret", "token": "t", "mode": "plaintext", "callback_url": "http://127.0.0.1:9/"}))
        .send()
        .await
        .expect("other app");
    assert!(other.status().is_success(), "{}", other.status());
    let foreign: serde_json::Value = env
        .http
        .post(format!(
            "{}/sandbox/apps/wxother000000001/users",
            env.base_url()
        ))
        .json(&json!({}))
        .send()
        .await
        .expect("foreign user")
        .json()
        .await
        .expect("json");
    let foreign = foreign["openid"].as_str().expect("openid").to_owned();
    assert_eq!(
        code(
            credentials
                .call(&batchtagging::Request::new(id, [foreign.as_str()]))
                .await
        ),
        Some(ErrCode::OpenIdNotOfApp)
    );
}

#[tokio::test]
async fn tag_count_limits_are_typed() {
    let env = Env::start().await;
    let follower = user(&env, true).await;
    let credentials = env.credentials(memory_store(), &unique("tags"));
    // The system tag 2 counts: 99 more make 100.
    let mut ids = Vec::new();
    for i in 0..99 {
        ids.push(
            credentials
                .call(&create::Request::new(format!("t{i}")))
                .await
                .expect("create")
                .tag
                .id,
        );
    }
    let over = credentials
        .call(&create::Request::new("one too many"))
        .await
        .expect_err("101st tag");
    assert_eq!(over.errcode(), Some(ErrCode::TooManyTags));

    for id in &ids[..20] {
        credentials
            .call(&batchtagging::Request::new(*id, [follower.as_str()]))
            .await
            .expect("tag");
    }
    let full = credentials
        .call(&batchtagging::Request::new(ids[20], [follower.as_str()]))
        .await
        .expect_err("21st tag of a user");
    assert_eq!(full.errcode(), Some(ErrCode::UserHasTooManyTags));
    let tags = credentials
        .call(&getidlist::Request::new(follower.as_str()))
        .await
        .expect("getidlist")
        .tagid_list;
    assert_eq!(tags, ids[..20]);
}

#[tokio::test]
async fn blacklist_round_trips_and_pages() {
    let env = Env::start_with(SandboxConfig {
        user_page_size: 2,
        ..SandboxConfig::default()
    })
    .await;
    let users = [
        user(&env, true).await,
        user(&env, true).await,
        user(&env, true).await,
    ];
    let credentials = env.credentials(memory_store(), &unique("black"));
    let credentials_ref = &credentials;
    let blocked = || {
        getblacklist::openids(|request| async move { credentials_ref.call(&request).await })
            .try_collect::<Vec<OpenId>>()
    };
    assert!(blocked().await.expect("empty list").is_empty());

    // Blocked in this order (a second apart): listed in this order, two per page.
    let order = [users[2].as_str(), users[0].as_str(), users[1].as_str()];
    for openid in order {
        credentials
            .call(&batchblacklist::Request::new([openid]))
            .await
            .expect("block");
        env.advance(1).await;
    }
    assert_eq!(blocked().await.expect("blacklist"), order);
    let first = credentials
        .call(&getblacklist::Request::new())
        .await
        .expect("first page");
    assert_eq!((first.total, first.count), (Some(3), 2));
    let second = credentials
        .call(&getblacklist::Request::new().begin_openid(first.next_openid))
        .await
        .expect("second page");
    assert_eq!(second.openids, [order[2]]);

    credentials
        .call(&batchunblacklist::Request::new([users[0].as_str()]))
        .await
        .expect("unblock");
    assert_eq!(
        blocked().await.expect("blacklist"),
        [users[2].as_str(), users[1].as_str()]
    );

    assert_eq!(
        code(
            credentials
                .call(&batchblacklist::Request::new(vec![users[0].clone(); 21]))
                .await
        ),
        Some(ErrCode::InvalidOpenIdListSize)
    );
    assert_eq!(
        code(
            credentials
                .call(&batchunblacklist::Request::new(Vec::<String>::new()))
                .await
        ),
        Some(ErrCode::InvalidOpenIdListSize)
    );
    assert_eq!(
        code(
            credentials
                .call(&batchblacklist::Request::new(["onope"]))
                .await
        ),
        Some(ErrCode::InvalidOpenId)
    );
}

#[tokio::test]
async fn creating_a_tag_is_never_repeated_once_it_may_have_reached_wechat() {
    let env = Env::start().await;
    let credentials = env.credentials(memory_store(), &unique("tags"));
    let token = credentials.access_token().await.expect("token");
    let impatient = Client::builder()
        .base_url(env.base_url())
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::new(
            3,
            Duration::from_millis(10),
            Duration::from_millis(20),
        ))
        .build()
        .expect("client");
    env.fault(json!({"path": "cgi-bin/tags/create", "delay_ms": 1000, "times": 1}))
        .await;
    let error = impatient
        .call(&create::Request::new("slow"))
        .access_token(token.as_str())
        .await
        .expect_err("timeout");
    assert!(error.may_have_been_sent(), "{error:?}");
    assert_eq!(env.calls("cgi-bin/tags/create").await, 1, "not repeated");

    // Renaming is idempotent: a timed-out attempt is repeated.
    let id = credentials
        .call(&create::Request::new("to rename"))
        .await
        .expect("create")
        .tag
        .id;
    env.fault(json!({"path": "cgi-bin/tags/update", "delay_ms": 1000, "times": 1}))
        .await;
    impatient
        .call(&update::Request::new(id, "fast"))
        .access_token(token.as_str())
        .await
        .expect("the retry succeeds");
    assert_eq!(env.calls("cgi-bin/tags/update").await, 2);
    assert_eq!(
        tag_count(&credentials, id).await,
        Some(("fast".to_owned(), 0))
    );
}
