//! Publishing: submit a draft, follow the job, read, page and delete the publication.

use std::time::Duration;

use serde_json::{Value, json};
use wxgate_api::endpoint::draft::{self, count};
use wxgate_api::endpoint::freepublish::get::PublishStatus;
use wxgate_api::endpoint::freepublish::{batchget, delete, get, getarticle, submit};
use wxgate_api::{Client, ErrCode, ErrorKind, RetryPolicy};

use crate::common::{APP_ID, Env, eventually, memory_store, unique};
use crate::draft::{article, cover};
use crate::media::token;

#[tokio::test]
async fn submit_then_status_then_article_then_delete() {
    let env = Env::start().await;
    let client = env.client();
    let token = token(&env).await;
    let credentials = env.credentials(memory_store(), &unique("publish"));
    let cover = cover(&credentials).await;
    let first = article("第一篇", &cover).author("小编");
    let draft = credentials
        .call(&draft::add::Request::new(first.clone()).article(article("第二篇", &cover)))
        .await
        .unwrap();

    let job = client
        .call(&submit::Request::new(draft.media_id.clone()))
        .access_token(&token)
        .await
        .unwrap();
    assert!(!job.publish_id.is_empty());
    assert_eq!(
        credentials
            .call(&count::Request::new())
            .await
            .unwrap()
            .total_count,
        0,
        "the draft left the draft box"
    );

    let status = credentials
        .call(&get::Request::new(job.publish_id.clone()))
        .await
        .unwrap();
    assert_eq!(status.publish_id, job.publish_id);
    assert_eq!(status.publish_status, PublishStatus::Success);
    let article_id = status.article_id.clone().expect("an article_id on success");
    let detail = status.article_detail.expect("article urls");
    assert_eq!(detail.count, 2);
    assert_eq!(detail.item[0].idx, 1);
    let page = env
        .http
        .get(&detail.item[0].article_url)
        .send()
        .await
        .unwrap();
    assert_eq!(page.text().await.unwrap(), first.content);

    let published = credentials
        .call(&getarticle::Request::new(article_id.clone()))
        .await
        .unwrap();
    assert_eq!(published.news_item.len(), 2);
    assert_eq!(published.news_item[0].article, first);
    assert!(!published.news_item[0].is_deleted);

    let list = client
        .call(&batchget::Request::new(0, 20))
        .access_token(&token)
        .await
        .unwrap();
    assert_eq!(list.total_count, 1);
    assert_eq!(list.item[0].article_id, article_id);
    assert_eq!(list.item[0].content.news_item[1].article.title, "第二篇");

    // The push reached the delivery log (the test app's callback URL answers nothing).
    eventually("a PUBLISHJOBFINISH delivery", || async {
        deliveries(&env)
            .await
            .iter()
            .any(|d| d["action"] == "PUBLISHJOBFINISH")
    })
    .await;

    // Delete the first article, then all: the job's status follows.
    credentials
        .call(&delete::Request::article(article_id.clone(), 1))
        .await
        .unwrap();
    let published = credentials
        .call(&getarticle::Request::new(article_id.clone()))
        .await
        .unwrap();
    assert!(published.news_item[0].is_deleted);
    assert!(!published.news_item[1].is_deleted);
    let status = credentials
        .call(&get::Request::new(job.publish_id.clone()))
        .await
        .unwrap();
    assert_eq!(status.article_detail.expect("detail").count, 1);
    let gone = env
        .http
        .get(&detail.item[0].article_url)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404, "a deleted article's page is gone");
    credentials
        .call(&delete::Request::all(article_id.clone()))
        .await
        .unwrap();
    let status = credentials
        .call(&get::Request::new(job.publish_id))
        .await
        .unwrap();
    assert_eq!(status.publish_status, PublishStatus::Deleted);
    assert_eq!(
        credentials
            .call(&batchget::Request::new(0, 20))
            .await
            .unwrap()
            .total_count,
        0
    );
}

