//! Custom menus against the sandbox: every menu endpoint, WeChat's errors typed, local checks.

use std::time::Duration;

use serde_json::{Value, json};
use wxgate_api::endpoint::get_current_selfmenu_info;
use wxgate_api::endpoint::menu::{
    Button, ButtonKind, ConditionalMenu, MatchRule, Menu, MenuSet, Platform, PushError,
    addconditional, create, delconditional, delete, get, trymatch,
};
use wxgate_api::endpoint::token;
use wxgate_api::{AppSecret, Client, ErrCode, RetryPolicy};

use crate::common::{APP_ID, APP_SECRET, Env, memory_store};

fn default_menu() -> Menu {
    Menu::new(vec![
        Button::click("今日歌曲", "V1001_TODAY_MUSIC"),
        Button::sub_menu(
            "菜单",
            vec![
                Button::view("搜索", "http://www.soso.com/"),
                Button::mini_program(
                    "wxa",
                    "http://mp.weixin.qq.com",
                    "wx286b93c14bbf93aa",
                    "pages/lunar/index",
                ),
                Button::new(
                    "扫码",
                    ButtonKind::ScancodeWaitmsg {
                        key: "SCAN".to_owned(),
                    },
                ),
                Button::new(
                    "文章",
                    ButtonKind::ArticleViewLimited {
                        article_id: "ARTICLE_1".to_owned(),
                    },
                ),
            ],
        ),
    ])
}

async fn access_token(client: &Client) -> String {
    client
        .call(&token::Request::new(
            wxgate_api::AppId::new(APP_ID),
            AppSecret::new(APP_SECRET),
        ))
        .await
        .expect("token")
        .access_token
        .as_str()
        .to_owned()
}

/// A raw POST to the sandbox (bodies the typed client refuses to build).
async fn raw_post(env: &Env, path: &str, token: &str, body: Value) -> Value {
    env.http
        .post(format!("{}{path}?access_token={token}", env.base_url()))
        .json(&body)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn create_get_delete_round_trip() {
    let env = Env::start().await;
    let client = env.client();
    let token = access_token(&client).await;

    let error = client
        .call(&get::Request::new())
        .access_token(&token)
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::MenuNotExist), "{error}");

    client
        .call(&create::Request::new(default_menu()).unwrap())
        .access_token(&token)
        .await
        .unwrap();
    let got = client
        .call(&get::Request::new())
        .access_token(&token)
        .await
        .unwrap();
    assert_eq!(got.menu.button, default_menu().button);
    assert!(got.conditionalmenu.is_empty());

    // Replacing is harmless to repeat.
    let smaller = Menu::new(vec![Button::click("只有一个", "ONE")]);
    client
        .call(&create::Request::new(smaller.clone()).unwrap())
        .access_token(&token)
        .await
        .unwrap();
    let got = client
        .call(&get::Request::new())
        .access_token(&token)
        .await
        .unwrap();
    assert_eq!(got.menu.button, smaller.button);

    client
        .call(&delete::Request::new())
        .access_token(&token)
        .await
        .unwrap();
    let error = client
        .call(&get::Request::new())
        .access_token(&token)
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::MenuNotExist), "{error}");
}

#[tokio::test]
async fn current_selfmenu_info_through_credentials() {
    let env = Env::start().await;
    let credentials = env.credentials(memory_store(), "main");
    let closed = credentials
        .call(&get_current_selfmenu_info::Request::new())
        .await
        .unwrap();
    assert!(!closed.is_open());
    credentials
        .call(&create::Request::new(default_menu()).unwrap())
        .await
        .unwrap();
    let info = credentials
        .call(&get_current_selfmenu_info::Request::new())
        .await
        .unwrap();
    assert!(info.is_open());
    let buttons = &info.selfmenu_info.button;
    assert_eq!(buttons[0].kind, "click");
    assert_eq!(buttons[0].key.as_deref(), Some("V1001_TODAY_MUSIC"));
    assert_eq!(buttons[1].name, "菜单");
    let subs = buttons[1].sub_buttons();
    assert_eq!(subs.len(), 4);
    assert_eq!(subs[0].url.as_deref(), Some("http://www.soso.com/"));
    assert_eq!(subs[1].pagepath.as_deref(), Some("pages/lunar/index"));
    assert_eq!(subs[3].article_id.as_deref(), Some("ARTICLE_1"));
}

