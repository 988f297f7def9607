//! Writes N distinct, correctly signed text-message pushes for wrk to replay, one per line:
//! `PATH<TAB>BODY` (bodies contain no tabs or newlines).
//!
//! Usage: `gen-requests plaintext|safe ACCOUNT TOKEN AES_KEY APP_ID N [FIRST] > file`
//!
//! Messages are numbered FIRST, FIRST+1, … (FIRST defaults to 0), so files made with
//! different FIRSTs hold different messages.

use std::io::{BufWriter, Write as _};
use std::time::{SystemTime, UNIX_EPOCH};

use wxgate_proto::crypto::{AesKey, MessageCrypt};
use wxgate_proto::envelope::RequestEnvelope;
use wxgate_proto::signature;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (mode, account, token, key, app_id, n, first) = match args.as_slice() {
        [_, mode, account, token, key, app_id, n] => (mode, account, token, key, app_id, n, "0"),
        [_, mode, account, token, key, app_id, n, first] => {
            (mode, account, token, key, app_id, n, first.as_str())
        }
        _ => {
            eprintln!("usage: gen-requests plaintext|safe ACCOUNT TOKEN AES_KEY APP_ID N [FIRST]");
            std::process::exit(2);
        }
    };
    let n: u64 = n.parse().expect("N is a number");
    let first: u64 = first.parse().expect("FIRST is a number");
    let crypt = MessageCrypt::new(
        token.as_str(),
        AesKey::parse(key).expect("a 43-character key"),
        app_id.as_str(),
    );
    let ts = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
        .to_string();
    let mut out = BufWriter::new(std::io::stdout().lock());
    for i in first..first + n {
        // One nonce (so one signature) per message, as from WeChat: the gateway refuses a
        // signature it has seen with another body.
        let nonce = (1_000_000 + i).to_string();
        let sig = signature::sign(&[token, &ts, &nonce]);
        let xml = format!(
            "<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[o_bench_user]]></FromUserName><CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><MsgId>{}</MsgId></xml>",
            7_000_000_000_000_000_000u64 + i
        );
        let base = format!(
            "/wechat/{account}?signature={sig}&timestamp={ts}&nonce={nonce}&openid=o_bench_user"
        );
        if mode == "safe" {
            let mut random = [0u8; 16];
            random[..8].copy_from_slice(&i.to_be_bytes());
            let encrypt = crypt.encrypt(xml.as_bytes(), random);
            let msg_sig = crypt.msg_signature(&ts, &nonce, &encrypt);
            writeln!(
                out,
                "{base}&encrypt_type=aes&msg_signature={msg_sig}\t{}",
                RequestEnvelope::safe_body("gh_bench", &encrypt)
            )?;
        } else {
            writeln!(out, "{base}\t{xml}")?;
        }
    }
    out.flush()
}
