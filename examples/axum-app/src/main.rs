//! `cargo run -p wxgate-example-axum -- wxgate.toml`: the shop with the gateway mounted.

use anyhow::Context as _;
use wxgate_example_axum::{Orders, app};
use wxgate_server::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "wxgate.toml".to_owned());
    let config =
        Config::load(std::path::Path::new(&path)).map_err(|e| anyhow::anyhow!("{path}:\n{e}"))?;
    let listen = config.server.listen.clone();
    let (router, gateway) = app(config, Orders::default()).await?;
    let workers = gateway.spawn_workers();
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    println!(
        "the shop and its gateway on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, router).await?;
    workers.abort();
    Ok(())
}
