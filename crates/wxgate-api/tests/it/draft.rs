//! Drafts: add, get, update, count, page and delete, and what WeChat refuses.

use wxgate_api::endpoint::draft::{Article, add, batchget, count, delete, get, update};
use wxgate_api::endpoint::material::add_material;
use wxgate_api::endpoint::media::{MediaType, upload};
use wxgate_api::{Credentials, ErrCode, MediaId};

use crate::common::{Env, memory_store, unique};
use crate::media::{jpeg, png, token};

/// A permanent image material, the cover every article needs.
pub(crate) async fn cover(credentials: &Credentials) -> MediaId {
    credentials
        .call(&add_material::Request::new(MediaType::Image, png()))
        .await
        .expect("cover")
        .media_id
}

pub(crate) fn article(title: &str, cover: &MediaId) -> Article {
    Article::new(title, format!("<p>{title} 的正文</p>"), cover.clone())
}

#[tokio::test]
async fn drafts_round_trip() {
    let env = Env::start().await;
    let client = env.client();
    let token = token(&env).await;
    let credentials = env.credentials(memory_store(), &unique("draft"));
    let cover = cover(&credentials).await;
    let main = Article::new("春季新品", "<p>详情见下文</p>", cover.clone())
        .author("小编")
        .digest("三款新品上市")
        .content_source_url("https://example.com/spring")
        .open_comment(true)
        .crops("0_0_1_0.5", "0_0_0.5_0.5");
    let draft = client
        .call(&add::Request::new(main.clone()).article(article("第二篇", &cover)))
        .access_token(&token)
        .await
        .unwrap();

    let got = credentials
        .call(&get::Request::new(draft.media_id.clone()))
        .await
        .unwrap();
    assert_eq!(got.news_item.len(), 2);
    assert_eq!(got.news_item[0].article, main, "every field round-trips");
    assert_eq!(got.news_item[1].article.title, "第二篇");
    assert!(!got.news_item[1].article.need_open_comment);
    let page = env.http.get(&got.news_item[0].url).send().await.unwrap();
    assert!(page.status().is_success());
    assert_eq!(page.text().await.unwrap(), "<p>详情见下文</p>");
    assert!(!got.news_item[0].thumb_url.is_empty());

    let replacement = article("改过的第二篇", &cover).author("主编");
    credentials
        .call(&update::Request::new(
            draft.media_id.clone(),
            1,
            replacement.clone(),
        ))
        .await
        .unwrap();
    let got = client
        .call(&get::Request::new(draft.media_id.clone()))
        .access_token(&token)
        .await
        .unwrap();
    assert_eq!(got.news_item[1].article, replacement);
    assert_eq!(got.news_item[0].article, main, "the other article is kept");

    assert_eq!(
        credentials
            .call(&count::Request::new())
            .await
            .unwrap()
            .total_count,
        1
    );
    env.advance(1).await;
    let newer = credentials
        .call(&add::Request::new(article("后来的", &cover)))
        .await
        .unwrap();
    assert_eq!(
        credentials
            .call(&count::Request::new())
            .await
            .unwrap()
            .total_count,
        2
    );

    let first = credentials
        .call(&batchget::Request::new(0, 1))
        .await
        .unwrap();
    assert_eq!((first.total_count, first.item_count), (2, 1));
    assert_eq!(first.item[0].media_id, newer.media_id, "most recent first");
    assert_eq!(
        first.item[0].content.news_item[0].article.content,
        "<p>后来的 的正文</p>"
    );
    let second = credentials
        .call(&batchget::Request::new(1, 1).no_content())
        .await
        .unwrap();
    assert_eq!(second.item[0].media_id, draft.media_id);
    assert_eq!(second.item[0].content.news_item[0].article.content, "");
    assert_eq!(
        second.item[0].content.news_item[0].article.title,
        "春季新品"
    );

    credentials
        .call(&delete::Request::new(draft.media_id.clone()))
        .await
        .unwrap();
    assert_eq!(
        credentials
            .call(&count::Request::new())
            .await
            .unwrap()
            .total_count,
        1
    );
    let gone = credentials
        .call(&get::Request::new(draft.media_id.clone()))
        .await
        .unwrap_err();
    assert_eq!(gone.errcode(), Some(ErrCode::InvalidMediaId));
    let again = credentials
        .call(&delete::Request::new(draft.media_id))
        .await
        .unwrap_err();
    assert_eq!(again.errcode(), Some(ErrCode::InvalidMediaId));
}

