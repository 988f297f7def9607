//! `wxgate followers sync|get|list ACCOUNT`: the account's followers as the registry keeps
//! them (the registry the configuration names: `[registry] url`, else the SQLite store's file).
//!
//! `sync` imports every follower from WeChat: it pages `user/get` over `next_openid`, fetches
//! the profiles with `user/info/batchget` 100 at a time, and upserts each into the registry.
//! After every batch it saves where it stands (the last OpenID done, and how many so far), so
//! a sync that is stopped or fails resumes there on its next run; `--restart` starts over. It
//! shows a progress bar on a terminal (plain lines otherwise) on stderr, and prints a summary.
//! `get` and `list` read the registry only; they call no WeChat API.

use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use wxgate_api::endpoint::user::info::batchget;
use wxgate_api::endpoint::user::{UserInfo, get};
use wxgate_store::registry::{
    Follower, FollowerFilter, FollowerProfile, MAX_PAGE, SyncProgress, qr_scene_text,
};

use crate::account::{Account, AccountArgs};

/// `wxgate followers ...`
#[derive(Debug, clap::Subcommand)]
pub(crate) enum FollowersCommand {
    /// Import every follower from WeChat (user/get, user/info/batchget) into the registry;
    /// resumes an interrupted import.
    Sync {
        #[command(flatten)]
        account: AccountArgs,
        /// Forget an interrupted import's progress and start from the first follower.
        #[arg(long)]
        restart: bool,
    },
    /// Show one follower as the registry keeps it, with the follows and scans recorded.
    Get {
        #[command(flatten)]
        account: AccountArgs,
        /// The follower's OpenID.
        openid: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List the registry's followers, in the order they were first seen.
    List {
        #[command(flatten)]
        account: AccountArgs,
        /// Only followers whose (latest) QR scene is this.
        #[arg(long)]
        scene: Option<String>,
        /// Only followers with this tag id.
        #[arg(long)]
        tag: Option<u32>,
        /// Only followers who follow now (true) or who unfollowed (false).
        #[arg(long, value_name = "true|false")]
        subscribed: Option<bool>,
        /// Print one JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) async fn run(command: FollowersCommand) -> anyhow::Result<ExitCode> {
    match command {
        FollowersCommand::Sync { account, restart } => {
            let opened = account.open().await?;
            sync(&opened, &account.account, restart).await
        }
        FollowersCommand::Get {
            account,
            openid,
            json,
        } => {
            let opened = account.open().await?;
            let id = &account.account;
            let follower = opened
                .registry
                .follower(id, &openid)
                .await
                .context("registry")?
                .with_context(|| {
                    format!(
                        "no follower {openid:?} in the registry of account {id:?} \
                         (`wxgate followers sync {id}` imports them all)"
                    )
                })?;
            let events = opened
                .registry
                .follower_events(id, &openid)
                .await
                .context("registry")?;
            if json {
                let mut value = follower_json(&follower);
                value["events"] = events
                    .iter()
                    .map(|event| {
                        json!({
                            "kind": format!("{:?}", event.kind).to_lowercase(),
                            "scene": event.scene,
                            "create_time": event.create_time,
                            "recorded_at_ms": event.recorded_at_ms,
                        })
                    })
                    .collect();
                println!("{value}");
            } else {
                print_follower(&follower);
                for event in &events {
                    let scene = event
                        .scene
                        .as_deref()
                        .map(|scene| format!(" through {}", printable(scene)))
                        .unwrap_or_default();
                    println!(
                        "event:        {:?}{scene} at {} (Unix time)",
                        event.kind, event.create_time
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        FollowersCommand::List {
            account,
            scene,
            tag,
            subscribed,
            json,
        } => {
            let opened = account.open().await?;
            let filter = FollowerFilter {
                tag,
                scene,
                subscribed,
            };
            list(&opened, &account.account, &filter, json).await
        }
    }
}

/// Where the progress goes: a bar on a terminal, a line a second otherwise.
enum Progress {
    Bar(ProgressBar),
    Lines { last: Option<Instant> },
}

impl Progress {
    fn new(resumed_from: u64) -> Self {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} followers ({per_sec}, {eta} left)",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_position(resumed_from);
            bar.reset_eta();
            Self::Bar(bar)
        } else {
            Self::Lines { last: None }
        }
    }

    fn total(&mut self, total: u64) {
        if let Self::Bar(bar) = self {
            bar.set_length(total);
        }
    }

    fn update(&mut self, imported: u64, total: Option<u64>) {
        match self {
            Self::Bar(bar) => bar.set_position(imported),
            Self::Lines { last } => {
                if last.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
                    *last = Some(Instant::now());
                    match total {
                        Some(total) => eprintln!("imported {imported} of {total} followers"),
                        None => eprintln!("imported {imported} followers"),
                    }
                }
            }
        }
    }

    fn finish(&self) {
        if let Self::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

async fn sync(account: &Account, id: &str, restart: bool) -> anyhow::Result<ExitCode> {
    let registry = &account.registry;
    let credentials = &account.credentials;
    if restart && registry.clear_sync_progress(id).await.context("registry")? {
        eprintln!("starting over: the interrupted import's progress is forgotten");
    }
    let saved = registry.load_sync_progress(id).await.context("registry")?;
    let resumed_from = saved.as_ref().map_or(0, |saved| saved.imported);
    let mut cursor = saved.map(|saved| saved.cursor).unwrap_or_default();
    if !cursor.is_empty() {
        eprintln!(
            "resuming an interrupted import: {resumed_from} followers imported before, \
             continuing after {cursor} (--restart starts over)"
        );
    }
    let started = Instant::now();
    let mut imported = resumed_from;
    let mut total = None;
    let mut progress = Progress::new(resumed_from);
    loop {
        let page = credentials
            .call(&get::Request::new().next_openid(cursor.as_str()))
            .await
            .context("user/get")?;
        if let Some(all) = page.total {
            total = Some(all);
            progress.total(all);
        }
        if page.openids.is_empty() {
            break;
        }
        for batch in page.openids.chunks(batchget::MAX_USERS) {
            let infos = batchget::infos(batch.iter().cloned(), None, |request| async move {
                credentials.call(&request).await
            })
            .await
            .context("user/info/batchget")?;
            for info in &infos {
                registry
                    .upsert_follower(id, &profile(info))
                    .await
                    .context("registry")?;
            }
            imported += u64::try_from(infos.len()).unwrap_or(u64::MAX);
            if let Some(last) = batch.last() {
                last.as_str().clone_into(&mut cursor);
            }
            registry
                .save_sync_progress(
                    id,
                    &SyncProgress {
                        cursor: cursor.clone(),
                        imported,
                    },
                )
                .await
                .context("registry: saving the import's progress")?;
            progress.update(imported, total);
        }
        if page.next_openid.is_empty() {
            break;
        }
        cursor = page.next_openid;
    }
    progress.finish();
    registry.clear_sync_progress(id).await.context("registry")?;
    let following = registry
        .count_followers(
            id,
            &FollowerFilter {
                subscribed: Some(true),
                ..FollowerFilter::default()
            },
        )
        .await
        .context("registry")?;
    let resumed = if resumed_from > 0 {
        format!(", {resumed_from} of them before the interruption")
    } else {
        String::new()
    };
    println!(
        "{id}: imported {imported} followers{resumed}, {} in this run ({:.1} s); the registry has {following} following",
        imported - resumed_from,
        started.elapsed().as_secs_f64(),
    );
    Ok(ExitCode::SUCCESS)
}

/// A profile from `user/info/batchget` as the registry takes it.
fn profile(info: &UserInfo) -> FollowerProfile {
    FollowerProfile {
        openid: info.openid.to_string(),
        unionid: info.unionid.clone().filter(|unionid| !unionid.is_empty()),
        subscribed: info.subscribe,
        subscribe_time: info
            .subscribe_time
            .and_then(|time| i64::try_from(time).ok()),
        subscribe_scene: info
            .subscribe_scene
            .clone()
            .filter(|scene| !scene.is_empty()),
        qr_scene: qr_scene_text(
            info.qr_scene.unwrap_or(0),
            info.qr_scene_str.as_deref().unwrap_or(""),
        ),
        tags: info.tagid_list.clone(),
        remark: info.remark.clone(),
    }
}

async fn list(
    account: &Account,
    id: &str,
    filter: &FollowerFilter,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let mut cursor: Option<String> = None;
    if !json {
        println!(
            "{:<32} {:<9} {:<20} {:<12} {:<10} REMARK",
            "OPENID", "FOLLOWING", "SCENE", "TAGS", "SINCE"
        );
    }
    let mut count = 0_u64;
    loop {
        let page = account
            .registry
            .list_followers(id, filter, cursor.as_deref(), MAX_PAGE)
            .await
            .context("registry")?;
        for follower in &page.followers {
            count += 1;
            if json {
                println!("{}", follower_json(follower));
            } else {
                let tags: Vec<String> = follower.tags.iter().map(u32::to_string).collect();
                println!(
                    "{:<32} {:<9} {:<20} {:<12} {:<10} {}",
                    printable(&follower.openid),
                    if follower.subscribed { "yes" } else { "no" },
                    printable(follower.qr_scene.as_deref().unwrap_or("-")),
                    if tags.is_empty() {
                        "-".to_owned()
                    } else {
                        tags.join(",")
                    },
                    follower
                        .subscribe_time
                        .map_or_else(|| "-".to_owned(), |time| time.to_string()),
                    printable(&follower.remark),
                );
            }
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    if !json {
        eprintln!("{count} follower(s)");
    }
    Ok(ExitCode::SUCCESS)
}

/// A follower as JSON.
fn follower_json(follower: &Follower) -> serde_json::Value {
    json!({
        "openid": follower.openid,
        "unionid": follower.unionid,
        "subscribed": follower.subscribed,
        "subscribe_time": follower.subscribe_time,
        "subscribe_scene": follower.subscribe_scene,
        "qr_scene": follower.qr_scene,
        "tags": follower.tags,
        "remark": follower.remark,
        "first_seen_ms": follower.first_seen_ms,
        "updated_at_ms": follower.updated_at_ms,
        "unsubscribed_at_ms": follower.unsubscribed_at_ms,
    })
}

fn print_follower(follower: &Follower) {
    println!("openid:       {}", printable(&follower.openid));
    println!(
        "following:    {}",
        if follower.subscribed { "yes" } else { "no" }
    );
    if let Some(time) = follower.subscribe_time {
        println!("since:        {time} (Unix time)");
    }
    if let Some(scene) = &follower.subscribe_scene {
        println!("how:          {}", printable(scene));
    }
    if let Some(scene) = &follower.qr_scene {
        println!("qr scene:     {}", printable(scene));
    }
    if let Some(unionid) = &follower.unionid {
        println!("unionid:      {}", printable(unionid));
    }
    if !follower.tags.is_empty() {
        let tags: Vec<String> = follower.tags.iter().map(u32::to_string).collect();
        println!("tags:         {}", tags.join(","));
    }
    if !follower.remark.is_empty() {
        println!("remark:       {}", printable(&follower.remark));
    }
    if let Some(ms) = follower.unsubscribed_at_ms {
        println!("unfollowed:   {ms} (Unix ms)");
    }
    println!("first seen:   {} (Unix ms)", follower.first_seen_ms);
}

/// Text from WeChat or a scene, with control characters (which could rewrite the terminal)
/// shown as `\u{…}` escapes.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(printable("桌 7"), "桌 7");
        assert_eq!(printable("a\x1b[2Jb\n"), "a\\u{1b}[2Jb\\n");
    }

    #[test]
    fn profiles_keep_the_qr_scene_and_drop_empty_fields() {
        let info: UserInfo = serde_json::from_value(json!({
            "subscribe": 1, "openid": "o1", "subscribe_time": 1_700_000_000,
            "unionid": "", "remark": "vip", "groupid": 0, "tagid_list": [2, 7],
            "subscribe_scene": "ADD_SCENE_QR_CODE", "qr_scene": 0, "qr_scene_str": "table-7"
        }))
        .unwrap();
        let profile = profile(&info);
        assert_eq!(profile.qr_scene.as_deref(), Some("table-7"));
        assert_eq!(profile.unionid, None);
        assert_eq!(profile.tags, [2, 7]);
        assert!(profile.subscribed);
        assert_eq!(profile.subscribe_time, Some(1_700_000_000));
    }
}
