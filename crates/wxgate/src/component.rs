//! `wxgate component authorizers|refresh COMPONENT`: the accounts that authorized a
//! third-party platform, and refreshing one's access token now, through the gateway's store
//! (so the command never becomes a second token fetcher).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use wxgate_server::api::{ComponentCredentials, ErrorKind};
use wxgate_server::{Config, Gateway};

/// `COMPONENT [--config FILE]`.
#[derive(Debug, clap::Args)]
pub(crate) struct ComponentArgs {
    /// The component id in the configuration (`[[components]] id`).
    component: String,
    /// The configuration file.
    #[arg(long, short, default_value = "wxgate.toml", env = "WXGATE_CONFIG")]
    config: PathBuf,
}

/// `wxgate component ...`
#[derive(Debug, clap::Subcommand)]
pub(crate) enum ComponentCommand {
    /// List the accounts that authorized the component: AppID, permission sets, when, and
    /// whether it must authorize again.
    Authorizers {
        #[command(flatten)]
        component: ComponentArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Refresh an authorizer's access token now (its refresh token rotates); prints when the
    /// new token expires.
    Refresh {
        #[command(flatten)]
        component: ComponentArgs,
        /// The authorizer's AppID.
        app_id: String,
    },
}

/// The component's credentials, with the gateway that keeps them.
async fn open(args: &ComponentArgs) -> anyhow::Result<(Gateway, ComponentCredentials)> {
    let config = Config::load(&args.config)
        .map_err(|e| anyhow::anyhow!("{}:\n{e}", args.config.display()))?;
    let gateway = Gateway::builder(config).build().await?;
    let credentials = gateway
        .component(&args.component)
        .with_context(|| format!("no component {:?} in the configuration", args.component))?
        .clone();
    Ok((gateway, credentials))
}

pub(crate) async fn run(command: ComponentCommand) -> anyhow::Result<ExitCode> {
    match command {
        ComponentCommand::Authorizers { component, json } => {
            let (_gateway, credentials) = open(&component).await?;
            let mut authorizers = Vec::new();
            for app_id in credentials.authorizers().await? {
                if let Some(authorizer) = credentials.authorizer(app_id.as_str()).await? {
                    authorizers.push(authorizer);
                }
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&authorizers)?);
            } else if authorizers.is_empty() {
                println!("no authorizers");
            } else {
                for a in &authorizers {
                    let scopes: Vec<String> =
                        a.func_scope_ids.iter().map(ToString::to_string).collect();
                    println!(
                        "{}\tscopes {}\tauthorized_at {}\t{}",
                        a.app_id,
                        scopes.join(","),
                        a.authorized_at,
                        if a.needs_reauthorization {
                            "must authorize again"
                        } else {
                            "ok"
                        }
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ComponentCommand::Refresh { component, app_id } => {
            let (_gateway, credentials) = open(&component).await?;
            match credentials.refresh_authorizer(&app_id).await {
                Ok(token) => {
                    println!(
                        "{}",
                        serde_json::json!({"app_id": app_id, "expires_at": token.expires_at})
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) if matches!(error.kind(), ErrorKind::ReauthorizationRequired { .. }) => {
                    eprintln!(
                        "{error}\nthe account must authorize the platform again: send its \
                         administrator to /component/{}/authorize on the gateway",
                        component.component
                    );
                    Ok(ExitCode::FAILURE)
                }
                Err(error) => Err(error.into()),
            }
        }
    }
}