#[tokio::test]
async fn draft_errors_are_typed() {
    let env = Env::start().await;
    let credentials = env.credentials(memory_store(), &unique("draft"));
    let cover = cover(&credentials).await;
    let code = |request: add::Request| {
        let credentials = credentials.clone();
        async move { credentials.call(&request).await.unwrap_err().errcode() }
    };

    assert_eq!(
        code(add::Request::new(article(
            "T",
            &MediaId::new("no-such-material")
        )))
        .await,
        Some(ErrCode::InvalidMediaId)
    );
    // The cover must be permanent: a temporary image is not enough.
    let temporary = credentials
        .call(&upload::Request::new(MediaType::Image, png()))
        .await
        .unwrap();
    assert_eq!(
        code(add::Request::new(article("T", &temporary.media_id))).await,
        Some(ErrCode::InvalidMediaId)
    );
    assert_eq!(
        code(add::Request::new(article(&"长".repeat(33), &cover))).await,
        Some(ErrCode::TitleSizeOutOfLimit)
    );
    assert_eq!(
        code(add::Request::new(
            article("T", &cover).author("a".repeat(17))
        ))
        .await,
        Some(ErrCode::AuthorSizeOutOfLimit)
    );
    assert_eq!(
        code(add::Request::new(
            article("T", &cover).digest("d".repeat(129))
        ))
        .await,
        Some(ErrCode::DescriptionSizeOutOfLimit)
    );
    assert_eq!(
        code(add::Request::new(Article::new(
            "T",
            "x".repeat(20_001),
            cover.clone()
        )))
        .await,
        Some(ErrCode::ContentSizeOutOfLimit)
    );
    let mut nine = add::Request::new(article("1", &cover));
    for i in 2..=9 {
        nine = nine.article(article(&i.to_string(), &cover));
    }
    assert_eq!(code(nine).await, Some(ErrCode::ArticleSizeOutOfLimit));
    let mut empty = add::Request::new(article("T", &cover));
    empty.articles.clear();
    assert_eq!(code(empty).await, Some(ErrCode::EmptyNewsData));

    let draft = credentials
        .call(&add::Request::new(article("T", &cover)))
        .await
        .unwrap();
    let out_of_range = credentials
        .call(&update::Request::new(
            draft.media_id.clone(),
            1,
            article("U", &cover),
        ))
        .await
        .unwrap_err();
    assert_eq!(out_of_range.errcode(), Some(ErrCode::ArgumentInvalid));
    let unknown = credentials
        .call(&update::Request::new(
            "no-such-draft",
            0,
            article("U", &cover),
        ))
        .await
        .unwrap_err();
    assert_eq!(unknown.errcode(), Some(ErrCode::InvalidMediaId));
    let bad_cover = credentials
        .call(&update::Request::new(
            draft.media_id,
            0,
            article("U", &jpeg_temp(&credentials).await),
        ))
        .await
        .unwrap_err();
    assert_eq!(bad_cover.errcode(), Some(ErrCode::InvalidMediaId));
    let too_many = credentials
        .call(&batchget::Request::new(0, 0))
        .await
        .unwrap_err();
    assert_eq!(too_many.errcode(), Some(ErrCode::ArgumentInvalid));
}

/// A temporary thumb: a media id, but no permanent material.
async fn jpeg_temp(credentials: &Credentials) -> MediaId {
    credentials
        .call(&upload::Request::new(MediaType::Thumb, jpeg()))
        .await
        .unwrap()
        .media_id
}
