//! `wxgate qr create`, `users list|get` and `tags ...`: the real binary against a sandbox
//! process, through an account of a configuration file.

use serde_json::{Value, json};

use crate::account::SandboxAccount;

const APP_ID: &str = "wxe2e0000000000007";

/// The text of the one QR code in a grayscale PNG file.
fn decode_png_qr(path: &std::path::Path) -> String {
    let bytes = std::fs::read(path).expect("png written");
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("png header");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).expect("png frame");
    assert_eq!(frame.color_type, png::ColorType::Grayscale);
    let width = frame.width as usize;
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, frame.height as usize, |x, y| {
            pixels[y * width + x]
        });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().expect("decodes").1
}

#[tokio::test]
async fn qr_create_writes_a_png_of_the_codes_url() {
    let setup = SandboxAccount::start(APP_ID, "op").await;
    let png = setup.dir.path().join("code.png");
    let out = setup.ok(&[
        "qr",
        "create",
        "op",
        "--scene",
        "42",
        "--expire",
        "12h",
        "--png",
        png.to_str().expect("path"),
    ]);
    let field = |name: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .unwrap_or_else(|| panic!("no {name} in {out}"))
            .trim()
            .to_owned()
    };
    let url = field("url");
    assert!(url.starts_with("http://weixin.qq.com/q/"), "{out}");
    assert_eq!(field("expires"), "in 12h (43200 s)");
    assert_eq!(field("kind"), "QR_SCENE (scene 42)");
    assert_eq!(decode_png_qr(&png), url);

    // The image URL is the sandbox's (the account's api_base), and its image encodes the url.
    let image_url = field("image");
    assert!(image_url.starts_with(&format!(
        "{}/cgi-bin/showqrcode?ticket=",
        setup.sandbox.base
    )));
    let image = setup.http.get(&image_url).send().await.expect("image");
    assert_eq!(image.status(), 200);
    let served = setup.dir.path().join("served.png");
    std::fs::write(&served, image.bytes().await.expect("bytes")).expect("write");
    assert_eq!(decode_png_qr(&served), url);

    // The sandbox knows the ticket: a stranger scanning it follows from scene 42.
    let stranger = setup.user(false).await;
    let ticket = field("ticket");
    setup
        .control(
            &format!("/users/{stranger}/actions"),
            json!({"type": "scan", "ticket": ticket}),
        )
        .await;
    let profile: Value =
        serde_json::from_str(&setup.ok(&["users", "get", "op", &stranger, "--json"]))
            .expect("json");
    assert_eq!(profile["subscribe"], 1);
    assert_eq!(profile["subscribe_scene"], "ADD_SCENE_QR_CODE");
    assert_eq!(profile["qr_scene"], 42);

    // Permanent string scenes, as JSON.
    let permanent: Value = serde_json::from_str(&setup.ok(&[
        "qr",
        "create",
        "op",
        "--scene",
        "spring-sale",
        "--permanent",
        "--json",
    ]))
    .expect("json");
    assert_eq!(permanent["action_name"], "QR_LIMIT_STR_SCENE");
    assert_eq!(permanent["expire_seconds"], Value::Null);

    // Bad values are usage errors, found before WeChat is called.
    for args in [
        &["qr", "create", "op", "--scene", "100001", "--permanent"][..],
        &["qr", "create", "op", "--scene", "x", "--expire", "31d"],
        &["qr", "create", "op", "--scene", &"x".repeat(65)],
    ] {
        let output = setup.run(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("error:"),
            "{args:?}"
        );
    }
}

#[tokio::test]
async fn users_list_and_a_tags_round_trip() {
    let setup = SandboxAccount::start(APP_ID, "op").await;
    let mut followers = Vec::new();
    for _ in 0..3 {
        followers.push(setup.user(true).await);
    }
    let stranger = setup.user(false).await;

    let listed: Vec<String> = setup
        .ok(&["users", "list", "op"])
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(listed, followers, "every follower, in follow order");
    let as_json: Value =
        serde_json::from_str(&setup.ok(&["users", "list", "op", "--json"])).expect("json");
    assert_eq!(as_json, json!(followers));
    let infos: Value =
        serde_json::from_str(&setup.ok(&["users", "list", "op", "--info", "--json"]))
            .expect("json");
    assert_eq!(infos.as_array().map(Vec::len), Some(3));
    assert!(
        infos
            .as_array()
            .expect("array")
            .iter()
            .all(|u| u["subscribe"] == 1)
    );

    // Tags: create, rename, tag two followers, list members, untag, delete.
    let id = setup
        .ok(&["tags", "create", "op", "广东"])
        .trim()
        .to_owned();
    let id_number: u32 = id.parse().expect("a tag id");
    setup.ok(&["tags", "rename", "op", &id, "广东人"]);
    setup.ok(&["tags", "tag", "op", &id, &followers[0], &followers[2]]);
    let tags: Value =
        serde_json::from_str(&setup.ok(&["tags", "list", "op", "--json"])).expect("json");
    let ours = tags
        .as_array()
        .expect("array")
        .iter()
        .find(|t| t["id"] == id_number)
        .expect("our tag")
        .clone();
    assert_eq!(ours, json!({"id": id_number, "name": "广东人", "count": 2}));
    let members: Vec<String> = setup
        .ok(&["tags", "members", "op", &id])
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(members, [followers[0].clone(), followers[2].clone()]);
    setup.ok(&["tags", "untag", "op", &id, &followers[0]]);
    let members: Value =
        serde_json::from_str(&setup.ok(&["tags", "members", "op", &id, "--json"])).expect("json");
    assert_eq!(members, json!([followers[2]]));
    let profile = setup.ok(&["users", "get", "op", &followers[2]]);
    assert!(profile.contains(&format!("tags:       {id}")), "{profile}");
    setup.ok(&["tags", "delete", "op", &id]);
    assert!(
        !setup
            .ok(&["tags", "list", "op"])
            .lines()
            .any(|l| l.starts_with(&format!("{id}\t"))),
        "deleted"
    );

    // WeChat's errors: a clear message and exit code 1.
    let system = setup.run(&["tags", "delete", "op", "2"]);
    assert_eq!(system.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&system.stderr).contains("45058"),
        "{}",
        String::from_utf8_lossy(&system.stderr)
    );
    let unknown = setup.run(&["users", "get", "op", "onope"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("40003"));
    let not_following = setup.ok(&["users", "get", "op", &stranger]);
    assert!(not_following.contains("following:  no"), "{not_following}");
}

#[tokio::test]
async fn tagging_many_followers_sends_fifty_per_call() {
    let setup = SandboxAccount::start(APP_ID, "op").await;
    let mut followers = Vec::new();
    for _ in 0..51 {
        followers.push(setup.user(true).await);
    }
    let id = setup
        .ok(&["tags", "create", "op", "many"])
        .trim()
        .to_owned();
    let mut args = vec!["tags", "tag", "op", id.as_str()];
    args.extend(followers.iter().map(String::as_str));
    setup.ok(&args);
    let members: Vec<String> = setup
        .ok(&["tags", "members", "op", &id])
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(members, followers);
    let calls: Value = setup
        .http
        .get(format!(
            "{}/sandbox/apps/{APP_ID}/calls",
            setup.sandbox.base
        ))
        .send()
        .await
        .expect("calls")
        .json()
        .await
        .expect("calls json");
    assert_eq!(calls["cgi-bin/tags/members/batchtagging"], 2, "{calls}");
}
