//! Every shell command in README.md, run in order against real processes.
//!
//! `cargo run --release -- X` and `wxgate X` run this build's binary. `serve`, `sandbox` and
//! `demo` are long-running: each is started, checked to come up, and kept running (replacing the
//! process on the same address) so the commands after it talk to it. The README's addresses are
//! mapped to free ports (`127.0.0.1:8080` is the gateway or demo, `127.0.0.1:9000` the sandbox,
//! `https://YOUR.HOST` the gateway); `$KEY` is the bearer key of whatever runs on the gateway's
//! address (the demo's printed key, or the `api_keys` of the README's `wxgate.toml`), `$OPENID`
//! the last `openid` a command printed and `THE_TOKEN` the last `access_token`. The README's
//! ```toml block headed `# wxgate.toml` is the configuration file. `curl` runs with
//! `--fail-with-body`, so an HTTP error fails the command; an action whose push was refused
//! (`outcome` `invalid` or `timeout`) or a WeChat `errcode` fails it too.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

const README: &str = include_str!("../../../../README.md");

/// Commands not run, and why.
const SKIPPED: &[(&str, &str)] = &[
    (
        "cargo test",
        "the test suite itself: running it from a test would recurse",
    ),
    (
        "cargo bench",
        "benchmarks run for minutes and measure speed; they check nothing",
    ),
    (
        "bench/",
        "load tests need wrk and minutes of both cores; they measure, not check",
    ),
];

#[test]
fn every_readme_command_works() {
    let mut runner = Runner::new();
    let config = toml_block(README, "# wxgate.toml").expect("a ```toml block headed # wxgate.toml");
    std::fs::write(runner.dir.path().join("wxgate.toml"), runner.map(&config)).unwrap();
    let mut ran = 0;
    let mut skipped = Vec::new();
    for command in sh_commands(README) {
        if let Some((_, why)) = SKIPPED.iter().find(|(p, _)| command.starts_with(p)) {
            skipped.push(format!("{command}  ({why})"));
            continue;
        }
        runner.run(&command);
        ran += 1;
    }
    eprintln!("skipped:\n  {}", skipped.join("\n  "));
    assert!(
        runner.failures.is_empty(),
        "{} of {ran} README commands failed:\n\n{}",
        runner.failures.len(),
        runner.failures.join("\n\n")
    );
    assert!(ran >= 20, "only {ran} commands found in README.md");
    assert!(
        runner.started.contains(&"serve") && runner.started.contains(&"sandbox"),
        "the README starts a gateway and a sandbox: {:?}",
        runner.started
    );
    assert!(runner.started.contains(&"demo"), "{:?}", runner.started);
}

/// The logical lines of every ```sh block, without comments.
fn sh_commands(readme: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut in_sh = false;
    let mut pending = String::new();
    for line in readme.lines() {
        let trimmed = line.trim_end();
        if !in_sh {
            in_sh = trimmed == "```sh";
            continue;
        }
        if trimmed == "```" {
            in_sh = false;
            continue;
        }
        let piece = if pending.is_empty() {
            trimmed
        } else {
            trimmed.trim_start()
        };
        if let Some(start) = piece.strip_suffix('\\') {
            pending.push_str(start.trim_end());
            pending.push(' ');
            continue;
        }
        pending.push_str(piece);
        let command = strip_comment(&pending).trim().to_owned();
        pending.clear();
        if !command.is_empty() {
            commands.push(command);
        }
    }
    commands
}

/// The ```toml block whose first line is `header`.
fn toml_block(readme: &str, header: &str) -> Option<String> {
    let start = readme.find(&format!("```toml\n{header}\n"))? + "```toml\n".len();
    let end = start + readme[start..].find("\n```")?;
    Some(readme[start..end].to_owned())
}

/// `line` up to a `#` that starts a comment (outside quotes, at the start or after a space).
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    let mut previous = ' ';
    for (at, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '#') if previous.is_whitespace() => return &line[..at],
            _ => {}
        }
        previous = c;
    }
    line
}

/// Splits a command into words, honouring single and double quotes (no expansions).
fn words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut in_word = false;
    for c in command.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (Some(q), _) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            _ => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

struct Server {
    child: Child,
}

