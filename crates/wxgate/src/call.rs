//! `wxgate call ACCOUNT PATH`: any WeChat API with the account's access token, like curl.
//!
//! GET without `--data`, POST of the JSON `--data` (or `@FILE`) with it. The token comes from
//! the shared store; a token WeChat rejects (40001, 40014, 42001) is refreshed once and the call
//! repeated. JSON answers are printed pretty; files need `--output`. A WeChat error answer is
//! printed with its errcode and errmsg, and the command exits 1.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use wxgate_api::api_path;

use crate::account::AccountArgs;

/// `wxgate call …`
#[derive(Debug, clap::Args)]
pub(crate) struct CallArgs {
    #[command(flatten)]
    account: AccountArgs,
    /// The API path, e.g. /cgi-bin/menu/get (the access token is added).
    path: String,
    /// POST this JSON body (`@FILE` reads it from a file); without it the call is a GET.
    #[arg(long)]
    data: Option<String>,
    /// Add a query parameter (repeatable), e.g. `--query media_id=MEDIA_ID`.
    #[arg(long = "query", value_name = "KEY=VALUE")]
    query: Vec<String>,
    /// Write the answer to this file (needed for binary answers such as images).
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub(crate) async fn run(args: CallArgs) -> anyhow::Result<ExitCode> {
    let path = api_path(&args.path)?;
    let query = query_pairs(&args.query)?;
    let body = match &args.data {
        None => None,
        Some(data) => Some(json_body(data)?),
    };
    let account = args.account.open().await?;
    let credentials = &account.credentials;
    let client = credentials.client().clone();
    let answer = credentials
        .call_with_token(|token| {
            let (client, path, query, body) = (&client, &path, &query, body.clone());
            async move {
                let mut pairs: Vec<(&str, &str)> = query
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                pairs.push(("access_token", token.as_str()));
                client.call_raw(path, &pairs, body).await
            }
        })
        .await?;
    if let Some(output) = &args.output {
        std::fs::write(output, &answer.bytes)
            .with_context(|| format!("cannot write {}", output.display()))?;
        eprintln!(
            "wrote {} bytes ({}) to {}",
            answer.bytes.len(),
            answer.content_type.as_deref().unwrap_or("unknown type"),
            output.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    match serde_json::from_slice::<serde_json::Value>(&answer.bytes) {
        Ok(value) => println!("{}", serde_json::to_string_pretty(&value)?),
        Err(_) => bail!(
            "the answer is not JSON ({}, {} bytes): write it with --output FILE",
            answer.content_type.as_deref().unwrap_or("unknown type"),
            answer.bytes.len()
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// A WeChat API path as `/segment/…`: relative to the API base, no host, no `..`, no query
/// (use `--query`), and not `sns/` (those take an OAuth token, not the account's).
fn api_path(path: &str) -> anyhow::Result<String> {
    let trimmed = path.trim_start_matches('/');
    if path.contains("://") || path.starts_with("//") {
        bail!("{path:?} is not a WeChat API path: give the path only, e.g. /cgi-bin/menu/get");
    }
    if path.contains(['?', '#']) {
        bail!("{path:?}: give query parameters with --query KEY=VALUE");
    }
    // The proxy's check; any first segment is let through, as curl would, so that a root
    // WeChat adds later can be called before wxgate knows it.
    match api_path::check(trimmed) {
        Ok(()) | Err(api_path::BadPath::Root) => {}
        Err(_) => bail!("{path:?} is not a WeChat API path, e.g. /cgi-bin/menu/get"),
    }
    if trimmed.split('/').next() == Some("sns") {
        bail!("{path:?}: sns APIs take a user's OAuth token, not the account's access token");
    }
    Ok(format!("/{trimmed}"))
}

/// `KEY=VALUE` pairs; `access_token` is the command's to add.
fn query_pairs(pairs: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    pairs
        .iter()
        .map(|pair| {
            let (key, value) = pair
                .split_once('=')
                .with_context(|| format!("--query {pair:?}: expected KEY=VALUE"))?;
            if key.is_empty() {
                bail!("--query {pair:?}: empty key");
            }
            if key == "access_token" {
                bail!("--query access_token: the account's token is added by wxgate");
            }
            Ok((key.to_owned(), value.to_owned()))
        })
        .collect()
}

/// `--data`: inline JSON or `@FILE`, checked to be JSON and sent as given.
fn json_body(data: &str) -> anyhow::Result<Vec<u8>> {
    let bytes = match data.strip_prefix('@') {
        Some(file) => std::fs::read(file).with_context(|| format!("cannot read {file}"))?,
        None => data.as_bytes().to_vec(),
    };
    serde_json::from_slice::<serde_json::Value>(&bytes).context("--data is not JSON")?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_must_be_wechat_api_paths() {
        assert_eq!(api_path("/cgi-bin/menu/get").unwrap(), "/cgi-bin/menu/get");
        assert_eq!(api_path("cgi-bin/menu/get").unwrap(), "/cgi-bin/menu/get");
        for bad in [
            "https://evil.example/cgi-bin/x",
            "//evil.example/x",
            "/cgi-bin/../sandbox/apps",
            "/cgi-bin/menu/get?access_token=x",
            "/sns/userinfo",
            "",
            "/cgi-bin//x",
            "/cgi-bin/a b",
        ] {
            assert!(api_path(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn query_pairs_are_key_value() {
        assert_eq!(
            query_pairs(&["media_id=a=b".to_owned()]).unwrap(),
            [("media_id".to_owned(), "a=b".to_owned())]
        );
        assert!(query_pairs(&["novalue".to_owned()]).is_err());
        assert!(query_pairs(&["access_token=x".to_owned()]).is_err());
    }

    #[test]
    fn data_must_be_json() {
        assert_eq!(json_body(r#"{"a":1}"#).unwrap(), br#"{"a":1}"#);
        assert!(json_body("{").is_err());
        assert!(json_body("@/no/such/file").is_err());
    }
}
