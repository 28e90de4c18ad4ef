//! `git sfsync status`: the Branch State Diagram.

use super::{CommandError, ExitKind, Ui};
use sfsync::config::Config;
use sfsync::status::{compute, render};
use std::path::PathBuf;

pub const AFTER_HELP: &str = "\
For the branch (default: the current one) and every org of the pipeline, lowest
to highest: in sync, behind (the org lacks the branch's changes) or diverged (the
org holds content the branch does not have), and the last deploy or promotion
into the org. Outcomes are read from git notes (refs/notes/sfsync), so every
clone draws the same diagram.";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Dot,
    Svg,
    Html,
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The branch to show (default: the current branch)
    pub branch: Option<String>,
    /// Also ask each org whether it changed since its last snapshot
    #[arg(long)]
    pub live: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the output to this file instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(ui: &Ui, args: StatusArgs) -> Result<(), CommandError> {
    let repo = sfsync::git::open().map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let root = sfsync::git::workdir(&repo).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let config = Config::load(&root).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let branch = match args.branch {
        Some(branch) => branch,
        None => repo
            .head()
            .ok()
            .and_then(|h| h.shorthand().ok().map(str::to_string))
            .unwrap_or_else(|| "HEAD".to_string()),
    };
    let mut diagram = compute::compute(&repo, &config, &branch)
        .map_err(|e| CommandError::new(ExitKind::Input, e))?;
    if args.live {
        super::drift::annotate_drift(&mut diagram, &repo)?;
    }
    let format = if ui.json { Format::Json } else { args.format };
    let text = match format {
        Format::Text => render::text(&diagram, ui.color && args.output.is_none()),
        Format::Json => {
            serde_json::to_string_pretty(&diagram)
                .map_err(|e| CommandError::internal(e.to_string()))?
                + "\n"
        }
        Format::Dot => render::dot(&diagram),
        Format::Svg => render::svg(&diagram),
        Format::Html => render::html(&diagram),
    };
    match args.output {
        Some(path) => {
            std::fs::write(&path, text).map_err(|e| {
                CommandError::input(
                    format!("cannot write {}: {e}", path.display()),
                    "pass a writable path to -o",
                )
            })?;
            ui.line(format!("wrote {}", path.display()));
        }
        None => print!("{text}"),
    }
    Ok(())
}