impl Server {
    /// Stops the server as its user would in its terminal, with Ctrl-C (SIGINT), so that it
    /// keeps what it saves on the way out: the sandbox writes its state file then, and otherwise
    /// only 100 ms after a change, which a loaded machine can delay past a kill. Killed if it has
    /// not exited within 10 s.
    fn interrupt(mut self) {
        let interrupted = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .is_ok_and(|status| status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        while interrupted && Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Runner {
    dir: tempfile::TempDir,
    gateway_port: u16,
    sandbox_port: u16,
    servers: BTreeMap<u16, Server>,
    env: BTreeMap<String, String>,
    failures: Vec<String>,
    started: Vec<&'static str>,
}

impl Runner {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            gateway_port: free_port(),
            sandbox_port: free_port(),
            servers: BTreeMap::new(),
            env: BTreeMap::new(),
            failures: Vec::new(),
            started: Vec::new(),
        }
    }

    /// The README's addresses, moved to this run's ports.
    fn map(&self, text: &str) -> String {
        text.replace("https://YOUR.HOST", "http://127.0.0.1:8080")
            .replace(
                "127.0.0.1:8080",
                &format!("127.0.0.1:{}", self.gateway_port),
            )
            .replace(
                "127.0.0.1:9000",
                &format!("127.0.0.1:{}", self.sandbox_port),
            )
            .replace(
                "THE_TOKEN",
                self.env
                    .get("ACCESS_TOKEN")
                    .map_or("THE_TOKEN", String::as_str),
            )
    }

    fn fail(&mut self, command: &str, why: impl std::fmt::Display) {
        self.failures.push(format!("$ {command}\n{why}"));
    }

    fn run(&mut self, command: &str) {
        let mapped = self.map(command);
        let wxgate_args = mapped
            .strip_prefix("cargo run --release -- ")
            .or_else(|| mapped.strip_prefix("wxgate "))
            .map(words);
        match wxgate_args {
            Some(args) if matches!(args[0].as_str(), "serve" | "sandbox" | "demo") => {
                self.start(command, args);
            }
            Some(args) => {
                let output = Command::new(env!("CARGO_BIN_EXE_wxgate"))
                    .args(&args)
                    .current_dir(self.dir.path())
                    .env("WXGATE_LOG", "warn")
                    .output()
                    .unwrap();
                self.finish(command, &output);
            }
            None => {
                let shell = match mapped.strip_prefix("curl ") {
                    Some(rest) => format!("curl --silent --show-error --fail-with-body {rest}"),
                    None => mapped,
                };
                let output = Command::new("bash")
                    .arg("-c")
                    .arg(&shell)
                    .current_dir(self.dir.path())
                    .envs(&self.env)
                    .output()
                    .unwrap();
                self.finish(command, &output);
            }
        }
    }

    /// Checks a finished command and remembers the `openid` or `access_token` it printed.
    fn finish(&mut self, command: &str, output: &std::process::Output) {
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            self.fail(
                command,
                format!("exit {}\nstdout: {stdout}\nstderr: {stderr}", output.status),
            );
            return;
        }
        let Ok(json) = serde_json::from_str::<Value>(&stdout) else {
            return;
        };
        if let Some(outcome @ ("invalid" | "timeout")) = json["outcome"].as_str() {
            self.fail(
                command,
                format!("the push was {outcome}: {}", json["error"]),
            );
        }
        if json["errcode"].as_i64().is_some_and(|code| code != 0) {
            self.fail(command, format!("WeChat error: {json}"));
        }
        if let Some(openid) = json["openid"].as_str() {
            self.env.insert("OPENID".to_owned(), openid.to_owned());
        }
        if let Some(token) = json["access_token"].as_str() {
            self.env.insert("ACCESS_TOKEN".to_owned(), token.to_owned());
        }
    }

