//! Starting `wxgate` subcommands and finding the address they listen on.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `wxgate` process, killed on drop.
pub(crate) struct Wxgate {
    child: Child,
    pub(crate) base: String,
}

impl Drop for Wxgate {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Wxgate {
    /// The process id, e.g. to read its `/proc/<pid>/status`.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// Starts `wxgate ARGS` and waits for its "listening on http://…" line.
pub(crate) fn start(args: &[&str]) -> Wxgate {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wxgate"))
        .args(args)
        .env("WXGATE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("wxgate starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(at) = line.find("listening on http://") {
                let _ = tx.send(line[at + "listening on ".len()..].trim().to_owned());
            }
        }
    });
    let base = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("wxgate printed its address");
    Wxgate { child, base }
}

/// Runs `wxgate ARGS` to completion.
pub(crate) fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wxgate"))
        .args(args)
        .env("WXGATE_LOG", "warn")
        .output()
        .expect("wxgate runs")
}

/// Unix seconds now, for signing pushes.
pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The resident set size of a process, from `/proc/<pid>/status`, in KiB (Linux only).
pub(crate) fn vm_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}
