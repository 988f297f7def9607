//! `wxgate`: the gateway, the sandbox and the demo, from one binary.

mod account;
mod call;
mod component;
#[cfg(feature = "sandbox")]
mod demo;
mod followers;
mod menu;
mod qr;
mod quota;
mod tags;
mod users;
mod webhooks;

/// mimalloc: the callback path allocates per request, and glibc malloc was a third of its CPU
/// under load (perf, bench/callback.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::ffi::OsString;
use std::io::IsTerminal as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use wxgate_server::{Config, Gateway};

use crate::account::AccountArgs;

/// WeChat Official Account gateway, central token server and local WeChat sandbox.
#[derive(Debug, Parser)]
#[command(name = "wxgate", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the gateway: WeChat callbacks and the /v1 token API.
    Serve {
        /// The configuration file.
        #[arg(long, short, default_value = "wxgate.toml", env = "WXGATE_CONFIG")]
        config: PathBuf,
    },
    /// Check a configuration file; print every problem with its field and line.
    CheckConfig {
        /// The configuration file.
        file: PathBuf,
    },
    /// Read credentials through the central token server's store (no second token fetcher).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Parametric QR codes of an account.
    Qr {
        #[command(subcommand)]
        command: qr::QrCommand,
    },
    /// An account's followers and their profiles.
    Users {
        #[command(subcommand)]
        command: users::UsersCommand,
    },
    /// An account's followers as the registry keeps them: import them all from WeChat
    /// (resumable), or read them.
    Followers {
        #[command(subcommand)]
        command: followers::FollowersCommand,
    },
    /// An account's user tags.
    Tags {
        #[command(subcommand)]
        command: tags::TagsCommand,
    },
    /// Push, pull, compare or delete an account's custom menus.
    Menu {
        #[command(subcommand)]
        command: menu::MenuCommand,
    },
    /// An account's daily API quotas: show them, or reset them.
    Quota {
        #[command(subcommand)]
        command: quota::QuotaCommand,
    },
    /// Dead letters of an account's async webhooks: list them, or queue them again.
    Webhooks {
        #[command(subcommand)]
        command: webhooks::WebhooksCommand,
    },
    /// A third-party platform's authorizers: list them, or refresh one's token now.
    Component {
        #[command(subcommand)]
        command: component::ComponentCommand,
    },
    /// Call any WeChat API with the account's access token, like curl (GET, or POST with
    /// --data); a rejected token is refreshed once.
    Call(call::CallArgs),
    /// Run the WeChat sandbox alone.
    #[cfg(feature = "sandbox")]
    Sandbox {
        /// Listen address.
        #[arg(long, default_value = "127.0.0.1:9000")]
        listen: SocketAddr,
        /// Seed for deterministic tokens, ids and ciphertexts.
        #[arg(long)]
        seed: Option<u64>,
        /// Keep the sandbox's state in this JSON file across restarts.
        #[arg(long)]
        state_file: Option<PathBuf>,
        /// Page size of `user/get` and `user/tag/get` (WeChat's: 10000); lower it to try
        /// paging with few users.
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        user_page_size: u32,
    },
    /// Run the sandbox and the gateway together, wired to a demo account.
    #[cfg(feature = "sandbox")]
    Demo {
        /// Listen address for both.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Keep the demo's state here (account secrets and API key, the sandbox's users,
        /// conversations and clock, the gateway's SQLite store) and reuse it on the next start.
        /// Default: a temporary directory, deleted on exit.
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Print an account's current access_token as JSON, fetching it only if none is stored.
    Get {
        #[command(flatten)]
        account: AccountArgs,
        /// Refresh if the stored token is still this one (it failed with 40001/40014/42001).
        #[arg(long)]
        stale: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", describe(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes joined by ": ", leaving out a cause whose text the message before
/// it already contains: errors such as `GatewayError::Store` show their source in their own
/// message, and `{:#}` would print it twice.
fn describe(error: &anyhow::Error) -> String {
    let mut out = error.to_string();
    let mut previous = out.clone();
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if !previous.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        previous = text;
    }
    out
}

async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { config } => {
            let config =
                Config::load(&config).map_err(|e| anyhow::anyhow!("{}:\n{e}", config.display()))?;
            let listen: SocketAddr = config.server.listen.parse().context("server.listen")?;
            let gateway = Gateway::builder(config).build().await?;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            println!("wxgate listening on http://{}", listener.local_addr()?);
            wxgate_server::serve(&gateway, listener).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::CheckConfig { file } => match Config::load(&file) {
            Ok(config) => {
                println!(
                    "{}: ok ({} account(s))",
                    file.display(),
                    config.accounts.len()
                );
                // Advice, not errors: the configuration is usable as it is.
                for warning in config.warnings() {
                    println!(
                        "{}: warning: {}: {}",
                        file.display(),
                        warning.path,
                        warning.message
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                // FILE[:LINE]: [field: ]what is wrong. A problem with no field is about the
                // file as a whole (it cannot be read), which is already named in front.
                for problem in &e.0 {
                    let mut out = file.display().to_string();
                    if let Some(line) = problem.line {
                        out.push_str(&format!(":{line}"));
                    }
                    if !problem.path.is_empty() {
                        out.push_str(&format!(": {}", problem.path));
                    }
                    println!("{out}: {}", problem.message);
                }
                Ok(ExitCode::from(2))
            }
        },
        Command::Token {
            command: TokenCommand::Get { account, stale },
        } => {
            let account = account.open().await?;
            let credentials = &account.credentials;
            let token = match stale {
                Some(stale) => credentials.refresh_access_token(Some(&stale)).await?,
                None => credentials.access_token().await?,
            };
            println!(
                "{}",
                serde_json::json!({"access_token": token.token, "expires_at": token.expires_at})
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Qr { command } => qr::run(command).await,
        Command::Users { command } => users::run(command).await,
        Command::Tags { command } => tags::run(command).await,
        Command::Followers { command } => followers::run(command).await,
        Command::Menu { command } => menu::run(command).await,
        Command::Quota { command } => quota::run(command).await,
        Command::Webhooks { command } => webhooks::run(command).await,
        Command::Component { command } => component::run(command).await,
        Command::Call(args) => call::run(args).await,
        #[cfg(feature = "sandbox")]
        Command::Sandbox {
            listen,
            seed,
            state_file,
            user_page_size,
        } => {
            let config = wxgate_sandbox::SandboxConfig {
                seed,
                state_file,
                user_page_size: usize::try_from(user_page_size).unwrap_or(10_000),
                ..Default::default()
            };
            let sandbox = wxgate_sandbox::Sandbox::new(config)?;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            let addr = listener.local_addr()?;
            println!("wxgate sandbox listening on http://{addr}");
            println!("console: http://{addr}/sandbox/console");
            tokio::select! {
                served = wxgate_sandbox::serve(sandbox.clone(), listener) => served?,
                _ = tokio::signal::ctrl_c() => {}
            }
            sandbox.save()?;
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "sandbox")]
        Command::Demo { listen, data_dir } => {
            demo::run(listen, data_dir).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("WXGATE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(use_colour(
            std::io::stderr().is_terminal(),
            std::env::var_os("NO_COLOR"),
        ))
        .init();
}

/// Colour codes are for a person at a terminal: not for logs sent to a file, a pipe or a
/// journal, and not when `NO_COLOR` is set to anything but the empty string (no-color.org).
fn use_colour(stderr_is_terminal: bool, no_color: Option<OsString>) -> bool {
    stderr_is_terminal && no_color.is_none_or(|value| value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(use_colour(true, None));
        assert!(use_colour(true, Some(OsString::new())));
        assert!(!use_colour(true, Some(OsString::from("1"))));
        assert!(!use_colour(false, None));
        assert!(!use_colour(false, Some(OsString::from("1"))));
    }
}
