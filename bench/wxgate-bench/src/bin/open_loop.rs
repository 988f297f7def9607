//! An open-loop load generator: GETs URLs at a fixed rate, whatever the answers' latency, and
//! prints the latency percentiles. Every request is its own task started on schedule, so a slow
//! answer delays no later request (no coordinated omission); each latency runs from the moment
//! the request's task starts (the timer wakes up to ~1 ms after the due time, the same for every
//! server measured) to the answer's last byte.
//!
//! Usage: `open-loop URL RATE_PER_SECOND SECONDS [HEADER: VALUE]… [--also URL [HEADER: VALUE]…]…`
//!
//! Each `--also` adds a target, with the headers that follow it. Every target gets
//! `RATE_PER_SECOND` requests per second, their schedules interleaved (with two targets, one
//! request every 1/(2·RATE) s, to each in turn), so a stall of the machine falls on all of them
//! alike: `bench/proxy.sh` compares the sandbox called directly and through the proxy this way.
//!
//! Prints one line per target, in the order given: `sent=N ok=N failed=N p50_us=… p90_us=…
//! p99_us=… max_us=…` (`ok` counts 2xx answers read to the end; the percentiles are over every
//! request, failures included).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

/// How long requests still in flight at the end are waited for.
const DRAIN: Duration = Duration::from_secs(10);

fn usage() -> ! {
    eprintln!(
        "usage: open-loop URL RATE_PER_SECOND SECONDS ['Header: value']... [--also URL ['Header: value']...]..."
    );
    std::process::exit(2);
}

/// One URL and the client that sends its headers.
struct Target {
    url: String,
    client: reqwest::Client,
    /// (latency in µs, whether the answer was a 2xx read to the end)
    results: Arc<Mutex<Vec<(u64, bool)>>>,
}

fn client(headers: &[&str]) -> reqwest::Client {
    let mut default_headers = HeaderMap::new();
    for header in headers {
        let Some((name, value)) = header.split_once(':') else {
            usage()
        };
        match (
            HeaderName::from_bytes(name.trim().as_bytes()),
            HeaderValue::from_str(value.trim()),
        ) {
            (Ok(name), Ok(value)) => {
                default_headers.insert(name, value);
            }
            _ => usage(),
        }
    }
    match reqwest::Client::builder()
        .default_headers(default_headers)
        .no_proxy()
        .tcp_nodelay(true)
        .timeout(DRAIN)
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            eprintln!("cannot build the HTTP client: {error}");
            std::process::exit(1);
        }
    }
}

/// The targets of the command line: the first URL with the headers after SECONDS, then one per
/// `--also URL` with the headers after it.
fn targets(first: &str, rest: &[String]) -> Vec<Target> {
    let mut groups: Vec<(&str, Vec<&str>)> = vec![(first, Vec::new())];
    let mut args = rest.iter();
    while let Some(arg) = args.next() {
        if arg == "--also" {
            let Some(url) = args.next() else { usage() };
            groups.push((url, Vec::new()));
        } else if let Some((_, headers)) = groups.last_mut() {
            headers.push(arg);
        }
    }
    groups
        .into_iter()
        .map(|(url, headers)| Target {
            url: url.to_owned(),
            client: client(&headers),
            results: Arc::new(Mutex::new(Vec::new())),
        })
        .collect()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, rate, seconds, rest @ ..] = args.as_slice() else {
        usage()
    };
    let (Ok(rate), Ok(seconds)) = (rate.parse::<u32>(), seconds.parse::<f64>()) else {
        usage()
    };
    if rate == 0 || seconds <= 0.0 {
        usage();
    }
    let targets = targets(url, rest);
    let count = u32::try_from(targets.len()).unwrap_or(u32::MAX);
    let per_target = (f64::from(rate) * seconds).round() as u64;
    let total = per_target * u64::from(count);
    let period = Duration::from_secs(1) / rate.saturating_mul(count);
    for target in &targets {
        target
            .results
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .reserve(per_target as usize);
    }
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = start + period * u32::try_from(i).unwrap_or(u32::MAX);
        tokio::time::sleep_until(due.into()).await;
        let target = &targets[(i % u64::from(count)) as usize];
        let (client, url, results) = (
            target.client.clone(),
            target.url.clone(),
            Arc::clone(&target.results),
        );
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let ok = match client.get(&url).send().await {
                Ok(response) => {
                    let success = response.status().is_success();
                    response.bytes().await.is_ok() && success
                }
                Err(_) => false,
            };
            let micros = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
            if let Ok(mut results) = results.lock() {
                results.push((micros, ok));
            }
        }));
    }
    let drained = tokio::time::timeout(DRAIN, futures_join(tasks))
        .await
        .is_ok();
    for target in &targets {
        let results = target.results.lock().map(|r| r.clone()).unwrap_or_default();
        println!("{}", summary(results, per_target, drained));
    }
}

/// The summary line of one target's results; requests that never finished count as failures
/// at the drain limit.
fn summary(mut results: Vec<(u64, bool)>, expected: u64, drained: bool) -> String {
    let unfinished = expected.saturating_sub(results.len() as u64);
    if !drained || unfinished > 0 {
        let limit = u64::try_from(DRAIN.as_micros()).unwrap_or(u64::MAX);
        results.extend(std::iter::repeat_n((limit, false), unfinished as usize));
    }
    let mut latencies: Vec<u64> = results.iter().map(|(micros, _)| *micros).collect();
    latencies.sort_unstable();
    let ok = results.iter().filter(|(_, ok)| *ok).count();
    let at = |q: f64| {
        let index = ((latencies.len() as f64 * q).ceil() as usize).saturating_sub(1);
        latencies.get(index).copied().unwrap_or(0)
    };
    format!(
        "sent={} ok={} failed={} p50_us={} p90_us={} p99_us={} max_us={}",
        latencies.len(),
        ok,
        latencies.len() - ok,
        at(0.50),
        at(0.90),
        at(0.99),
        latencies.last().copied().unwrap_or(0)
    )
}

/// Waits for every task.
async fn futures_join(tasks: Vec<tokio::task::JoinHandle<()>>) {
    for task in tasks {
        let _ = task.await;
    }
}
