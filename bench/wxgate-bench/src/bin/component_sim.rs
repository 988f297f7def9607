//! Two hours of a third-party platform's life in a few seconds: the sandbox and the real gateway
//! (`wxgate_server::Gateway`, its router served on loopback, a SQLite store) in one process on
//! the sandbox's frozen virtual clock, which this program steps one second at a time.
//!
//! 1. The sandbox gets a component whose events URL is the gateway's, and pushes it a verify
//!    ticket. N apps are created and authorize the component in bulk: the sandbox pushes an
//!    `authorized` notice for each, and the gateway learns every authorizer the way it does in
//!    production (decrypt the notice, `api_query_auth`, store). The clock stands still meanwhile,
//!    so every authorizer token is issued in the same virtual second: the worst case for bursts.
//! 2. The clock then moves one virtual second at a time; after each step (or every
//!    ROUND_EVERY steps) the gateway's component refresher runs one round
//!    (`ComponentCredentials::refresh_due`, what its background task runs on every tick), and
//!    the sandbox's pushes of verify tickets go to the gateway as they fall due.
//! 3. The sandbox counts `api_authorizer_token` calls by virtual second; this prints the largest
//!    number in any one second (target ≤ 10), how the calls spread, and whether every token was
//!    still valid at the end (each authorizer's token is read; a read that has to fetch is a call
//!    the sandbox counts).
//!
//! Usage: `component-sim [AUTHORIZERS] [VIRTUAL_SECONDS] [ROUND_EVERY]` (defaults 10000, 7200,
//! 1: the gateway's refresher ticks every second). `bench/component.sh` runs it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wxgate_sandbox::{Sandbox, SandboxConfig};
use wxgate_server::{Config, Gateway};

const COMPONENT_APPID: &str = "wxc0mp0nent5ca1e0";
const COMPONENT_ID: &str = "open";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const AUTHORIZER_TOKEN_PATH: &str = "cgi-bin/component/api_authorizer_token";
/// Apps created per control request.
const APPS_PER_REQUEST: usize = 2000;

type Failure = Box<dyn std::error::Error>;

fn usage() -> ! {
    eprintln!("usage: component-sim [AUTHORIZERS] [VIRTUAL_SECONDS] [ROUND_EVERY]");
    std::process::exit(2);
}

