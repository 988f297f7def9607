//! `wxgate demo`: the sandbox and the gateway in one process, on one address, wired to a demo
//! account in safe mode with a few configured replies, a menu and a QR campaign.
//!
//! The gateway runs on the sandbox's virtual clock, so moving that clock (the console's "+1 h",
//! `POST /sandbox/clock`) moves both: pushes stay inside the gateway's timestamp window and the
//! credential manager sees tokens expire when the sandbox does. With `--data-dir` every piece of
//! state (secrets, the sandbox's state, the gateway's SQLite store) lives in that directory and
//! survives restarts.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use axum::extract::Path as UrlPath;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use wxgate_sandbox::{AppSpec, ConsolePanel, Mode, Sandbox, SandboxConfig};
use wxgate_server::{Config, Gateway};

mod funnel;
mod h5;

const ACCOUNT: &str = "demo";
const APP_ID: &str = "wxd3e0000000000001";
const TOKEN: &str = "wxgatedemo";
/// The campaigns' QR codes the demo creates: one exact scene, and tables of a `table-*` campaign.
const QR_SCENES: [&str; 3] = ["spring-sale", "table-1", "table-2"];
/// The secrets of the demo account and the bearer key of its token API, kept in the data dir.
const SECRETS_FILE: &str = "demo-secrets.json";
/// The sandbox's state (users, conversations, tokens, the clock's offset).
const SANDBOX_STATE_FILE: &str = "sandbox-state.json";
/// The gateway's store.
const DB_FILE: &str = "wxgate-demo.db";
/// Route of the demo's own images (the news cards' pictures).
const IMAGE_PATH: &str = "/demo/img/{name}";

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
    let secrets = DemoSecrets::load_or_create(&dir.join(SECRETS_FILE))?;

    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}");

    let sandbox = Sandbox::new(SandboxConfig {
        state_file: Some(dir.join(SANDBOX_STATE_FILE)),
        // The gateway's side of the funnel, beside the chat.
        console_panels: vec![
            ConsolePanel::new("Follow funnel (the gateway's registry)", funnel::PAGE_PATH),
            ConsolePanel::new("H5 page (WeChat login, JS-SDK)", h5::PAGE_PATH),
        ],
        ..SandboxConfig::default()
    })
    .context("loading the sandbox's saved state")?;
    sandbox.add_app(AppSpec {
        app_id: APP_ID.to_owned(),
        app_secret: secrets.app_secret.as_str().into(),
        token: TOKEN.into(),
        encoding_aes_key: Some(secrets.encoding_aes_key.as_str().into()),
        mode: Mode::Safe,
        callback_url: format!("{base}/wechat/{ACCOUNT}"),
        // The demo's pages (the H5 example) are on its own host, as on a real account's domains.
        // (An IPv6 address cannot be written as a domain entry: no list then, any origin.)
        js_domains: addr
            .is_ipv4()
            .then(|| addr.ip().to_string())
            .into_iter()
            .collect(),
        oauth_domains: addr
            .is_ipv4()
            .then(|| addr.ip().to_string())
            .into_iter()
            .collect(),
        ..AppSpec::default()
    })?;

    let db = dir.join(DB_FILE);
    let config = Config::from_toml(
        &demo_config(&base, &secrets, &db.display().to_string()),
        Vec::new(),
    )
    .map_err(|e| anyhow::anyhow!("demo configuration:\n{e}"))?;
    let gateway = Gateway::builder(config)
        .clock(Arc::new(sandbox.clock()))
        .build()
        .await?;
    // The sandbox in this process is WeChat here. A token the gateway kept from an earlier run
    // may be one the sandbox's saved state never recorded (the process was killed between the
    // two saves); WeChat would refuse it, so the kept credentials are dropped and fetched again.
    for credential in ["access_token", "jsapi_ticket", "wx_card_ticket"] {
        gateway
            .store()
            .delete(&format!("wxgate:{{{ACCOUNT}}}:{credential}"))
            .await
            .context("clearing the demo's kept credentials")?;
    }
    let app = gateway
        .router()
        .merge(sandbox.router())
        .route(IMAGE_PATH, axum::routing::get(image));
    // The campaigns' codes are known once the server answers (it is WeChat's API too).
    let funnel = Arc::new(funnel::Funnel {
        account: ACCOUNT,
        registry: Arc::clone(gateway.registry()),
        codes: std::sync::OnceLock::new(),
    });
    let app = app
        .merge(funnel::routes(Arc::clone(&funnel)))
        .merge(h5::routes(gateway.clone()));
    let workers = gateway.spawn_workers();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let tickets = seed(&gateway, &sandbox)
        .await
        .context("setting up the demo account in the sandbox")?;
    let codes: Vec<(String, String)> = tickets
        .iter()
        .map(|(scene, ticket)| {
            let url = format!("{base}/cgi-bin/showqrcode?ticket={}", urlencode(ticket));
            (scene.clone(), url)
        })
        .collect();
    let _ = funnel.codes.set(codes.clone());
    let api_key = &secrets.api_key;
    println!("wxgate demo listening on {base}");
    println!();
    println!("  console (chat as a virtual user): {base}/sandbox/console");
    println!("  WeChat callback (safe mode):      {base}/wechat/{ACCOUNT}");
    println!(
        "  central token API:                curl -H 'Authorization: Bearer {api_key}' {base}/v1/accounts/{ACCOUNT}/access-token"
    );
    println!(
        "  follow funnel and followers:      {base}{}",
        funnel::PAGE_PATH
    );
    println!(
        "  H5 page (WeChat login, JS-SDK):   {base}{}",
        h5::PAGE_PATH
    );
    for (scene, url) in &codes {
        println!("  QR code of scene {scene:<16} {url}");
    }
    match &temp {
        Some(_) => println!(
            "  data (deleted on exit):           {} (use --data-dir DIR to keep state across restarts)",
            dir.display()
        ),
        None => println!(
            "  data (kept):                      {} (restart with the same --data-dir to continue)",
            dir.display()
        ),
    }
    println!();
    println!(
        "  In the console: follow, then send \"hello\" or \"order 42\", click the menu, or scan a QR ticket;"
    );
    println!(
        "  the funnel page shows each scene's scans, follows and unfollows, and the followers."
    );
    println!(
        "  The gateway shares the sandbox's virtual clock: the console's clock buttons move both."
    );
    println!("  Ctrl-C stops the demo.");

    tokio::select! {
        served = server => served.context("server task")??,
        _ = tokio::signal::ctrl_c() => {}
    }
    workers.abort();
    sandbox.save().context("saving the sandbox's state")?;
    Ok(())
}

