//! `wxgate users list ACCOUNT [--info] [--json]` and `wxgate users get ACCOUNT OPENID [--json]`:
//! the account's followers through the paging stream over `user/get`, and their profiles
//! through `user/info` / `user/info/batchget` (100 per call), with the shared credentials.

use std::process::ExitCode;

use anyhow::Context as _;
use futures::TryStreamExt as _;
use serde_json::json;
use wxgate_api::OpenId;
use wxgate_api::endpoint::user::info::{self, batchget};
use wxgate_api::endpoint::user::{UserInfo, get};

use crate::account::AccountArgs;

/// `wxgate users ...`
#[derive(Debug, clap::Subcommand)]
pub(crate) enum UsersCommand {
    /// List every follower's OpenID (one per line), in follow order.
    List {
        #[command(flatten)]
        account: AccountArgs,
        /// Print each follower's profile (fetched 100 at a time) instead of the OpenID alone.
        #[arg(long)]
        info: bool,
        /// Print JSON: an array of OpenIDs, or of profiles with `--info`.
        #[arg(long)]
        json: bool,
    },
    /// Show one user's profile.
    Get {
        #[command(flatten)]
        account: AccountArgs,
        /// The user's OpenID.
        openid: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) async fn run(command: UsersCommand) -> anyhow::Result<ExitCode> {
    match command {
        UsersCommand::List {
            account,
            info,
            json,
        } => {
            let account = account.open().await?;
            let credentials = &account.credentials;
            let openids: Vec<OpenId> =
                get::openids(|request| async move { credentials.call(&request).await })
                    .try_collect()
                    .await
                    .context("user/get")?;
            if info {
                let users = batchget::infos(openids, None, |request| async move {
                    credentials.call(&request).await
                })
                .await
                .context("user/info/batchget")?;
                if json {
                    let all: Vec<_> = users.iter().map(profile_json).collect();
                    println!("{}", serde_json::Value::Array(all));
                } else {
                    for user in &users {
                        println!("{}", profile_line(user));
                    }
                }
            } else if json {
                println!("{}", json!(openids));
            } else {
                for openid in &openids {
                    println!("{openid}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        UsersCommand::Get {
            account,
            openid,
            json,
        } => {
            let account = account.open().await?;
            let user = account
                .credentials
                .call(&info::Request::new(openid.as_str()))
                .await
                .context("user/info")?;
            if json {
                println!("{}", profile_json(&user));
            } else {
                print_profile(&user);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A profile as JSON, with WeChat's field names.
fn profile_json(user: &UserInfo) -> serde_json::Value {
    json!({
        "openid": user.openid,
        "subscribe": u8::from(user.subscribe),
        "subscribe_time": user.subscribe_time,
        "subscribe_scene": user.subscribe_scene,
        "qr_scene": user.qr_scene,
        "qr_scene_str": user.qr_scene_str,
        "unionid": user.unionid,
        "remark": user.remark,
        "language": user.language,
        "tagid_list": user.tagid_list,
    })
}

/// `OPENID<TAB>following|not following<TAB>remark<TAB>tags`, for `users list --info`.
fn profile_line(user: &UserInfo) -> String {
    let tags: Vec<String> = user.tagid_list.iter().map(u32::to_string).collect();
    format!(
        "{}\t{}\t{}\t{}",
        user.openid,
        if user.subscribe {
            "following"
        } else {
            "not following"
        },
        user.remark,
        tags.join(",")
    )
}

fn print_profile(user: &UserInfo) {
    println!("openid:     {}", user.openid);
    println!("following:  {}", if user.subscribe { "yes" } else { "no" });
    if let Some(time) = user.subscribe_time {
        println!("since:      {time} (Unix time)");
    }
    if let Some(scene) = &user.subscribe_scene {
        println!("scene:      {scene}");
    }
    match (&user.qr_scene, user.qr_scene_str.as_deref()) {
        (_, Some(s)) if !s.is_empty() => println!("qr scene:   {s}"),
        (Some(id), _) if *id != 0 => println!("qr scene:   {id}"),
        _ => {}
    }
    if let Some(unionid) = &user.unionid {
        println!("unionid:    {unionid}");
    }
    if !user.remark.is_empty() {
        println!("remark:     {}", user.remark);
    }
    let tags: Vec<String> = user.tagid_list.iter().map(u32::to_string).collect();
    println!("tags:       {}", tags.join(","));
}
