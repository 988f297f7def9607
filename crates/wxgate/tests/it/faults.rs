//! The release binary under abuse: memory stays bounded when pushes carry huge header fields.

use wxgate_proto::signature;

use crate::process::{now, start, vm_rss_kib};

/// Issue 13, item 3: 300 plaintext pushes with a 900 KB `FromUserName` keep the process under
/// 100 MB of RSS (they are refused with 400 and nothing of them is remembered).
#[tokio::test]
async fn oversized_from_user_names_keep_rss_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("wxgate.toml");
    std::fs::write(
        &config,
        r#"
[server]
listen = "127.0.0.1:0"
max_body_bytes = 2000000
[storage]
url = "memory://"
[[accounts]]
id = "main"
app_id = "wxe2e0000000000002"
token = "rsstoken"
mode = "plaintext"
[[accounts.replies]]
keyword = "hello"
text = "hi"
"#,
    )
    .unwrap();
    let gateway = start(&["serve", "--config", &config.display().to_string()]);
    let Some(before) = vm_rss_kib(gateway.pid()) else {
        eprintln!("skipped: no /proc/<pid>/status on this system");
        return;
    };
    let http = reqwest::Client::new();
    let huge = "o".repeat(900 * 1024);
    let mut statuses = std::collections::BTreeMap::new();
    for i in 0..300u64 {
        let ts = now().to_string();
        let nonce = format!("n{i}");
        let url = format!(
            "{}/wechat/main?signature={}&timestamp={ts}&nonce={nonce}",
            gateway.base,
            signature::sign(&["rsstoken", &ts, &nonce])
        );
        let body = format!(
            "<xml><ToUserName><![CDATA[gh_rss]]></ToUserName><FromUserName><![CDATA[{huge}]]></FromUserName><CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><MsgId>{}</MsgId></xml>",
            70_000 + i
        );
        let status = http.post(url).body(body).send().await.unwrap().status();
        *statuses.entry(status.as_u16()).or_insert(0u32) += 1;
    }
    let after = vm_rss_kib(gateway.pid()).expect("the process is still running");
    eprintln!(
        "300 pushes with a 900 KB FromUserName: statuses {statuses:?}; RSS {} MB -> {} MB",
        before / 1024,
        after / 1024
    );
    assert_eq!(statuses.get(&400), Some(&300), "{statuses:?}");
    assert!(after < 100 * 1024, "RSS grew to {} MB", after / 1024);
}
