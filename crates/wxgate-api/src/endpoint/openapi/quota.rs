//! `cgi-bin/openapi/quota/*`: one API's quota.

pub mod clear;
pub mod get;

/// The APIs with a daily limit in WeChat's table of default limits for formal accounts (what
/// `wxgate quota get` reports by default). Quotas grow with the follower count; `get` tells an
/// account's own. See
/// [WeChat Docs/接口调用频次限制说明](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/API_Call_Limits.html).
pub const DAILY_LIMITED_PATHS: &[&str] = &[
    "/cgi-bin/token",
    "/cgi-bin/stable_token",
    "/cgi-bin/menu/create",
    "/cgi-bin/menu/get",
    "/cgi-bin/menu/delete",
    "/cgi-bin/menu/addconditional",
    "/cgi-bin/menu/delconditional",
    "/cgi-bin/menu/trymatch",
    "/cgi-bin/tags/create",
    "/cgi-bin/tags/get",
    "/cgi-bin/tags/update",
    "/cgi-bin/tags/members/batchtagging",
    "/cgi-bin/tags/members/batchuntagging",
    "/cgi-bin/user/get",
    "/cgi-bin/user/info",
    "/cgi-bin/user/info/batchget",
    "/cgi-bin/user/info/updateremark",
    "/cgi-bin/qrcode/create",
    "/cgi-bin/media/upload",
    "/cgi-bin/media/get",
    "/cgi-bin/message/custom/send",
    "/cgi-bin/message/template/send",
    "/cgi-bin/message/mass/sendall",
    "/cgi-bin/message/mass/send",
    "/cgi-bin/callback/check",
];
