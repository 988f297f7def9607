//! Tags and their members.

use serde_json::{Value, json};

use crate::common::{APP, Env, errcode, start};

async fn call(env: &Env, token: &str, path: &str, body: Value) -> Value {
    env.post(&format!("/cgi-bin/{path}?access_token={token}"), body)
        .await
}

#[tokio::test]
async fn tag_lifecycle_and_errors() {
    let env = start().await;
    let token = env.token().await;
    let created = call(
        &env,
        &token,
        "tags/create",
        json!({"tag": {"name": "广东"}}),
    )
    .await;
    let id = created["tag"]["id"].as_u64().expect("id");
    assert_eq!(created["tag"]["name"], "广东");
    assert_eq!(
        errcode(
            &call(
                &env,
                &token,
                "tags/create",
                json!({"tag": {"name": "广东"}})
            )
            .await
        ),
        45157
    );
    assert_eq!(
        errcode(&call(&env, &token, "tags/create", json!({"tag": {"name": ""}})).await),
        45157
    );
    assert_eq!(
        errcode(
            &call(
                &env,
                &token,
                "tags/create",
                json!({"tag": {"name": "x".repeat(31)}})
            )
            .await
        ),
        45158
    );
    assert_eq!(
        errcode(
            &call(
                &env,
                &token,
                "tags/update",
                json!({"tag": {"id": 2, "name": "y"}})
            )
            .await
        ),
        45058
    );
    assert_eq!(
        errcode(&call(&env, &token, "tags/delete", json!({"tag": {"id": 1}})).await),
        45058
    );
    assert_eq!(
        errcode(
            &call(
                &env,
                &token,
                "tags/update",
                json!({"tag": {"id": 999, "name": "y"}})
            )
            .await
        ),
        45159
    );
    assert_eq!(
        errcode(
            &call(
                &env,
                &token,
                "tags/update",
                json!({"tag": {"id": id, "name": "广东人"}})
            )
            .await
        ),
        0
    );

    let a = env.follower(APP).await;
    let b = env.follower(APP).await;
    let tagged = call(
        &env,
        &token,
        "tags/members/batchtagging",
        json!({"openid_list": [a, b], "tagid": id}),
    )
    .await;
    assert_eq!(errcode(&tagged), 0);
    let tags = env
        .get(&format!("/cgi-bin/tags/get?access_token={token}"))
        .await;
    let ours = tags["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .find(|t| t["id"] == id)
        .expect("ours")
        .clone();
    assert_eq!(ours, json!({"id": id, "name": "广东人", "count": 2}));
    let members = call(
        &env,
        &token,
        "user/tag/get",
        json!({"tagid": id, "next_openid": ""}),
    )
    .await;
    assert_eq!(members["count"], 2);
    assert_eq!(members["data"]["openid"], json!([a, b]));
    assert_eq!(
        call(&env, &token, "tags/getidlist", json!({"openid": a})).await["tagid_list"],
        json!([id])
    );
    call(
        &env,
        &token,
        "tags/members/batchuntagging",
        json!({"openid_list": [a], "tagid": id}),
    )
    .await;
    assert_eq!(
        call(&env, &token, "tags/getidlist", json!({"openid": a})).await["tagid_list"],
        json!([])
    );
    assert_eq!(
        errcode(&call(&env, &token, "tags/delete", json!({"tag": {"id": id}})).await),
        0
    );
    assert_eq!(
        call(&env, &token, "tags/getidlist", json!({"openid": b})).await["tagid_list"],
        json!([])
    );

    let list: Vec<String> = (0..51).map(|i| format!("o{i}")).collect();
    assert_eq!(
        errcode(
            &call(
                &env,
                &token,
                "tags/members/batchtagging",
                json!({"openid_list": list, "tagid": 2})
            )
            .await
        ),
        40032
    );
    assert_eq!(
        errcode(
            &call(
                &env,
                &token,
                "tags/members/batchtagging",
                json!({"openid_list": [], "tagid": 2})
            )
            .await
        ),
        40032
    );
    assert_eq!(
        errcode(
            &call(
                &env,
                &token,
                "tags/members/batchtagging",
                json!({"openid_list": [a], "tagid": 999})
            )
            .await
        ),
        45159
    );
    assert_eq!(
        errcode(
            &call(
                &env,
                &token,
                "tags/members/batchtagging",
                json!({"openid_list": ["onope"], "tagid": 2})
            )
            .await
        ),
        40003
    );
    assert_eq!(
        errcode(&call(&env, &token, "tags/getidlist", json!({"openid": "onope"})).await),
        40003
    );
    env.add_app(json!({"app_id": "wxother", "app_secret": "s", "token": "t", "callback_url": "http://127.0.0.1:9/"})).await;
    let foreign = env.new_user("wxother").await;
    assert_eq!(
        errcode(
            &call(
                &env,
                &token,
                "tags/members/batchtagging",
                json!({"openid_list": [foreign], "tagid": 2})
            )
            .await
        ),
        49003
    );
}

#[tokio::test]
async fn tag_count_limits() {
    let env = start().await;
    let token = env.token().await;
    let user = env.new_user(APP).await;
    let mut ids = Vec::new();
    for i in 0..99 {
        let v = call(
            &env,
            &token,
            "tags/create",
            json!({"tag": {"name": format!("t{i}")}}),
        )
        .await;
        ids.push(v["tag"]["id"].as_u64().expect("id"));
    }
    assert_eq!(
        errcode(
            &call(
                &env,
                &token,
                "tags/create",
                json!({"tag": {"name": "one too many"}})
            )
            .await
        ),
        45056
    );
    for id in &ids[..20] {
        assert_eq!(
            errcode(
                &call(
                    &env,
                    &token,
                    "tags/members/batchtagging",
                    json!({"openid_list": [user], "tagid": id})
                )
                .await
            ),
            0
        );
    }
    let over = call(
        &env,
        &token,
        "tags/members/batchtagging",
        json!({"openid_list": [user], "tagid": ids[20]}),
    )
    .await;
    assert_eq!(errcode(&over), 45059);
}

#[tokio::test]
async fn blacklist_blocks_messages() {
    let env = start().await;
    let token = env.token().await;
    let a = env.follower(APP).await;
    let b = env.follower(APP).await;
    assert_eq!(
        errcode(
            &call(
                &env,
                &token,
                "tags/members/batchblacklist",
                json!({"openid_list": [b, a]})
            )
            .await
        ),
        0
    );
    let list = call(
        &env,
        &token,
        "tags/members/getblacklist",
        json!({"begin_openid": ""}),
    )
    .await;
    assert_eq!(list["total"], 2);
    assert_eq!(list["count"], 2);
    let send = json!({"touser": a, "msgtype": "text", "text": {"content": "hi"}});
    let sent = env
        .post(
            &format!("/cgi-bin/message/custom/send?access_token={token}"),
            send.clone(),
        )
        .await;
    assert_eq!(errcode(&sent), 43019);
    call(
        &env,
        &token,
        "tags/members/batchunblacklist",
        json!({"openid_list": [a]}),
    )
    .await;
    let list = call(
        &env,
        &token,
        "tags/members/getblacklist",
        json!({"begin_openid": ""}),
    )
    .await;
    assert_eq!(list["data"]["openid"], json!([b]));
    let sent = env
        .post(
            &format!("/cgi-bin/message/custom/send?access_token={token}"),
            send,
        )
        .await;
    assert_eq!(errcode(&sent), 0);
    let many: Vec<String> = (0..21).map(|_| a.clone()).collect();
    assert_eq!(
        errcode(
            &call(
                &env,
                &token,
                "tags/members/batchblacklist",
                json!({"openid_list": many})
            )
            .await
        ),
        40032
    );
}

/// The qrcode, user and tags bodies are typed: wrong field types are 47001, empty bodies 44002.
#[tokio::test]
async fn wrong_field_types_are_data_format_errors() {
    let env = start().await;
    let user = env.follower(APP).await;
    let token = env.token().await;
    let cases = [
        ("tags/create", json!({"tag": {"name": 5}})),
        ("tags/update", json!({"tag": {"id": "100", "name": "x"}})),
        ("tags/delete", json!({"tag": {"id": -1}})),
        (
            "tags/members/batchtagging",
            json!({"openid_list": [1], "tagid": 2}),
        ),
        ("tags/members/batchblacklist", json!({"openid_list": user})),
        ("tags/getidlist", json!({"openid": [user]})),
        ("user/tag/get", json!({"tagid": 2, "next_openid": 0})),
        ("tags/members/getblacklist", json!({"begin_openid": false})),
        ("user/info/batchget", json!({"user_list": [user]})),
        (
            "user/info/updateremark",
            json!({"openid": user, "remark": 1}),
        ),
        (
            "qrcode/create",
            json!({"action_name": "QR_SCENE", "expire_seconds": "60", "action_info": {"scene": {"scene_id": 1}}}),
        ),
        (
            "qrcode/create",
            json!({"action_name": "QR_STR_SCENE", "action_info": {"scene": {"scene_str": 7}}}),
        ),
    ];
    for (path, body) in cases {
        assert_eq!(
            errcode(&call(&env, &token, path, body.clone()).await),
            47001,
            "{path} {body}"
        );
    }
    for path in ["tags/create", "user/info/batchget", "qrcode/create"] {
        let empty: Value = env
            .http
            .post(env.url(&format!("/cgi-bin/{path}?access_token={token}")))
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("json");
        assert_eq!(errcode(&empty), 44002, "{path}");
    }
}
