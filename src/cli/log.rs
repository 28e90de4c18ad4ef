//! `git sfsync log <alias>`: the org's snapshots, deployments and promotions.

use super::{CommandError, ExitKind, Ui};
use sfsync::config::Config;

#[derive(Debug, clap::Args)]
pub struct LogArgs {
    /// The org's alias in sfsync.toml
    pub alias: String,
    /// Show at most this many entries
    #[arg(short = 'n', long, default_value_t = 50)]
    pub max_count: usize,
}

pub fn run(ui: &Ui, args: LogArgs) -> Result<(), CommandError> {
    let repo = sfsync::git::open().map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let root = sfsync::git::workdir(&repo).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let config = Config::load(&root).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let org = config
        .org(&args.alias)
        .map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let branch = org.branch_name(&args.alias);
    let entries = sfsync::git::history::org_log(&repo, &args.alias, &branch, args.max_count)?;
    if ui.json {
        return ui.json(&entries);
    }
    if entries.is_empty() {
        ui.line(format!(
            "no activity recorded for {} yet (branch {branch}); `git sfsync snapshot {}` records its state",
            args.alias, args.alias
        ));
        return Ok(());
    }
    for entry in entries {
        let outcome = match entry.outcome.as_str() {
            "succeeded" => String::new(),
            other => format!(" {}", ui.paint("31", other.to_uppercase())),
        };
        let who = entry.author.map(|a| format!(" by {a}")).unwrap_or_default();
        ui.data(format!(
            "{} {} {:<10}{outcome} {}{who}",
            ui.paint("33", entry.commit.as_deref().unwrap_or("          ")),
            entry.at,
            entry.kind,
            entry.summary
        ));
        for error in entry.errors {
            ui.data(format!("    {}", ui.paint("31", error)));
        }
    }
    Ok(())
}
