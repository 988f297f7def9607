//! Menus, conditional menus and trymatch.

use serde_json::{Value, json};

use crate::common::{APP, Env, errcode, start};

async fn call(env: &Env, token: &str, path: &str, body: Value) -> Value {
    env.post(&format!("/cgi-bin/menu/{path}?access_token={token}"), body)
        .await
}

fn default_menu() -> Value {
    json!({"button": [
        {"type": "click", "name": "今日歌曲", "key": "V1001_TODAY_MUSIC"},
        {"name": "菜单", "sub_button": [{"type": "view", "name": "搜索", "url": "http://www.soso.com/"}]}
    ]})
}

#[tokio::test]
async fn create_get_delete() {
    let env = start().await;
    let token = env.token().await;
    assert_eq!(
        errcode(
            &env.get(&format!("/cgi-bin/menu/get?access_token={token}"))
                .await
        ),
        46003
    );
    assert_eq!(
        errcode(&call(&env, &token, "create", default_menu()).await),
        0
    );
    let got = env
        .get(&format!("/cgi-bin/menu/get?access_token={token}"))
        .await;
    assert_eq!(got["menu"]["button"][0]["key"], "V1001_TODAY_MUSIC");
    assert_eq!(got["menu"]["button"][0]["sub_button"], json!([]));
    assert_eq!(
        got["menu"]["button"][1]["sub_button"][0]["url"],
        "http://www.soso.com/"
    );
    assert!(got["menu"]["menuid"].is_u64());
    assert_eq!(
        errcode(
            &env.get(&format!("/cgi-bin/menu/delete?access_token={token}"))
                .await
        ),
        0
    );
    assert_eq!(
        errcode(
            &env.get(&format!("/cgi-bin/menu/get?access_token={token}"))
                .await
        ),
        46003
    );
}

#[tokio::test]
async fn validation_errors_over_http() {
    let env = start().await;
    let token = env.token().await;
    let cases = [
        (json!({"button": []}), 40016),
        (json!({"button": [{"type": "nope", "name": "a"}]}), 40017),
        (
            json!({"button": [{"type": "click", "name": "这是一个很长的名字", "key": "k"}]}),
            40018,
        ),
        (
            json!({"button": [{"type": "click", "name": "a", "key": ""}]}),
            40019,
        ),
        (json!({"button": [{"type": "view", "name": "a"}]}), 40020),
        (json!({"button": [{"name": "a", "sub_button": []}]}), 40023),
        (
            json!({"button": [{"name": "a", "sub_button": [{"type": "nope", "name": "b"}]}]}),
            40024,
        ),
        (
            json!({"button": [{"name": "a", "sub_button": [{"type": "click", "name": "", "key": "k"}]}]}),
            40025,
        ),
        (
            json!({"button": [{"name": "a", "sub_button": [{"type": "click", "name": "b"}]}]}),
            40026,
        ),
        (
            json!({"button": [{"name": "a", "sub_button": [{"type": "view", "name": "b", "url": "u".repeat(1025)}]}]}),
            40027,
        ),
        (
            json!({"button": [{"type": "miniprogram", "name": "a", "url": "http://x"}]}),
            47003,
        ),
    ];
    for (body, code) in cases {
        assert_eq!(
            errcode(&call(&env, &token, "create", body.clone()).await),
            code,
            "{body}"
        );
    }
    let raw = env
        .http
        .post(env.url(&format!("/cgi-bin/menu/create?access_token={token}")))
        .body("not json")
        .send()
        .await
        .expect("send");
    assert_eq!(errcode(&raw.json().await.expect("json")), 47001);
    let empty = env
        .http
        .post(env.url(&format!("/cgi-bin/menu/create?access_token={token}")))
        .send()
        .await
        .expect("send");
    assert_eq!(errcode(&empty.json().await.expect("json")), 44002);
}

