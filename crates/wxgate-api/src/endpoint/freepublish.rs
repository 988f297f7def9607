//! `cgi-bin/freepublish/*`: publishing (发布能力) drafts as articles.
//!
//! `submit` starts a publish job for a draft and answers its `publish_id`; the result comes by
//! polling `freepublish/get` or with the `PUBLISHJOBFINISH` event pushed to the callback URL
//! (parsed by [`wxgate_proto::event::PublishJobFinish`]). A successful job gives an
//! `article_id`, which `getarticle`, `delete` and `batchget` work with.
//!
//! See [WeChat Docs/发布能力](https://developers.weixin.qq.com/doc/offiaccount/Publish/Publish.html).

pub mod batchget;
pub mod delete;
pub mod get;
pub mod getarticle;
pub mod submit;
