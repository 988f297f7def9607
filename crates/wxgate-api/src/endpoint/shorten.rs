//! `cgi-bin/shorten/*`: short keys (短key托管) that stand for up to 4 KB of data, e.g. in a
//! QR code or a link.
//!
//! See [WeChat Docs/短key托管](https://developers.weixin.qq.com/doc/offiaccount/Account_Management/KEY_Shortener.html).

pub mod fetch;
pub mod r#gen;

/// The longest and the default lifetime of a short key: 30 days.
pub const MAX_EXPIRE_SECONDS: u32 = 2_592_000;
/// The most bytes of `long_data`.
pub const MAX_LONG_DATA: usize = 4096;