    /// Starts a long-running subcommand in place of whatever ran on its address.
    fn start(&mut self, command: &str, mut args: Vec<String>) {
        let kind: &'static str = match args[0].as_str() {
            "serve" => "serve",
            "sandbox" => "sandbox",
            _ => "demo",
        };
        let port = match kind {
            "sandbox" => self.sandbox_port,
            _ => self.gateway_port,
        };
        if kind != "serve" && !args.iter().any(|a| a == "--listen") {
            args.push("--listen".to_owned());
            args.push(format!("127.0.0.1:{port}"));
        }
        // A command that starts a server where one runs replaces it, as in the README's
        // restarts (the sandbox again on its state file).
        if let Some(running) = self.servers.remove(&port) {
            running.interrupt();
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_wxgate"))
            .args(&args)
            .current_dir(self.dir.path())
            .env("WXGATE_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn({
            let lines = Arc::clone(&lines);
            move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push(line);
                }
            }
        });
        let mut server = Server { child };
        // Up: it printed its address (the demo also its key), and answers on it.
        let deadline = Instant::now() + Duration::from_secs(60);
        let ready = |lines: &[String]| {
            lines.iter().any(|l| l.contains("listening on http://"))
                && (kind != "demo" || lines.iter().any(|l| l.contains("Bearer ")))
        };
        loop {
            if ready(&lines.lock().unwrap()) {
                break;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                let printed = lines.lock().unwrap().join("\n");
                self.fail(
                    command,
                    format!("exited ({status}) before serving:\n{printed}"),
                );
                return;
            }
            if Instant::now() > deadline {
                let printed = lines.lock().unwrap().join("\n");
                self.fail(command, format!("did not come up within 60 s:\n{printed}"));
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let probe = match kind {
            "sandbox" => "/sandbox/clock",
            _ => "/healthz",
        };
        let up = Command::new("curl")
            .args([
                "--silent",
                "--fail",
                &format!("http://127.0.0.1:{port}{probe}"),
            ])
            .output()
            .unwrap();
        if !up.status.success() {
            self.fail(command, format!("GET {probe} failed"));
            return;
        }
        if port == self.gateway_port {
            let key = match kind {
                "demo" => lines.lock().unwrap().iter().find_map(|l| demo_key(l)),
                _ => config_key(&self.dir.path().join("wxgate.toml")),
            };
            match key {
                Some(key) => {
                    self.env.insert("KEY".to_owned(), key);
                }
                None => self.fail(command, "no bearer key found"),
            }
        }
        self.started.push(kind);
        self.servers.insert(port, server);
    }
}

/// The key in the demo's `curl -H 'Authorization: Bearer KEY' …` line.
fn demo_key(line: &str) -> Option<String> {
    let rest = &line[line.find("Bearer ")? + "Bearer ".len()..];
    Some(rest[..rest.find('\'')?].to_owned())
}

/// The first of `api_keys = ["…"]` in a config file.
fn config_key(path: &Path) -> Option<String> {
    let config = std::fs::read_to_string(path).ok()?;
    let rest = &config[config.find("api_keys = [\"")? + "api_keys = [\"".len()..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// A free port below Linux's ephemeral range (32768–60999), so that no other test's
/// `bind(127.0.0.1:0)` can take it between this check and the server's own bind.
fn free_port() -> u16 {
    let seed = std::process::id()
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
    let start = 20_000 + seed % 12_000;
    (start..32_000)
        .chain(20_000..start)
        .map(|port| u16::try_from(port).unwrap())
        .find(|port| std::net::TcpListener::bind(("127.0.0.1", *port)).is_ok())
        .expect("a free port")
}

#[test]
fn the_parser_reads_commands_as_a_shell_would() {
    assert_eq!(
        strip_comment(r##"curl -d '{"a": "#1"}' http://x/y   # a comment"##).trim(),
        r##"curl -d '{"a": "#1"}' http://x/y"##
    );
    assert_eq!(strip_comment("# only a comment"), "");
    assert_eq!(
        words(r#"demo --data-dir "my dir" -d '{"x": 1}'"#),
        ["demo", "--data-dir", "my dir", "-d", r#"{"x": 1}"#]
    );
    let readme = "text\n```sh\nwxgate a \\\n  --b c   # why\n\n# note\nwxgate d\n```\n```toml\n# f.toml\nx = 1\n```\n";
    assert_eq!(sh_commands(readme), ["wxgate a --b c", "wxgate d"]);
    assert_eq!(
        toml_block(readme, "# f.toml").as_deref(),
        Some("# f.toml\nx = 1")
    );
    assert_eq!(
        demo_key("  central token API:   curl -H 'Authorization: Bearer demo-abc' http://x"),
        Some("demo-abc".to_owned())
    );
}
