//! `menu-sync --app-id wx… --file menu.toml`: push a menu file when it differs from the
//! account's current menu. The AppSecret comes from `WECHAT_APP_SECRET`.
//!
//! Tokens come from `stable_token` by default, which leaves the tokens of other programs using
//! the same account valid; with `--store` pointing at a wxgate gateway's store (and `--account`
//! at its account id) the gateway's tokens are shared instead.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use menu_sync::{Outcome, read_menu, sync};
use wxgate_api::{
    AccountCredentials, AppSecret, Client, CredentialOptions, Credentials, TokenPolicy,
};

/// Push a menu file to an Official Account when it differs from the current menu.
#[derive(Debug, Parser)]
struct Args {
    /// The menu: TOML (`[[button]]`, `[[conditional]]`) or WeChat's menu JSON.
    #[arg(long)]
    file: PathBuf,
    /// The account's AppID.
    #[arg(long)]
    app_id: String,
    /// The account's AppSecret.
    #[arg(long, env = "WECHAT_APP_SECRET", hide_env_values = true)]
    app_secret: String,
    /// WeChat's API base URL (a sandbox's address for a dry run).
    #[arg(long, default_value = wxgate_api::DEFAULT_BASE_URL)]
    api_base: String,
    /// Where tokens are kept: `memory://`, `sqlite://FILE` or `redis://…`.
    #[arg(long, default_value = "memory://")]
    store: String,
    /// The account id in the store.
    #[arg(long, default_value = "main")]
    account: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(Outcome::Unchanged) => {
            println!("the menu is up to date");
            ExitCode::SUCCESS
        }
        Ok(Outcome::Pushed {
            conditional_menu_ids,
        }) => {
            println!(
                "pushed the menu ({} conditional menu(s))",
                conditional_menu_ids.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<Outcome> {
    let wanted = read_menu(&args.file)?;
    let client = Client::builder().base_url(args.api_base).build()?;
    let store = wxgate_store::open(&args.store).await?;
    let account =
        AccountCredentials::new(args.account, args.app_id, AppSecret::new(args.app_secret))
            .policy(TokenPolicy::StableToken);
    let credentials = Credentials::new(client, store, account, CredentialOptions::default());
    sync(&credentials, &wanted).await
}