#[tokio::test]
async fn conditional_menus_and_trymatch_with_a_tag() {
    let env = Env::start().await;
    let client = env.client();
    let token = access_token(&client).await;
    let credentials = env.credentials(memory_store(), "main");

    let vip = ConditionalMenu::new(MatchRule::tag(100), vec![Button::click("VIP", "VIP")]);
    let error = credentials
        .call(&addconditional::Request::new(vip.clone()).unwrap())
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::NoDefaultMenu), "{error}");
    assert!(!error.may_have_been_sent(), "a WeChat answer is definite");

    credentials
        .call(&create::Request::new(default_menu()).unwrap())
        .await
        .unwrap();
    // A real tag, and a user carrying it.
    let tag = raw_post(
        &env,
        "/cgi-bin/tags/create",
        &token,
        json!({"tag": {"name": "VIP"}}),
    )
    .await;
    let tag_id = tag["tag"]["id"].as_u64().expect("tag id");
    let vip = ConditionalMenu::new(MatchRule::tag(tag_id), vec![Button::click("VIP", "VIP")]);
    let added = credentials
        .call(&addconditional::Request::new(vip.clone()).unwrap())
        .await
        .unwrap();
    // Sandbox users are on Android unless created otherwise: "others" matches nobody here.
    let android = ConditionalMenu::new(
        MatchRule::platform(Platform::Other),
        vec![Button::view("其他", "https://example.com/other")],
    );
    let added_android = client
        .call(&addconditional::Request::new(android.clone()).unwrap())
        .access_token(&token)
        .await
        .unwrap();
    assert_ne!(added.menuid, added_android.menuid);

    let got = credentials.call(&get::Request::new()).await.unwrap();
    assert_eq!(got.conditionalmenu.len(), 2);
    assert_eq!(got.conditionalmenu[0].menuid, added.menuid);
    assert_eq!(got.conditionalmenu[0].matchrule, vip.matchrule);
    assert_eq!(got.conditionalmenu[0].button, vip.button);
    assert_eq!(got.conditionalmenu[1].matchrule, android.matchrule);

    let user = env.follower().await;
    let seen = credentials
        .call(&trymatch::Request::new(user.as_str()))
        .await
        .unwrap();
    assert_eq!(seen.button, default_menu().button, "untagged Android user");
    raw_post(
        &env,
        "/cgi-bin/tags/members/batchtagging",
        &token,
        json!({"openid_list": [user], "tagid": tag_id}),
    )
    .await;
    let seen = credentials
        .call(&trymatch::Request::new(user.as_str()))
        .await
        .unwrap();
    assert_eq!(seen.button, vip.button);
    let error = credentials
        .call(&trymatch::Request::new("nobody"))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::MenuUserNotExist), "{error}");

    credentials
        .call(&delconditional::Request::new(added.menuid))
        .await
        .unwrap();
    let error = credentials
        .call(&delconditional::Request::new(added.menuid))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::MenuIdNotExist), "{error}");
    let seen = credentials
        .call(&trymatch::Request::new(user.as_str()))
        .await
        .unwrap();
    assert_eq!(seen.button, default_menu().button);

    // Deleting the default menu takes the conditional ones with it.
    credentials.call(&delete::Request::new()).await.unwrap();
    let error = credentials
        .call(&trymatch::Request::new(user.as_str()))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::MenuNotExist), "{error}");
}

#[tokio::test]
async fn local_checks_refuse_before_sending() {
    let env = Env::start().await;
    let cases = [
        (Menu::new(vec![]), ErrCode::InvalidButtonSize),
        (
            Menu::new(vec![Button::click("这是一个很长的名字", "k")]),
            ErrCode::InvalidButtonNameSize,
        ),
        (
            Menu::new(vec![Button::click("a", "k".repeat(129))]),
            ErrCode::InvalidButtonKeySize,
        ),
        (
            Menu::new(vec![Button::sub_menu(
                "a",
                vec![Button::view("b", "u".repeat(1025))],
            )]),
            ErrCode::InvalidSubButtonUrlSize,
        ),
    ];
    for (menu, code) in cases {
        let error = create::Request::new(menu.clone()).unwrap_err();
        assert_eq!(error.errcode(), code, "{menu:?}");
        assert!(error.to_string().contains(error.path()), "{error}");
    }
    let empty_rule = ConditionalMenu::new(MatchRule::default(), vec![Button::click("a", "k")]);
    assert_eq!(
        addconditional::Request::new(empty_rule)
            .unwrap_err()
            .errcode(),
        ErrCode::MatchRuleEmpty
    );
    // A set whose checks fail sends nothing.
    let credentials = env.credentials(memory_store(), "main");
    let invalid = MenuSet::new(vec![Button::click("a", "")], vec![]);
    match invalid.push(&credentials).await {
        Err(PushError::Invalid(problem)) => assert_eq!(problem.path(), "button[0].key"),
        other => panic!("expected a local error, got {other:?}"),
    }
    assert_eq!(env.calls("cgi-bin/menu/create").await, 0);
    assert_eq!(env.calls("cgi-bin/menu/get").await, 0);
}