#[tokio::test]
async fn conditional_menus_and_trymatch() {
    let env = start().await;
    let token = env.token().await;
    let vip_menu = json!({"button": [{"type": "click", "name": "VIP", "key": "VIP"}], "matchrule": {"tag_id": "2"}});
    assert_eq!(
        errcode(&call(&env, &token, "addconditional", vip_menu.clone()).await),
        65303
    );
    call(&env, &token, "create", default_menu()).await;
    let empty_rule =
        json!({"button": [{"type": "click", "name": "x", "key": "x"}], "matchrule": {}});
    assert_eq!(
        errcode(&call(&env, &token, "addconditional", empty_rule).await),
        65304
    );
    let privacy =
        json!({"button": [{"type": "click", "name": "x", "key": "x"}], "matchrule": {"sex": "1"}});
    assert_eq!(
        errcode(&call(&env, &token, "addconditional", privacy).await),
        65320
    );
    let added = call(&env, &token, "addconditional", vip_menu).await;
    let menuid = added["menuid"].as_str().expect("menuid string").to_owned();
    let ios = json!({"button": [{"type": "click", "name": "iOS", "key": "IOS"}], "matchrule": {"client_platform_type": "1"}});
    call(&env, &token, "addconditional", ios).await;

    let user = env.new_user(APP).await;
    assert_eq!(
        call(&env, &token, "trymatch", json!({"user_id": user})).await["button"][0]["key"],
        "V1001_TODAY_MUSIC"
    );
    env.post(
        &format!("/cgi-bin/tags/members/batchtagging?access_token={token}"),
        json!({"openid_list": [user], "tagid": 2}),
    )
    .await;
    assert_eq!(
        call(&env, &token, "trymatch", json!({"user_id": user})).await["button"][0]["key"],
        "VIP"
    );
    let ios_user = env
        .post(
            &format!("/sandbox/apps/{APP}/users"),
            json!({"client_platform_type": 1}),
        )
        .await["openid"]
        .clone();
    assert_eq!(
        call(&env, &token, "trymatch", json!({"user_id": ios_user})).await["button"][0]["key"],
        "IOS"
    );
    assert_eq!(
        errcode(&call(&env, &token, "trymatch", json!({"user_id": "nobody"})).await),
        65302
    );

    let got = env
        .get(&format!("/cgi-bin/menu/get?access_token={token}"))
        .await;
    assert_eq!(
        got["conditionalmenu"]
            .as_array()
            .expect("conditional")
            .len(),
        2
    );
    assert_eq!(
        got["conditionalmenu"][0]["matchrule"],
        json!({"tag_id": "2"})
    );
    assert_eq!(
        errcode(&call(&env, &token, "delconditional", json!({"menuid": menuid})).await),
        0
    );
    assert_eq!(
        errcode(&call(&env, &token, "delconditional", json!({"menuid": menuid})).await),
        65301
    );
    assert_eq!(
        call(&env, &token, "trymatch", json!({"user_id": user})).await["button"][0]["key"],
        "V1001_TODAY_MUSIC"
    );
    env.get(&format!("/cgi-bin/menu/delete?access_token={token}"))
        .await;
    assert!(
        env.get(&format!("/cgi-bin/menu/get?access_token={token}"))
            .await
            .get("conditionalmenu")
            .is_none()
    );
}

#[tokio::test]
async fn current_selfmenu_info_shape() {
    let env = start().await;
    let token = env.token().await;
    let path = format!("/cgi-bin/get_current_selfmenu_info?access_token={token}");
    assert_eq!(env.get(&path).await["is_menu_open"], 0);
    call(&env, &token, "create", default_menu()).await;
    let info = env.get(&path).await;
    assert_eq!(info["is_menu_open"], 1);
    assert_eq!(
        info["selfmenu_info"]["button"][0]["key"],
        "V1001_TODAY_MUSIC"
    );
    assert_eq!(
        info["selfmenu_info"]["button"][1]["sub_button"]["list"][0]["url"],
        "http://www.soso.com/"
    );
}