fn arg(args: &[String], i: usize, default: u64) -> u64 {
    match args.get(i) {
        None => default,
        Some(value) => match value.parse() {
            Ok(n) if n > 0 => n,
            _ => usage(),
        },
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() > 3 {
        usage();
    }
    let authorizers = usize::try_from(arg(&args, 0, 10_000)).unwrap_or_else(|_| usage());
    let seconds = arg(&args, 1, 7200);
    let round_every = arg(&args, 2, 1);
    if let Err(error) = run(authorizers, seconds, round_every).await {
        eprintln!("component-sim: {error}");
        std::process::exit(1);
    }
}

async fn run(n: usize, seconds: u64, round_every: u64) -> Result<(), Failure> {
    let start = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let sandbox = Sandbox::new(SandboxConfig {
        start_time: Some(start),
        freeze_clock: true,
        ..SandboxConfig::default()
    })?;
    let sandbox_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let sandbox_url = format!("http://{}", sandbox_listener.local_addr()?);
    tokio::spawn(wxgate_sandbox::serve(sandbox.clone(), sandbox_listener));

    let dir = tempfile::tempdir()?;
    let gateway_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let gateway_url = format!("http://{}", gateway_listener.local_addr()?);
    let config = Config::from_toml(
        &format!(
            r#"
[storage]
url = "sqlite://{db}"
[[components]]
id = "{COMPONENT_ID}"
app_id = "{COMPONENT_APPID}"
app_secret = "component-sim-secret"
token = "componentsimtoken"
encoding_aes_key = "{AES_KEY}"
api_base = "{sandbox_url}"
"#,
            db = dir.path().join("wxgate.db").display()
        ),
        Vec::new(),
    )
    .map_err(|e| format!("gateway configuration: {e}"))?;
    let gateway = Gateway::builder(config)
        .clock(Arc::new(sandbox.clock()))
        .build()
        .await?;
    tokio::spawn({
        let router = gateway.router();
        async move { axum::serve(gateway_listener, router).await }
    });
    let platform = gateway
        .component(COMPONENT_ID)
        .ok_or("the gateway has no component")?
        .clone();

    let http = reqwest::Client::builder().no_proxy().build()?;
    let control = Control {
        http: &http,
        base: &sandbox_url,
    };
    control
        .post(
            "/sandbox/components",
            &json!({
                "component_appid": COMPONENT_APPID,
                "component_appsecret": "component-sim-secret",
                "token": "componentsimtoken",
                "encoding_aes_key": AES_KEY,
                "events_url": format!("{gateway_url}/wechat/component/{COMPONENT_ID}/events"),
                "message_url": "",
            }),
        )
        .await?;
    let ticket = control
        .post(
            &format!("/sandbox/components/{COMPONENT_APPID}/push-ticket"),
            &json!({}),
        )
        .await?;
    if ticket["outcome"] != "success" {
        return Err(format!("the verify ticket was not taken: {ticket}").into());
    }

    let app_ids: Vec<String> = (0..n).map(|i| format!("wx5ca1e{i:011x}")).collect();
    let seeding = Instant::now();
    for chunk in app_ids.chunks(APPS_PER_REQUEST) {
        let apps: Vec<Value> = chunk
            .iter()
            .map(|app_id| {
                json!({
                    "app_id": app_id,
                    "app_secret": "unused-secret",
                    "token": "unused",
                    "mode": "plaintext",
                    "callback_url": "http://127.0.0.1:9/unused",
                })
            })
            .collect();
        control.post("/sandbox/apps", &Value::from(apps)).await?;
    }
    let authorized = control
        .post(
            &format!("/sandbox/components/{COMPONENT_APPID}/authorize"),
            &json!({"app_ids": app_ids}),
        )
        .await?;
    let seeded_in = seeding.elapsed();
    if authorized["notices"]["failed"] != 0 {
        return Err(format!("some notices failed: {authorized}").into());
    }
    let known = platform.authorizers().await?.len();
    if known != n {
        return Err(format!("the gateway knows {known} authorizers of {n}").into());
    }
    let issued_at = sandbox.now();
    println!(
        "{n} authorizers seeded in {:.1} s ({:.0}/s: bulk apps, then one authorized notice each, which the gateway answers with api_query_auth); all their tokens issued at virtual second T",
        seeded_in.as_secs_f64(),
        n as f64 / seeded_in.as_secs_f64()
    );

    let mut rounds = Vec::new();
    let stepping = Instant::now();
    for step in 1..=seconds {
        sandbox.advance_clock(1);
        if step % round_every == 0 {
            let round = Instant::now();
            platform.refresh_due().await;
            rounds.push(round.elapsed());
        }
        // Let the sandbox's ticket pushes (spawned as they fall due) reach the gateway.
        tokio::task::yield_now().await;
    }
    let stepped_in = stepping.elapsed();

    let per_second = control
        .get(&format!(
            "/sandbox/components/{COMPONENT_APPID}/calls/{AUTHORIZER_TOKEN_PATH}"
        ))
        .await?;
    let calls_before_reads = total_calls(&control).await?;
    let mut failed_reads = 0_usize;
    for app_id in &app_ids {
        let token = match platform.authorizer_credentials(app_id).await {
            Ok(credentials) => credentials.access_token().await.map(drop),
            Err(error) => Err(error),
        };
        failed_reads += usize::from(token.is_err());
    }
    let fetched_at_end = total_calls(&control).await? - calls_before_reads;

    report(
        &per_second,
        n,
        issued_at,
        seconds,
        round_every,
        stepped_in,
        &rounds,
    );
    println!(
        "at the end ({} virtual s after T): {} of {n} authorizer tokens read without any upstream call; {fetched_at_end} fetched, {failed_reads} failed",
        seconds,
        n.saturating_sub(usize::try_from(fetched_at_end).unwrap_or(n) + failed_reads)
    );
    let component_calls = control
        .get(&format!("/sandbox/components/{COMPONENT_APPID}/calls"))
        .await?;
    println!(
        "sandbox calls of the component: {}",
        component_calls["calls"]
    );
    Ok(())
}

fn report(
    per_second: &Value,
    n: usize,
    issued_at: u64,
    seconds: u64,
    round_every: u64,
    stepped_in: Duration,
    rounds: &[Duration],
) {
    let counts: BTreeMap<u64, u64> = per_second["seconds"]
        .as_object()
        .map(|seconds| {
            seconds
                .iter()
                .filter_map(|(at, n)| Some((at.parse().ok()?, n.as_u64()?)))
                .collect()
        })
        .unwrap_or_default();
    let total: u64 = counts.values().sum();
    let max = counts.values().copied().max().unwrap_or(0);
    let max_at = per_second["max_at"].as_u64().unwrap_or(issued_at);
    let mut histogram = BTreeMap::<u64, u64>::new();
    for &calls in counts.values() {
        *histogram.entry(calls).or_default() += 1;
    }
    let first = counts.keys().next().map_or(0, |at| at - issued_at);
    let last = counts.keys().next_back().map_or(0, |at| at - issued_at);
    println!(
        "{seconds} virtual seconds stepped one at a time, a refresher round every {round_every} s: {:.1} s of real time",
        stepped_in.as_secs_f64()
    );
    println!(
        "api_authorizer_token: {total} calls for {n} authorizers, in {} distinct virtual seconds from T+{first} to T+{last}",
        counts.len()
    );
    println!(
        "largest number of authorizer-token refreshes in any one virtual second: {max} (at T+{}) (target <= 10)",
        max_at - issued_at
    );
    let spread: Vec<String> = histogram
        .iter()
        .map(|(calls, secs)| format!("{calls}/s: {secs} s"))
        .collect();
    println!("seconds by refreshes: {}", spread.join(", "));
    if let (Some(longest), false) = (rounds.iter().max(), rounds.is_empty()) {
        let mean = rounds.iter().sum::<Duration>() / u32::try_from(rounds.len()).unwrap_or(1);
        println!(
            "refresher round over {n} authorizers (real time): mean {:.2} ms, longest {:.1} ms",
            mean.as_secs_f64() * 1e3,
            longest.as_secs_f64() * 1e3
        );
    }
}

/// Every call the gateway made for the component: its own and with its authorizers' tokens.
async fn total_calls(control: &Control<'_>) -> Result<u64, Failure> {
    let calls = control
        .get(&format!("/sandbox/components/{COMPONENT_APPID}/calls"))
        .await?;
    let sum = |v: &Value| {
        v.as_object()
            .map_or(0, |m| m.values().filter_map(Value::as_u64).sum::<u64>())
    };
    Ok(sum(&calls["calls"]) + sum(&calls["authorizer_calls"]))
}

/// The sandbox's control API.
struct Control<'a> {
    http: &'a reqwest::Client,
    base: &'a str,
}

impl Control<'_> {
    async fn post(&self, path: &str, body: &Value) -> Result<Value, Failure> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .json(body)
            .timeout(Duration::from_secs(600))
            .send()
            .await?;
        Self::answer(path, response).await
    }

    async fn get(&self, path: &str) -> Result<Value, Failure> {
        let response = self.http.get(format!("{}{path}", self.base)).send().await?;
        Self::answer(path, response).await
    }

    async fn answer(path: &str, response: reqwest::Response) -> Result<Value, Failure> {
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(format!("{path}: {status} {body}").into());
        }
        Ok(body)
    }
}
