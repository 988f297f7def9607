//! Template management against the sandbox: industries, adding, listing, deleting, and
//! sending with an added template.

use serde_json::json;
use wxgate_api::ErrCode;
use wxgate_api::endpoint::message::template::send;
use wxgate_api::endpoint::template::{
    api_add_template, api_set_industry, del_private_template, get_all_private_template,
    get_industry,
};

use crate::message::{Fixture, assert_quota_error};

#[tokio::test]
async fn industry_round_trips() {
    let f = Fixture::start().await;
    let unset = f
        .credentials
        .call(&get_industry::Request::new())
        .await
        .unwrap();
    assert_eq!(unset.primary_industry.first_class, "");
    f.client
        .call(&api_set_industry::Request::new(1, 13))
        .access_token(&f.token)
        .await
        .unwrap();
    let industry = f
        .client
        .call(&get_industry::Request::new())
        .access_token(&f.token)
        .await
        .unwrap();
    assert_eq!(industry.primary_industry.first_class, "IT科技");
    assert_eq!(industry.primary_industry.second_class, "互联网|电子商务");
    assert_eq!(industry.secondary_industry.first_class, "运输与仓储");
    assert_eq!(industry.secondary_industry.second_class, "快递");

    let error = f
        .credentials
        .call(&api_set_industry::Request::new(0, 99))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::ArgumentInvalid), "{error}");
}

#[tokio::test]
async fn templates_are_added_listed_used_and_deleted() {
    let f = Fixture::start().await;
    f.credentials
        .call(&api_set_industry::Request::new(2, 4))
        .await
        .unwrap();
    let added = f
        .credentials
        .call(&api_add_template::Request::new("47123").keywords(["时间", "地点", "金额"]))
        .await
        .unwrap();
    let list = f
        .client
        .call(&get_all_private_template::Request::new())
        .access_token(&f.token)
        .await
        .unwrap();
    let template = list
        .template_list
        .iter()
        .find(|t| t.template_id == added.template_id)
        .expect("the added template is listed");
    assert!(
        template.content.contains("地点：{{keyword2.DATA}}"),
        "{template:?}"
    );
    assert_eq!(template.primary_industry, "IT科技 - IT软件与服务");

    let openid = f.env.follower().await;
    let sent = f
        .credentials
        .call(
            &send::Request::new(openid.as_str(), added.template_id.as_str())
                .value("keyword1", "10:00"),
        )
        .await
        .unwrap();
    assert!(sent.msg_id > 0);

    f.credentials
        .call(&del_private_template::Request::new(
            added.template_id.as_str(),
        ))
        .await
        .unwrap();
    let list = f
        .credentials
        .call(&get_all_private_template::Request::new())
        .await
        .unwrap();
    assert!(
        list.template_list
            .iter()
            .all(|t| t.template_id != added.template_id)
    );
    let error = f
        .credentials
        .call(
            &send::Request::new(openid.as_str(), added.template_id.as_str()).value("keyword1", "x"),
        )
        .await
        .unwrap_err();
    assert_eq!(
        error.errcode(),
        Some(ErrCode::InvalidTemplateId),
        "a deleted template: {error}"
    );
    let error = f
        .credentials
        .call(&del_private_template::Request::new(
            added.template_id.as_str(),
        ))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::InvalidTemplateId), "{error}");
}

#[tokio::test]
async fn adding_templates_fails_typed() {
    let f = Fixture::start().await;
    let error = f
        .credentials
        .call(&api_add_template::Request::new("no such template"))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::InvalidTemplateId), "{error}");
    let error = f
        .credentials
        .call(&api_add_template::Request::new("47123"))
        .await
        .unwrap_err();
    assert_eq!(
        error.errcode(),
        Some(ErrCode::InvalidKeywordName),
        "{error}"
    );

    // Two presets, 23 more reach the limit of 25.
    for _ in 0..23 {
        f.credentials
            .call(&api_add_template::Request::new("TM00015"))
            .await
            .unwrap();
    }
    let error = f
        .credentials
        .call(&api_add_template::Request::new("TM00015"))
        .await
        .unwrap_err();
    assert_eq!(
        error.errcode(),
        Some(ErrCode::TemplateNumExceedsLimit),
        "{error}"
    );
    assert!(!error.may_have_been_sent(), "WeChat refused it: {error}");

    f.env
        .fault(json!({"path": "cgi-bin/template/api_add_template", "errcode": 45009, "times": 1}))
        .await;
    let error = f
        .credentials
        .call(&api_add_template::Request::new("TM00015"))
        .await
        .unwrap_err();
    assert_quota_error(&error, "/cgi-bin/template/api_add_template");
}
