//! `wxgate tags list|create|rename|delete|tag|untag|members ACCOUNT ...`: the account's user
//! tags through the shared credentials. `tag` and `untag` take any number of OpenIDs and send
//! them 50 per call.

use std::process::ExitCode;

use anyhow::Context as _;
use futures::TryStreamExt as _;
use serde_json::json;
use wxgate_api::OpenId;
use wxgate_api::endpoint::tags::members::{batchtagging, batchuntagging};
use wxgate_api::endpoint::tags::{create, delete, get, update};
use wxgate_api::endpoint::user::tag;

use crate::account::AccountArgs;

/// `wxgate tags ...`
#[derive(Debug, clap::Subcommand)]
pub(crate) enum TagsCommand {
    /// List the tags with their follower counts.
    List {
        #[command(flatten)]
        account: AccountArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Create a tag; prints its id.
    Create {
        #[command(flatten)]
        account: AccountArgs,
        /// The name (1–30 bytes, unique).
        name: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Rename a tag.
    Rename {
        #[command(flatten)]
        account: AccountArgs,
        /// The tag id.
        id: u32,
        /// The new name.
        name: String,
    },
    /// Delete a tag (its followers lose it).
    Delete {
        #[command(flatten)]
        account: AccountArgs,
        /// The tag id.
        id: u32,
    },
    /// Put a tag on followers.
    Tag {
        #[command(flatten)]
        account: AccountArgs,
        /// The tag id.
        id: u32,
        /// The followers' OpenIDs.
        #[arg(required = true)]
        openids: Vec<String>,
    },
    /// Take a tag off followers.
    Untag {
        #[command(flatten)]
        account: AccountArgs,
        /// The tag id.
        id: u32,
        /// The followers' OpenIDs.
        #[arg(required = true)]
        openids: Vec<String>,
    },
    /// List the followers carrying a tag (one OpenID per line).
    Members {
        #[command(flatten)]
        account: AccountArgs,
        /// The tag id.
        id: u32,
        /// Print a JSON array instead.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) async fn run(command: TagsCommand) -> anyhow::Result<ExitCode> {
    match command {
        TagsCommand::List { account, json } => {
            let account = account.open().await?;
            let tags = account
                .credentials
                .call(&get::Request::new())
                .await
                .context("tags/get")?
                .tags;
            if json {
                let all: Vec<_> = tags
                    .iter()
                    .map(|t| json!({"id": t.id, "name": t.name, "count": t.count}))
                    .collect();
                println!("{}", serde_json::Value::Array(all));
            } else {
                for t in &tags {
                    println!("{}\t{}\t{}", t.id, t.name, t.count);
                }
            }
        }
        TagsCommand::Create {
            account,
            name,
            json,
        } => {
            let account = account.open().await?;
            let created = account
                .credentials
                .call(&create::Request::new(name))
                .await
                .context("tags/create")?
                .tag;
            if json {
                println!("{}", json!({"id": created.id, "name": created.name}));
            } else {
                println!("{}", created.id);
            }
        }
        TagsCommand::Rename { account, id, name } => {
            let account = account.open().await?;
            account
                .credentials
                .call(&update::Request::new(id, name))
                .await
                .context("tags/update")?;
        }
        TagsCommand::Delete { account, id } => {
            let account = account.open().await?;
            account
                .credentials
                .call(&delete::Request::new(id))
                .await
                .context("tags/delete")?;
        }
        TagsCommand::Tag {
            account,
            id,
            openids,
        } => {
            let account = account.open().await?;
            for chunk in openids.chunks(batchtagging::MAX_USERS) {
                account
                    .credentials
                    .call(&batchtagging::Request::new(
                        id,
                        chunk.iter().map(String::as_str),
                    ))
                    .await
                    .context("tags/members/batchtagging")?;
            }
        }
        TagsCommand::Untag {
            account,
            id,
            openids,
        } => {
            let account = account.open().await?;
            for chunk in openids.chunks(batchuntagging::MAX_USERS) {
                account
                    .credentials
                    .call(&batchuntagging::Request::new(
                        id,
                        chunk.iter().map(String::as_str),
                    ))
                    .await
                    .context("tags/members/batchuntagging")?;
            }
        }
        TagsCommand::Members { account, id, json } => {
            let account = account.open().await?;
            let credentials = &account.credentials;
            let openids: Vec<OpenId> =
                tag::get::openids(
                    id,
                    |request| async move { credentials.call(&request).await },
                )
                .try_collect()
                .await
                .context("user/tag/get")?;
            if json {
                println!("{}", json!(openids));
            } else {
                for openid in &openids {
                    println!("{openid}");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
