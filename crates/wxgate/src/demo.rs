//! `wxgate demo`: the sandbox and the gateway in one process, on one address, wired to a demo
//! account in safe mode with a few configured replies, a menu and a QR campaign.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use rand::Rng as _;
use serde_json::{Value, json};
use wxgate_sandbox::{AppSpec, Mode, Sandbox, SandboxConfig};
use wxgate_server::{Config, Gateway};

const ACCOUNT: &str = "demo";
const APP_ID: &str = "wxd3e0000000000001";
const TOKEN: &str = "wxgatedemo";

pub(crate) async fn run(listen: SocketAddr, data_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let temp = match &data_dir {
        Some(_) => None,
        None => Some(tempfile::tempdir().context("cannot create a temporary directory")?),
    };
    let dir = data_dir
        .as_deref()
        .or(temp.as_ref().map(tempfile::TempDir::path))
        .context("no data directory")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;

    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}");
    let secret = random_alnum(32);
    let aes_key = random_alnum(43);
    let api_key = format!("demo-{}", random_alnum(20));

    let sandbox = Sandbox::new(SandboxConfig::default())?;
    sandbox.add_app(AppSpec {
        app_id: APP_ID.to_owned(),
        app_secret: secret.clone(),
        token: TOKEN.to_owned(),
        encoding_aes_key: Some(aes_key.clone()),
        mode: Mode::Safe,
        callback_url: format!("{base}/wechat/{ACCOUNT}"),
        ..AppSpec::default()
    })?;

    let db = dir.join("wxgate-demo.db");
    let config = Config::from_toml(
        &demo_config(
            &base,
            &secret,
            &aes_key,
            &api_key,
            &db.display().to_string(),
        ),
        Vec::new(),
    )
    .map_err(|e| anyhow::anyhow!("demo configuration:\n{e}"))?;
    let gateway = Gateway::builder(config).build().await?;
    let app = gateway.router().merge(sandbox.router());
    let workers = gateway.spawn_workers();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let qr = seed(&gateway)
        .await
        .context("setting up the demo account in the sandbox")?;
    println!("wxgate demo listening on {base}");
    println!();
    println!("  console (chat as a virtual user): {base}/sandbox/console");
    println!("  WeChat callback (safe mode):      {base}/wechat/{ACCOUNT}");
    println!(
        "  central token API:                curl -H 'Authorization: Bearer {api_key}' {base}/v1/accounts/{ACCOUNT}/access-token"
    );
    println!(
        "  QR campaign 'spring-sale':        {base}/cgi-bin/showqrcode?ticket={}",
        urlencode(&qr)
    );
    println!("  data:                             {}", dir.display());
    println!();
    println!(
        "  In the console: follow, then send \"hello\" or \"order 42\", click the menu, or scan the QR ticket."
    );
    println!("  Ctrl-C stops the demo.");

    tokio::select! {
        served = server => served.context("server task")??,
        _ = tokio::signal::ctrl_c() => {}
    }
    workers.abort();
    Ok(())
}

fn demo_config(base: &str, secret: &str, aes_key: &str, api_key: &str, db: &str) -> String {
    let db = db.replace('\\', "/");
    format!(
        r#"
[server]
api_keys = ["{api_key}"]

[storage]
url = "sqlite://{db}"

[[accounts]]
id = "{ACCOUNT}"
app_id = "{APP_ID}"
app_secret = "{secret}"
token = "{TOKEN}"
encoding_aes_key = "{aes_key}"
mode = "safe"
api_base = "{base}"

[[accounts.replies]]
keyword = "hello"
text = "Hi there 👋 This reply came from wxgate's configured replies."

[[accounts.replies]]
regex = "^order (\\d+)$"
[accounts.replies.news]
title = "Your order"
description = "Tap to see where it is."
url = "https://example.com/orders"
pic_url = "https://example.com/order.png"

[[accounts.replies]]
click = "TODAY"
text = "Today's pick: a cup of tea 🍵"

[[accounts.replies]]
scene = "spring-sale"
[accounts.replies.news]
title = "Spring sale: 20% off"
description = "Thanks for scanning! Share this card with a friend."
url = "https://example.com/spring"
pic_url = "https://example.com/spring.png"

[accounts.subscribe_reply]
text = "Welcome to the wxgate demo! Try \"hello\" or \"order 42\"."
"#
    )
}

/// Creates the demo's menu and a QR campaign through the gateway's own credentials.
async fn seed(gateway: &Gateway) -> anyhow::Result<String> {
    let credentials = gateway.credentials(ACCOUNT).context("the demo account")?;
    let menu = json!({"button": [
        {"type": "click", "name": "Today", "key": "TODAY"},
        {"name": "More", "sub_button": [
            {"type": "view", "name": "wxgate", "url": "https://example.com/"},
            {"type": "click", "name": "Say hi", "key": "HELLO"}
        ]}
    ]});
    let qr = json!({"expire_seconds": 2_592_000, "action_name": "QR_STR_SCENE", "action_info": {"scene": {"scene_str": "spring-sale"}}});
    let answer = post_with_token(credentials, "/cgi-bin/menu/create", &menu).await?;
    anyhow::ensure!(
        answer["errcode"].as_i64().unwrap_or(0) == 0,
        "menu/create answered {answer}"
    );
    let created = post_with_token(credentials, "/cgi-bin/qrcode/create", &qr).await?;
    created["ticket"]
        .as_str()
        .map(str::to_owned)
        .context("qrcode/create returned no ticket")
}

/// POSTs `body` to a WeChat path with the account's token (refreshed once on 40001/42001).
async fn post_with_token(
    credentials: &wxgate_api::Credentials,
    path: &str,
    body: &Value,
) -> anyhow::Result<Value> {
    let client = credentials.client();
    Ok(credentials
        .call_with_token(|token| async move {
            client
                .post_json(&format!("{path}?access_token={}", token.as_str()), body)
                .await
        })
        .await?)
}

fn random_alnum(len: usize) -> String {
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
