//! `git sfsync merge-driver %O %A %B %P`: the merge driver git calls per file.

use super::{CommandError, ExitKind, Ui};
use sfsync::merge::{self, ConflictStyle, MergeOptions};
use std::path::{Path, PathBuf};

pub const AFTER_HELP: &str = "\
Configured by `git sfsync init` as:
  [merge \"sfsync\"]
      driver = git-sfsync merge-driver %O %A %B %P %L

Exit 0: clean merge written to %A. Exit 1: conflicts, markers written to %A.
Exit above 128: the driver crashed; git then fails the merge rather than record
a wrong result. SFSYNC_MERGE=0 turns the semantic merge off (line merge only).";

#[derive(Debug, clap::Args)]
pub struct MergeDriverArgs {
    /// The common ancestor's content (%O)
    pub base: PathBuf,
    /// Our content (%A); the result is written here
    pub ours: PathBuf,
    /// Their content (%B)
    pub theirs: PathBuf,
    /// The file's path in the repository (%P), which decides the engine
    pub path: PathBuf,
    /// Conflict marker size (%L)
    pub marker_size: Option<usize>,
    /// Conflict style; defaults to git's merge.conflictStyle
    #[arg(long, value_parser = ["merge", "diff3", "zdiff3"])]
    pub conflict_style: Option<String>,
}

pub fn run(ui: &Ui, args: MergeDriverArgs) -> Result<(), CommandError> {
    merge(ui, args).map_err(|mut err| {
        if err.kind == ExitKind::Internal {
            err.kind = ExitKind::DriverFailure;
        }
        err
    })
}

fn merge(ui: &Ui, args: MergeDriverArgs) -> Result<(), CommandError> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| {
            CommandError::internal(format!("merge-driver: cannot read {}: {e}", path.display()))
        })
    };
    let (base, ours, theirs) = (read(&args.base)?, read(&args.ours)?, read(&args.theirs)?);
    let style = args
        .conflict_style
        .or_else(git_conflict_style)
        .map(|s| ConflictStyle::from_git_config(&s))
        .unwrap_or_default();
    let label = args.path.to_string_lossy();
    let options = MergeOptions {
        style,
        marker_size: args.marker_size.unwrap_or(7),
        ours_label: format!("ours:{label}"),
        base_label: format!("base:{label}"),
        theirs_label: format!("theirs:{label}"),
    };
    let semantic = std::env::var(merge::ENV_SEMANTIC_MERGE).map_or(true, |v| v != "0");
    let outcome = merge::merge_file(&args.path, &base, &ours, &theirs, &options, semantic);
    if let Some(reason) = &outcome.fallback_reason {
        ui.warn(format!("{label}: merged line by line ({reason})"));
    }
    write_atomically(&args.ours, &outcome.merged.content)?;
    if outcome.merged.is_clean() {
        Ok(())
    } else {
        Err(CommandError::found())
    }
}

/// Reads `merge.conflictStyle` from the repository's configuration, the only
/// configuration the driver consults.
fn git_conflict_style() -> Option<String> {
    let repo = git2::Repository::open_from_env().ok()?;
    let config = repo.config().ok()?;
    config.get_string("merge.conflictStyle").ok()
}

/// Replaces `target` with `content` through a temporary file beside it, so that
/// `%A` is never left half written.
fn write_atomically(target: &Path, content: &[u8]) -> Result<(), CommandError> {
    use std::io::Write;
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let fail = |e: std::io::Error| {
        CommandError::new(
            ExitKind::Internal,
            miette::miette!(
                "merge-driver: cannot write the result to {}: {e}",
                target.display()
            ),
        )
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    tmp.write_all(content).map_err(fail)?;
    if let Ok(meta) = std::fs::metadata(target) {
        let _ = std::fs::set_permissions(tmp.path(), meta.permissions());
    }
    tmp.persist(target).map_err(|e| fail(e.error))?;
    Ok(())
}
