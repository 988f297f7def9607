//! OAuth on behalf of an authorizer: the component exchanges and refreshes the user's web
//! token with its component access token instead of the account's AppSecret. The authorize
//! URL is the account's, with `&component_appid=` added.
//!
//! See [WeChat Docs/代公众号发起网页授权](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/Before_Develop/official_account_website_authorization.html).

pub mod access_token;
pub mod refresh_token;