#[tokio::test]
async fn publishing_errors_are_typed() {
    let env = Env::start().await;
    let credentials = env.credentials(memory_store(), &unique("publish"));
    let unknown_draft = credentials
        .call(&submit::Request::new("no-such-draft"))
        .await
        .unwrap_err();
    assert_eq!(unknown_draft.errcode(), Some(ErrCode::InvalidMediaId));
    assert!(
        !unknown_draft.may_have_been_sent(),
        "WeChat said no: nothing was published"
    );
    let unknown_job = credentials.call(&get::Request::new("1")).await.unwrap_err();
    assert_eq!(unknown_job.errcode(), Some(ErrCode::InvalidArticleId));
    let unknown_article = credentials
        .call(&getarticle::Request::new("nope"))
        .await
        .unwrap_err();
    assert_eq!(unknown_article.errcode(), Some(ErrCode::InvalidArticleId));
    let unknown_delete = credentials
        .call(&delete::Request::all("nope"))
        .await
        .unwrap_err();
    assert_eq!(unknown_delete.errcode(), Some(ErrCode::InvalidArticleId));
    let page = credentials
        .call(&batchget::Request::new(0, 21))
        .await
        .unwrap_err();
    assert_eq!(page.errcode(), Some(ErrCode::ArgumentInvalid));

    let cover = cover(&credentials).await;
    let draft = credentials
        .call(&draft::add::Request::new(article("一篇", &cover)))
        .await
        .unwrap();
    let job = credentials
        .call(&submit::Request::new(draft.media_id))
        .await
        .unwrap();
    let status = credentials
        .call(&get::Request::new(job.publish_id))
        .await
        .unwrap();
    let article_id = status.article_id.expect("article_id");
    let out_of_range = credentials
        .call(&delete::Request::article(article_id, 2))
        .await
        .unwrap_err();
    assert_eq!(out_of_range.errcode(), Some(ErrCode::ArgumentInvalid));
}

#[tokio::test]
async fn a_submit_is_never_repeated_and_says_it_may_have_been_published() {
    let env = Env::start().await;
    let token = token(&env).await;
    let credentials = env.credentials(memory_store(), &unique("publish"));
    let cover = cover(&credentials).await;
    let draft = credentials
        .call(&draft::add::Request::new(article("一篇", &cover)))
        .await
        .unwrap();

    env.fault(json!({"path": "cgi-bin/freepublish/submit", "errcode": -1, "times": 1}))
        .await;
    let error = credentials
        .call(&submit::Request::new(draft.media_id.clone()))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::SystemError));
    assert!(error.may_have_been_sent(), "{error}");
    assert!(error.to_string().contains("may have been sent"), "{error}");
    assert_eq!(
        env.calls("cgi-bin/freepublish/submit").await,
        1,
        "not retried"
    );

    // A timeout after the request left: not sent again either.
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
    env.fault(json!({"path": "cgi-bin/freepublish/submit", "delay_ms": 1_000, "times": 1}))
        .await;
    let error = impatient
        .call(&submit::Request::new(draft.media_id.clone()))
        .access_token(&token)
        .await
        .unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::Timeout { .. }), "{error}");
    assert!(error.may_have_been_sent(), "{error}");
    assert_eq!(
        env.calls("cgi-bin/freepublish/submit").await,
        2,
        "not retried"
    );

    // Submitting by hand once the operator checked: it is published.
    credentials
        .call(&submit::Request::new(draft.media_id))
        .await
        .unwrap();
    assert_eq!(
        credentials
            .call(&batchget::Request::new(0, 20))
            .await
            .unwrap()
            .total_count,
        1
    );
}

async fn deliveries(env: &Env) -> Vec<Value> {
    env.http
        .get(format!(
            "{}/sandbox/apps/{APP_ID}/deliveries",
            env.base_url()
        ))
        .send()
        .await
        .expect("deliveries")
        .json()
        .await
        .expect("deliveries json")
}
