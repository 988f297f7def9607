//! `cgi-bin/template/*`: the account's template-message templates (industry, adding from
//! WeChat's library, listing, deleting). Sending is
//! [`message::template::send`](crate::endpoint::message::template::send).
//!
//! See [WeChat Docs/模板消息](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html).

pub mod api_add_template;
pub mod api_set_industry;
pub mod del_private_template;
pub mod get_all_private_template;
pub mod get_industry;
