//! `wxgate followers sync|get|list` against a sandbox process whose `user/get` pages hold 100
//! followers: an import of 250 followers, resumption after progress saved by hand and after a
//! sync killed mid-way, and reading the registry back.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wxgate_store::registry::{self, FollowerFilter, FollowerProfile, Registry, SyncProgress};

use crate::account::SandboxAccount;

const APP: &str = "wxf0110e75c0ffee01";
const FOLLOWERS: usize = 250;

/// The sandbox with [`FOLLOWERS`] followers (in follow order; the first follows through the
/// QR scene `table-7`) and one user who does not follow.
async fn sandbox() -> (SandboxAccount, Vec<String>) {
    let s = SandboxAccount::start_with(APP, "main", &["--user-page-size", "100"]).await;
    let qr: Value =
        serde_json::from_str(&s.ok(&["qr", "create", "main", "--scene", "table-7", "--json"]))
            .unwrap();
    let ticket = qr["ticket"].as_str().unwrap();
    let mut openids = Vec::new();
    for n in 0..FOLLOWERS {
        let user = s.control("/users", json!({})).await;
        let openid = user["openid"].as_str().unwrap().to_owned();
        let follow = if n == 0 {
            json!({"type": "scan", "ticket": ticket})
        } else {
            json!({"type": "follow"})
        };
        s.control(&format!("/users/{openid}/actions"), follow).await;
        openids.push(openid);
    }
    s.user(false).await;
    (s, openids)
}

/// The registry the configuration names: the SQLite store's own file.
async fn registry_of(s: &SandboxAccount) -> std::sync::Arc<dyn Registry> {
    registry::open(&format!("sqlite://{}/state.db", s.dir.path().display()))
        .await
        .unwrap()
}

async fn count(registry: &dyn Registry) -> u64 {
    registry
        .count_followers("main", &FollowerFilter::default())
        .await
        .unwrap()
}

fn calls(calls: &Value, path: &str) -> u64 {
    calls[path].as_u64().unwrap_or(0)
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_resumes_where_its_saved_progress_says_and_restart_starts_over() {
    let (s, openids) = sandbox().await;
    let tag = s.ok(&["tags", "create", "main", "vip"]);
    let tag = tag.trim().rsplit(' ').next().unwrap().to_owned();
    s.ok(&["tags", "tag", "main", &tag, &openids[0], &openids[249]]);
    let registry = registry_of(&s).await;
    // An earlier import that stopped after the first 100 followers.
    registry
        .save_sync_progress(
            "main",
            &SyncProgress {
                cursor: openids[99].clone(),
                imported: 100,
            },
        )
        .await
        .unwrap();
    let before = s.calls().await;
    let output = s.run(&["followers", "sync", "main"]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("resuming"), "{stderr}");
    assert!(
        stdout.contains(
            "imported 250 followers, 100 of them before the interruption, 150 in this run"
        ),
        "{stdout}"
    );
    // Only the followers after the cursor were fetched: 2 pages and an empty one, 2 batches.
    let after = s.calls().await;
    assert_eq!(
        calls(&after, "cgi-bin/user/info/batchget") - calls(&before, "cgi-bin/user/info/batchget"),
        2
    );
    assert_eq!(
        calls(&after, "cgi-bin/user/get") - calls(&before, "cgi-bin/user/get"),
        3
    );
    assert_eq!(count(&*registry).await, 150);
    assert!(
        registry
            .follower("main", &openids[99])
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        registry
            .follower("main", &openids[100])
            .await
            .unwrap()
            .is_some()
    );
    assert!(registry.load_sync_progress("main").await.unwrap().is_none());

    // Another progress saved, then --restart: everything from the first follower.
    registry
        .save_sync_progress(
            "main",
            &SyncProgress {
                cursor: openids[199].clone(),
                imported: 200,
            },
        )
        .await
        .unwrap();
    let stdout = s.ok(&["followers", "sync", "main", "--restart"]);
    assert!(
        stdout.contains("imported 250 followers, 250 in this run"),
        "{stdout}"
    );
    assert_eq!(count(&*registry).await, 250);

    // get: the profile from user/info/batchget, with its scene and tags.
    let first: Value =
        serde_json::from_str(&s.ok(&["followers", "get", "main", &openids[0], "--json"])).unwrap();
    assert_eq!(first["openid"], openids[0].as_str());
    assert_eq!(first["subscribed"], true);
    assert_eq!(first["qr_scene"], "table-7");
    assert_eq!(first["tags"], json!([tag.parse::<u32>().unwrap()]));
    let text = s.ok(&["followers", "get", "main", &openids[1]]);
    assert!(
        text.contains(&openids[1]) && text.contains("following:    yes"),
        "{text}"
    );
    let missing = s.run(&["followers", "get", "main", "o-not-a-follower"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("followers sync"));

    // list: every follower in follow order, and the filters.
    let all = json_lines(&s.ok(&["followers", "list", "main", "--json"]));
    let listed: Vec<&str> = all.iter().map(|f| f["openid"].as_str().unwrap()).collect();
    let mut expected: Vec<&str> = openids.iter().map(String::as_str).collect();
    // The resumed run saw 101..250 first, the restart added 1..100 after them.
    expected.rotate_left(100);
    assert_eq!(listed, expected);
    let tagged = json_lines(&s.ok(&["followers", "list", "main", "--tag", &tag, "--json"]));
    assert_eq!(tagged.len(), 2);
    let scene = json_lines(&s.ok(&["followers", "list", "main", "--scene", "table-7", "--json"]));
    assert_eq!(scene.len(), 1);
    assert_eq!(scene[0]["openid"], openids[0].as_str());
    // A follower the registry knows to have left.
    registry
        .upsert_follower(
            "main",
            &FollowerProfile {
                openid: openids[5].clone(),
                subscribed: false,
                ..FollowerProfile::default()
            },
        )
        .await
        .unwrap();
    let gone = json_lines(&s.ok(&[
        "followers",
        "list",
        "main",
        "--subscribed",
        "false",
        "--json",
    ]));
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0]["openid"], openids[5].as_str());
    let table = s.ok(&["followers", "list", "main", "--subscribed", "true"]);
    assert_eq!(table.lines().count(), 1 + 249, "a header and 249 rows");
    assert!(table.starts_with("OPENID"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_sync_resumes_after_its_last_saved_batch() {
    let (s, _openids) = sandbox().await;
    // Slow batches, so that the sync can be killed between two of them.
    s.fault(json!({"path": "cgi-bin/user/info/batchget", "delay_ms": 1500, "times": 3}))
        .await;
    let registry = registry_of(&s).await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_wxgate"))
        .args(["followers", "sync", "main", "--config", &s.config])
        .env("WXGATE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let saved = loop {
        if let Some(progress) = registry.load_sync_progress("main").await.unwrap() {
            break progress;
        }
        assert!(Instant::now() < deadline, "no progress saved");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    child.kill().unwrap();
    child.wait().unwrap();
    // Killed after one or two batches: what is saved is what the registry holds.
    let saved = registry
        .load_sync_progress("main")
        .await
        .unwrap()
        .unwrap_or(saved);
    assert!(saved.imported == 100 || saved.imported == 200, "{saved:?}");
    assert_eq!(count(&*registry).await, saved.imported);

    let output = s.run(&["followers", "sync", "main"]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!(
            "imported 250 followers, {} of them before the interruption, {} in this run",
            saved.imported,
            250 - saved.imported
        )),
        "{stdout}"
    );
    assert_eq!(count(&*registry).await, 250);
    assert!(registry.load_sync_progress("main").await.unwrap().is_none());
}
