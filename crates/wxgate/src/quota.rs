//! `wxgate quota get|clear`: an account's daily API quotas, through the shared store's token.
//!
//! See [WeChat Docs/查询openAPI调用quota](https://developers.weixin.qq.com/doc/offiaccount/openApi/get_api_quota.html)
//! and [WeChat Docs/清空api的调用quota](https://developers.weixin.qq.com/doc/offiaccount/openApi/clear_quota.html).

use std::process::ExitCode;

use serde_json::{Value, json};
use wxgate_server::api::endpoint::clear_quota;
use wxgate_server::api::endpoint::openapi::quota;

use crate::account::AccountArgs;

/// `wxgate quota …`
#[derive(Debug, clap::Subcommand)]
pub(crate) enum QuotaCommand {
    /// Show used/limit/remain of each API's daily quota (default: every API with a daily
    /// limit in WeChat's table).
    Get {
        #[command(flatten)]
        account: AccountArgs,
        /// API paths, e.g. /cgi-bin/message/custom/send.
        paths: Vec<String>,
        /// Print JSON (one object per path) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Reset the daily quotas: all of them (`clear_quota`), or one API's (`--path`,
    /// `openapi/quota/clear`). WeChat allows 10 clears per account per calendar month, both
    /// kinds together (48006 beyond).
    Clear {
        #[command(flatten)]
        account: AccountArgs,
        /// Only this API's quota, e.g. /cgi-bin/message/custom/send.
        #[arg(long)]
        path: Option<String>,
    },
}

pub(crate) async fn run(command: QuotaCommand) -> anyhow::Result<ExitCode> {
    match command {
        QuotaCommand::Get {
            account,
            paths,
            json,
        } => get(&account, paths, json).await,
        QuotaCommand::Clear { account, path } => clear(&account, path).await,
    }
}

async fn get(account: &AccountArgs, paths: Vec<String>, as_json: bool) -> anyhow::Result<ExitCode> {
    let account = account.open().await?;
    let paths = if paths.is_empty() {
        quota::DAILY_LIMITED_PATHS
            .iter()
            .map(|p| (*p).to_owned())
            .collect()
    } else {
        paths
    };
    let mut rows = Vec::new();
    let mut failed = false;
    for path in &paths {
        match account
            .credentials
            .call(&quota::get::Request::new(path.as_str()))
            .await
        {
            Ok(report) => rows.push(json!({
                "path": path,
                "daily_limit": report.quota.daily_limit,
                "used": report.quota.used,
                "remain": report.quota.remain,
            })),
            Err(error) => match error.api_error() {
                Some(api) => {
                    failed = true;
                    rows.push(json!({
                        "path": path,
                        "errcode": api.code().code(),
                        "errmsg": api.errmsg(),
                    }));
                }
                // Not an answer of WeChat's about this path (network, token): stop here.
                None => return Err(error.into()),
            },
        }
    }
    if as_json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        print!("{}", table(&rows));
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `PATH  USED/LIMIT  REMAIN`, one line per path (errors as `errcode N: errmsg`).
fn table(rows: &[Value]) -> String {
    let width = rows
        .iter()
        .filter_map(|r| r["path"].as_str())
        .map(str::len)
        .max()
        .unwrap_or(4)
        .max(4);
    let mut out = format!(
        "{:<width$}  {:>17}  {:>9}\n",
        "PATH", "USED/LIMIT", "REMAIN"
    );
    for row in rows {
        let path = row["path"].as_str().unwrap_or_default();
        if let Some(code) = row["errcode"].as_i64() {
            let message = row["errmsg"].as_str().unwrap_or_default();
            out.push_str(&format!("{path:<width$}  errcode {code}: {message}\n"));
        } else {
            let used_limit = format!("{}/{}", row["used"], row["daily_limit"]);
            out.push_str(&format!(
                "{path:<width$}  {used_limit:>17}  {:>9}\n",
                row["remain"].to_string()
            ));
        }
    }
    out
}

async fn clear(account: &AccountArgs, path: Option<String>) -> anyhow::Result<ExitCode> {
    let account = account.open().await?;
    let credentials = &account.credentials;
    match path {
        Some(path) => {
            credentials
                .call(&quota::clear::Request::new(path.as_str()))
                .await?;
            println!("cleared the daily quota of {path}");
        }
        None => {
            let app_id = credentials.account().app_id.clone();
            credentials.call(&clear_quota::Request::new(app_id)).await?;
            println!("cleared every daily quota of {}", credentials.account().id);
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_and_errors() {
        let rows = [
            json!({"path": "/cgi-bin/token", "daily_limit": 2000, "used": 3, "remain": 1997}),
            json!({"path": "/cgi-bin/x", "errcode": 76021, "errmsg": "cgi_path not found"}),
        ];
        let text = table(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[1].starts_with("/cgi-bin/token") && lines[1].contains("3/2000"),
            "{text}"
        );
        assert!(lines[1].trim_end().ends_with("1997"), "{text}");
        assert!(
            lines[2].contains("errcode 76021: cgi_path not found"),
            "{text}"
        );
    }
}
