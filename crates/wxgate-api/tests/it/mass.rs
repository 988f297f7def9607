//! Mass sends against the sandbox: by tag, to all, by OpenID list, previews, status, deletion,
//! speed, idempotency keys and the daily quota.

use std::time::Duration;

use serde_json::json;
use wxgate_api::ErrCode;
use wxgate_api::endpoint::message::mass::{Message, delete, get, preview, send, sendall, speed};

use crate::common::unique;
use crate::message::{Fixture, assert_quota_error};

#[tokio::test]
async fn sends_reach_inboxes_and_report_their_status() {
    let f = Fixture::start().await;
    let a = f.env.follower().await;
    let b = f.env.follower().await;
    let stranger = f.stranger().await;

    let all = f
        .client
        .call(&sendall::Request::to_all(Message::text("hello all")).send_ignore_reprint(true))
        .access_token(&f.token)
        .await
        .unwrap();
    for openid in [&a, &b] {
        let got = f.inbox_of(openid, "mass").await;
        assert_eq!(
            got.last().unwrap()["text"]["content"],
            "hello all",
            "{got:?}"
        );
    }
    assert!(f.inbox_of(&stranger, "mass").await.is_empty());
    let status = f
        .credentials
        .call(&get::Request::new(all.msg_id))
        .await
        .unwrap();
    assert_eq!(status.msg_id, all.msg_id);
    assert_eq!(status.msg_status, "SEND_SUCCESS");

    let listed = f
        .credentials
        .call(&send::Request::new(
            [a.as_str(), stranger.as_str()],
            Message::mpnews("MEDIA"),
        ))
        .await
        .unwrap();
    assert!(
        listed.msg_data_id.is_some(),
        "mpnews sends have a msg_data_id"
    );
    assert_eq!(
        f.inbox_of(&a, "mass").await.last().unwrap()["mpnews"]["media_id"],
        "MEDIA"
    );

    let tagged = f
        .credentials
        .call(&sendall::Request::to_tag(2, Message::images(["i1", "i2"])))
        .await
        .unwrap();
    assert_eq!(tagged.msg_data_id, None);

    f.credentials
        .call(&delete::Request::new(all.msg_id).article_idx(1))
        .await
        .unwrap();
    let status = f
        .credentials
        .call(&get::Request::new(all.msg_id))
        .await
        .unwrap();
    assert_eq!(status.msg_status, "DELETE");

    let shown = f
        .credentials
        .call(&preview::Request::to_openid(
            b.as_str(),
            Message::wxcard("CARD"),
        ))
        .await
        .unwrap();
    assert!(shown.msg_id.is_some());
    assert_eq!(
        f.inbox_of(&b, "preview").await[0]["wxcard"]["card_id"],
        "CARD"
    );
}

#[tokio::test]
async fn mass_errors_are_typed() {
    let f = Fixture::start().await;
    let a = f.env.follower().await;
    let error = f
        .credentials
        .call(&send::Request::new([a.as_str()], Message::text("x")))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::InvalidOpenIdList), "{error}");
    let error = f
        .credentials
        .call(&sendall::Request::to_tag(999, Message::text("x")))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::InvalidTagId), "{error}");
    let error = f
        .credentials
        .call(&sendall::Request::to_all(Message::text("x")).clientmsgid("x".repeat(65)))
        .await
        .unwrap_err();
    assert_eq!(
        error.errcode(),
        Some(ErrCode::ClientMsgIdTooLong),
        "{error}"
    );
    let error = f
        .credentials
        .call(&get::Request::new(12345))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::ArgumentInvalid), "{error}");
    let stranger = f.stranger().await;
    let error = f
        .credentials
        .call(&preview::Request::to_openid(
            stranger.as_str(),
            Message::text("x"),
        ))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::RequireSubscribe), "{error}");
    let error = f
        .credentials
        .call(&preview::Request::to_openid("o-nobody", Message::text("x")))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::InvalidOpenId), "{error}");
}

#[tokio::test]
async fn a_clientmsgid_sends_once() {
    let f = Fixture::start().await;
    let a = f.env.follower().await;
    let key = unique("mass");
    let first = f
        .credentials
        .call(&sendall::Request::to_all(Message::text("once")).clientmsgid(key.as_str()))
        .await
        .unwrap();
    let error = f
        .credentials
        .call(&sendall::Request::to_all(Message::text("once")).clientmsgid(key.as_str()))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::ClientMsgIdExists), "{error}");
    assert!(
        !error.may_have_been_sent(),
        "WeChat said it is a duplicate: {error}"
    );
    assert!(first.msg_id > 0);
    assert_eq!(f.inbox_of(&a, "mass").await.len(), 1);
}

#[tokio::test]
async fn a_mass_send_that_timed_out_is_not_repeated() {
    let f = Fixture::start().await;
    f.env
        .fault(json!({"path": "cgi-bin/message/mass/sendall", "delay_ms": 1500, "times": 1}))
        .await;
    let error = f
        .impatient_client(300)
        .call(&sendall::Request::to_all(Message::text("x")))
        .access_token(&f.token)
        .await
        .unwrap_err();
    assert!(error.may_have_been_sent(), "{error}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(f.env.calls("cgi-bin/message/mass/sendall").await, 1);
}

#[tokio::test]
async fn the_daily_mass_quota_runs_out_with_the_path_named() {
    let f = Fixture::start().await;
    // Tag 2 has no members: cheap sends that still count.
    for _ in 0..100 {
        f.client
            .call(&sendall::Request::to_tag(2, Message::text("x")))
            .access_token(&f.token)
            .await
            .unwrap();
    }
    let error = f
        .credentials
        .call(&sendall::Request::to_tag(2, Message::text("x")))
        .await
        .unwrap_err();
    assert_quota_error(&error, "/cgi-bin/message/mass/sendall");
    assert!(!error.may_have_been_sent(), "WeChat refused it: {error}");
    assert_eq!(
        f.env.calls("cgi-bin/message/mass/sendall").await,
        101,
        "45009 is not retried"
    );
}

#[tokio::test]
async fn speed_round_trips() {
    let f = Fixture::start().await;
    f.client
        .call(&speed::set::Request::new(3))
        .access_token(&f.token)
        .await
        .unwrap();
    let got = f
        .credentials
        .call(&speed::get::Request::new())
        .await
        .unwrap();
    assert_eq!((got.speed, got.realspeed), (3, speed::REAL_SPEEDS[3]));
    f.credentials
        .call(&speed::set::Request::new(0))
        .await
        .unwrap();
    let got = f
        .credentials
        .call(&speed::get::Request::new())
        .await
        .unwrap();
    assert_eq!((got.speed, got.realspeed), (0, 80));
    let error = f
        .credentials
        .call(&speed::set::Request::new(5))
        .await
        .unwrap_err();
    assert_eq!(
        error.errcode(),
        Some(ErrCode::MassSpeedOutOfRange),
        "{error}"
    );
}