/// The demo account's generated secrets, stable across restarts with `--data-dir`.
#[derive(Serialize, Deserialize)]
struct DemoSecrets {
    app_secret: String,
    encoding_aes_key: String,
    api_key: String,
}

impl DemoSecrets {
    /// Reads `path`, or generates the secrets and writes them there.
    fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        match std::fs::read(path) {
            Ok(bytes) => {
                let secrets: Self = serde_json::from_slice(&bytes).with_context(|| {
                    format!("{} is not the demo's secrets file", path.display())
                })?;
                anyhow::ensure!(
                    wxgate_proto::crypto::AesKey::parse(&secrets.encoding_aes_key).is_ok(),
                    "{}: encoding_aes_key must be 43 characters of [A-Za-z0-9]",
                    path.display()
                );
                Ok(secrets)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let secrets = Self {
                    app_secret: random_alnum(32),
                    encoding_aes_key: random_alnum(43),
                    api_key: format!("demo-{}", random_alnum(20)),
                };
                let bytes = serde_json::to_vec_pretty(&secrets)?;
                write_private(path, &bytes)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                Ok(secrets)
            }
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }
}

/// Writes a file only its owner can read (on Unix).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

/// `GET /demo/img/{name}`: the pictures of the demo's news cards, drawn here so the demo needs
/// no network.
async fn image(UrlPath(name): UrlPath<String>) -> Response {
    let color = match name.as_str() {
        "order.png" => [0x57, 0x6b, 0x95],
        "spring.png" => [0x07, 0xc1, 0x60],
        _ => return (StatusCode::NOT_FOUND, "no such demo image").into_response(),
    };
    match card_png(color) {
        Some(png) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            png,
        )
            .into_response(),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// A 360×200 card picture: a diagonal gradient of `color` with light stripes.
fn card_png(color: [u8; 3]) -> Option<Vec<u8>> {
    const W: u32 = 360;
    const H: u32 = 200;
    let mut pixels = Vec::with_capacity((W * H * 3) as usize);
    for y in 0..H {
        for x in 0..W {
            let shade = (x + y) * 96 / (W + H);
            let stripe = if (x + 2 * y) % 48 < 6 { 40 } else { 0 };
            for channel in color {
                let value = u32::from(channel) + shade + stripe;
                pixels.push(u8::try_from(value.min(255)).unwrap_or(255));
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, W, H);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().ok()?;
        writer.write_image_data(&pixels).ok()?;
    }
    Some(out)
}

fn demo_config(base: &str, secrets: &DemoSecrets, db: &str) -> String {
    let db = db.replace('\\', "/");
    // The demo's own host, any port: its pages are signed for the JS-SDK.
    let host = base
        .trim_start_matches("http://")
        .rsplit_once(':')
        .map(|(host, _)| host)
        .filter(|host| !host.contains(['[', ']', ':']))
        .unwrap_or("127.0.0.1");
    let DemoSecrets {
        app_secret: secret,
        encoding_aes_key: aes_key,
        api_key,
    } = secrets;
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
pic_url = "{base}/demo/img/order.png"

[[accounts.replies]]
click = "TODAY"
text = "Today's pick: a cup of tea 🍵"

[[accounts.replies]]
click = "HELLO"
text = "Hi! 👋 This answer to the \"Say hi\" menu button is a configured reply too."

[[accounts.campaigns]]
scene = "spring-sale"
[accounts.campaigns.news]
title = "Spring sale: 20% off"
description = "Thanks for scanning the {{scene}} poster! Share this card with a friend."
url = "https://example.com/spring?from={{scene}}"
pic_url = "{base}/demo/img/spring.png"

[[accounts.campaigns]]
scene = "table-*"
[accounts.campaigns.news]
title = "Welcome to {{scene}}"
description = "Order from your phone: tap to see the menu of {{scene}}."
url = "https://example.com/menu?table={{scene}}&user={{openid}}"
pic_url = "{base}/demo/img/order.png"

[accounts.oauth]
allowed_redirects = ["{base}"]

[accounts.jssdk]
domains = ["{host}"]

[accounts.subscribe_reply]
text = "Welcome to the wxgate demo! Try \"hello\" or \"order 42\"."
"#
    )
}

/// Creates the demo's menu and the campaigns' QR codes through the gateway's own credentials,
/// as `(scene, ticket)`; codes kept from an earlier run (`--data-dir`) are reused while they
/// have a day left.
async fn seed(gateway: &Gateway, sandbox: &Sandbox) -> anyhow::Result<Vec<(String, String)>> {
    let credentials = gateway.credentials(ACCOUNT).context("the demo account")?;
    let menu = json!({"button": [
        {"type": "click", "name": "Today", "key": "TODAY"},
        {"name": "More", "sub_button": [
            {"type": "view", "name": "wxgate", "url": "https://example.com/"},
            {"type": "click", "name": "Say hi", "key": "HELLO"}
        ]}
    ]});
    let answer = post_with_token(credentials, "/cgi-bin/menu/create", &menu).await?;
    anyhow::ensure!(
        answer["errcode"].as_i64().unwrap_or(0) == 0,
        "menu/create answered {answer}"
    );
    let live: Value = credentials
        .client()
        .get_json(&format!("/sandbox/apps/{APP_ID}/qrcodes"), &[])
        .await?;
    let still_good = sandbox.now() + 86_400;
    let mut tickets = Vec::new();
    for scene in QR_SCENES {
        let kept = live.as_array().into_iter().flatten().find(|qr| {
            qr["scene_str"] == scene && qr["expires_at"].as_u64().is_some_and(|e| e > still_good)
        });
        let ticket = match kept.and_then(|qr| qr["ticket"].as_str()) {
            Some(ticket) => ticket.to_owned(),
            None => {
                let qr = json!({"expire_seconds": 2_592_000, "action_name": "QR_STR_SCENE", "action_info": {"scene": {"scene_str": scene}}});
                let created = post_with_token(credentials, "/cgi-bin/qrcode/create", &qr).await?;
                created["ticket"]
                    .as_str()
                    .map(str::to_owned)
                    .context("qrcode/create returned no ticket")?
            }
        };
        tickets.push((scene.to_owned(), ticket));
    }
    Ok(tickets)
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
    wxgate_proto::nonce::alphanumeric(&mut rand::rng(), len)
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
