//! Reaching the orgs of `sfsync.toml` from a command: the async runtime,
//! credentials from `.git/sfsync/credentials.toml` or the environment, and the
//! mapping of org errors to exit codes.

use super::{CommandError, ExitKind};
use sfsync::config::Config;
use sfsync::org::{self, MetadataOrg, OrgUrl};
use std::path::Path;

/// Builds the runtime async commands run on.
pub fn runtime() -> Result<tokio::runtime::Runtime, CommandError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CommandError::internal(format!("cannot start the async runtime: {e}")))
}

/// Maps an org error to its exit code: bad input is 2, everything that
/// happened on the way to or inside the org is 3.
pub fn org_error(error: org::Error) -> CommandError {
    let kind = match &error {
        org::Error::InvalidUrl { .. }
        | org::Error::Input { .. }
        | org::Error::Credentials { .. } => ExitKind::Input,
        _ => ExitKind::Org,
    };
    CommandError::new(kind, error)
}

/// Connects to the org `alias` of `config`; `root` resolves relative `local:` directories.
pub async fn connect(
    repo: &git2::Repository,
    config: &Config,
    root: &Path,
    alias: &str,
) -> Result<MetadataOrg, CommandError> {
    let org_config = config
        .org(alias)
        .map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let url = OrgUrl::parse(&org_config.url, root).map_err(org_error)?;
    let mut options = match url {
        OrgUrl::Remote(_) => sfsync::org::ClientOptions::remote(),
        OrgUrl::Emulator(_) | OrgUrl::Local(_) => sfsync::org::ClientOptions::local(),
    };
    options.progress = Some(progress_reporter(alias));
    org::open(alias, org_config, root, repo.commondir(), Some(options))
        .await
        .map_err(org_error)
}

/// Reports the progress of long org operations: a spinner on a terminal,
/// plain lines (one per state change) otherwise, nothing with `--quiet`.
fn progress_reporter(alias: &str) -> sfsync::org::client::Progress {
    use std::io::IsTerminal;
    let alias = alias.to_string();
    if super::output::is_quiet() {
        return std::sync::Arc::new(|_: &str, _: &str| {});
    }
    if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg}").expect("a valid template"),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        return std::sync::Arc::new(move |operation: &str, state: &str| {
            if state.starts_with("Succeeded")
                || state.starts_with("Failed")
                || state.starts_with("Canceled")
            {
                bar.finish_and_clear();
            } else {
                bar.set_message(format!("{alias}: {operation} {state}"));
            }
        });
    }
    let last = std::sync::Mutex::new(String::new());
    std::sync::Arc::new(move |operation: &str, state: &str| {
        let line = format!("{alias}: {operation} {state}");
        let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
        if *last != line {
            eprintln!("{line}");
            *last = line;
        }
    })
}
