//! `cgi-bin/material/*`: permanent material (永久素材).
//!
//! Images (≤ 100 000), voice, video and thumbs (≤ 1 000 each) with the size and format limits
//! of [`MediaType`](crate::endpoint::media::MediaType). News material was replaced by drafts
//! (`cgi-bin/draft/*`) and publishing (`cgi-bin/freepublish/*`); old news material can still be
//! read.
//!
//! See [WeChat Docs/新增永久素材](https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Adding_Permanent_Assets.html).

pub mod add_material;
pub mod batchget_material;
pub mod del_material;
pub mod get_material;
pub mod get_materialcount;
