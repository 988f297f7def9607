//! `wxgate webhooks dead|redrive ACCOUNT`: the dead letters of an account's async webhooks,
//! read from and re-queued in the store of the configuration, the same way as
//! `GET /v1/accounts/{account}/webhooks/dead` and `…/dead/redrive` (one code path for both).

use std::process::ExitCode;

use anyhow::Context as _;
use wxgate_server::Config;
use wxgate_server::webhook::{dead_letters, redrive};

use crate::account::AccountArgs;

/// `wxgate webhooks ...`
#[derive(Debug, clap::Subcommand)]
pub(crate) enum WebhooksCommand {
    /// List the dead letters: deliveries that failed every attempt.
    Dead {
        #[command(flatten)]
        account: AccountArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Queue dead letters again (all, or those given with --id); each is delivered once more
    /// with its attempts counted afresh and the same X-Wxgate-Delivery.
    Redrive {
        #[command(flatten)]
        account: AccountArgs,
        /// A dead letter's id (repeat for several); none: all of them.
        #[arg(long = "id", value_name = "ID")]
        ids: Vec<String>,
    },
}

/// Opens the store of the configuration, for an account it has.
async fn store(args: &AccountArgs) -> anyhow::Result<std::sync::Arc<dyn wxgate_store::Store>> {
    let config = Config::load(&args.config)
        .map_err(|e| anyhow::anyhow!("{}:\n{e}", args.config.display()))?;
    if !config.accounts.iter().any(|a| a.id == args.account) {
        anyhow::bail!("no account {:?} in the configuration", args.account);
    }
    wxgate_store::open(&config.storage.url)
        .await
        .context("cannot open the store")
}

pub(crate) async fn run(command: WebhooksCommand) -> anyhow::Result<ExitCode> {
    match command {
        WebhooksCommand::Dead { account, json } => {
            let store = store(&account).await?;
            let letters = dead_letters(store.as_ref(), &account.account).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&letters)?);
            } else if letters.is_empty() {
                println!("no dead letters");
            } else {
                for letter in &letters {
                    println!(
                        "{}\t{}\t{}\t{} attempts\t{}\t{}",
                        letter.id,
                        letter.delivery,
                        letter.event,
                        letter.attempts,
                        letter.url,
                        letter.reason
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        WebhooksCommand::Redrive { account, ids } => {
            let store = store(&account).await?;
            let ids = (!ids.is_empty()).then_some(ids);
            let done = redrive(store.as_ref(), &account.account, ids.as_deref()).await?;
            println!("re-driven: {}", done.redriven.len());
            for id in &done.missing {
                eprintln!("not a dead letter: {id}");
            }
            Ok(if done.missing.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}
