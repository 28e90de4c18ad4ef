//! `git sfsync emulator`: serve a local org over the Metadata API until Ctrl-C.

use super::org::org_error;
use super::{CommandError, Ui};
use sfsync::org::emulator;
use std::path::PathBuf;
use std::time::Duration;

pub const AFTER_HELP: &str = "\
The org's state is the source-format directory given by --dir: edit it to
\"change the org directly\". Point a client at the printed URL with the printed
access token, or log in with the printed SFDX auth URL (refresh-token flow).

Example:
  git sfsync emulator --dir .sfsync/orgs/dev --port 8080
  git sfsync org add dev --url http://127.0.0.1:8080 --access-token-env SFSYNC_ACCESS_TOKEN";

#[derive(Debug, clap::Args)]
pub struct EmulatorArgs {
    /// Directory holding the org's metadata in source format (created if missing)
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// Port to listen on at 127.0.0.1; 0 picks a free port
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Access token to accept instead of a random one
    #[arg(long, value_name = "TOKEN")]
    pub access_token: Option<String>,
    /// Delay every request by this many milliseconds
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// Fail every Nth SOAP call with an HTTP 500 fault
    #[arg(long, value_name = "N")]
    pub fail_every: Option<u64>,
    /// Expire sessions this many seconds after they were issued
    #[arg(long, value_name = "S")]
    pub session_ttl: Option<u64>,
}

pub fn run(ui: &Ui, args: EmulatorArgs) -> Result<(), CommandError> {
    let options = emulator::Options {
        port: args.port,
        access_token: args.access_token,
        latency: Duration::from_millis(args.latency_ms),
        fail_every: args.fail_every.filter(|n| *n > 0),
        session_ttl: args.session_ttl.map(Duration::from_secs),
        ..emulator::Options::new(args.dir)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CommandError::internal(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let running = emulator::start(options).await.map_err(org_error)?;
        if ui.json {
            ui.json(&serde_json::json!({
                "url": running.url,
                "accessToken": running.access_token,
                "authUrl": running.auth_url(),
            }))?;
        } else {
            // The emulator's own loopback credentials: printing them is its job.
            ui.data(format!("url: {}", running.url));
            ui.data(format!("access token: {}", running.access_token));
            ui.data(format!("auth url: {}", running.auth_url()));
            ui.line("listening; press Ctrl-C to stop");
        }
        tokio::signal::ctrl_c()
            .await
            .map_err(|e| CommandError::internal(format!("cannot wait for Ctrl-C: {e}")))?;
        running.stop().await;
        Ok(())
    })
}