#[tokio::test]
async fn sandbox_answers_wechat_codes_for_what_the_client_would_refuse() {
    let env = Env::start().await;
    let client = env.client();
    let token = access_token(&client).await;
    let cases = [
        (json!({"button": []}), 40016),
        (json!({"button": [{"type": "nope", "name": "a"}]}), 40017),
        (
            json!({"button": [{"type": "click", "name": "这是一个很长的名字", "key": "k"}]}),
            40018,
        ),
        (json!({"button": [{"type": "click", "name": "a"}]}), 40019),
        (json!({"button": [{"type": "view", "name": "a"}]}), 40020),
        (json!({"button": [{"name": "a", "sub_button": []}]}), 40023),
        (json!({"button": "x"}), 47001),
    ];
    for (body, code) in cases {
        let answer = raw_post(&env, "/cgi-bin/menu/create", &token, body.clone()).await;
        assert_eq!(answer["errcode"], code, "{body}: {answer}");
    }
    let answer = raw_post(
        &env,
        "/cgi-bin/menu/create",
        &token,
        json!({"button": [{"type": "click", "name": "a", "key": "k"}]}),
    )
    .await;
    assert_eq!(answer["errcode"], 0);
    let privacy = raw_post(
        &env,
        "/cgi-bin/menu/addconditional",
        &token,
        json!({"button": [{"type": "click", "name": "a", "key": "k"}], "matchrule": {"sex": "1"}}),
    )
    .await;
    assert_eq!(privacy["errcode"], 65320);
    let empty = raw_post(
        &env,
        "/cgi-bin/menu/addconditional",
        &token,
        json!({"button": [{"type": "click", "name": "a", "key": "k"}], "matchrule": {}}),
    )
    .await;
    assert_eq!(empty["errcode"], 65304);
}

#[tokio::test]
async fn addconditional_is_never_repeated_once_it_may_have_been_sent() {
    let env = Env::start().await;
    let credentials = env.credentials(memory_store(), "main");
    credentials
        .call(&create::Request::new(default_menu()).unwrap())
        .await
        .unwrap();
    env.fault(json!({"path": "cgi-bin/menu/addconditional", "errcode": -1, "times": 1}))
        .await;
    let menu = ConditionalMenu::new(
        MatchRule::platform(Platform::Ios),
        vec![Button::click("iOS", "IOS")],
    );
    let error = credentials
        .call(&addconditional::Request::new(menu).unwrap())
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::SystemError), "{error}");
    assert!(error.may_have_been_sent(), "{error}");
    assert_eq!(env.calls("cgi-bin/menu/addconditional").await, 1);

    // menu/create replaces, so a -1 is retried.
    env.fault(json!({"path": "cgi-bin/menu/create", "errcode": -1, "times": 1}))
        .await;
    credentials
        .call(&create::Request::new(default_menu()).unwrap())
        .await
        .unwrap();
    assert_eq!(env.calls("cgi-bin/menu/create").await, 3);
}

#[tokio::test]
async fn menu_sets_push_and_fetch() {
    let env = Env::start().await;
    let credentials = env.credentials(memory_store(), "main");
    assert_eq!(
        MenuSet::fetch(&credentials).await.unwrap(),
        MenuSet::default()
    );
    let set = MenuSet::new(
        default_menu().button,
        vec![
            ConditionalMenu::new(MatchRule::tag(2), vec![Button::click("VIP", "VIP")]),
            ConditionalMenu::new(
                MatchRule::platform(Platform::Ios).and_platform(Platform::Other),
                vec![Button::click("其他", "OTHER")],
            ),
        ],
    );
    let ids = set.push(&credentials).await.unwrap();
    assert_eq!(ids.len(), 2);
    assert_eq!(MenuSet::fetch(&credentials).await.unwrap(), set);
    // Pushing again replaces: still two conditional menus, with new ids.
    let again = set.push(&credentials).await.unwrap();
    assert!(
        again.iter().all(|id| !ids.contains(id)),
        "{ids:?} {again:?}"
    );
    assert_eq!(MenuSet::fetch(&credentials).await.unwrap(), set);
    // A smaller set drops what it no longer has.
    let only_default = MenuSet::new(vec![Button::click("一", "ONE")], vec![]);
    only_default.push(&credentials).await.unwrap();
    assert_eq!(MenuSet::fetch(&credentials).await.unwrap(), only_default);
    MenuSet::default().push(&credentials).await.unwrap();
    assert_eq!(
        MenuSet::fetch(&credentials).await.unwrap(),
        MenuSet::default()
    );
}

#[tokio::test]
async fn create_timeout_is_retried_but_addconditional_is_not() {
    let env = Env::start().await;
    let client = Client::builder()
        .base_url(env.base_url())
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::new(
            3,
            Duration::from_millis(10),
            Duration::from_millis(20),
        ))
        .build()
        .unwrap();
    let token = access_token(&env.client()).await;
    client
        .call(&create::Request::new(default_menu()).unwrap())
        .access_token(&token)
        .await
        .unwrap();
    env.fault(json!({"path": "cgi-bin/menu/addconditional", "delay_ms": 1000, "times": 1}))
        .await;
    let menu = ConditionalMenu::new(MatchRule::tag(5), vec![Button::click("x", "x")]);
    let error = client
        .call(&addconditional::Request::new(menu).unwrap())
        .access_token(&token)
        .await
        .unwrap_err();
    assert!(error.may_have_been_sent(), "{error}");
    assert_eq!(env.calls("cgi-bin/menu/addconditional").await, 1);
}
