//! `git sfsync diff`: semantic differences between revisions, the working
//! tree, live orgs, or two files.

use super::selection::{selects_path, SelectionArgs};
use super::{CommandError, ExitKind, Ui};
use sfsync::diff::{self, ChangedFile, ComponentDiff, Options, Status};

pub const AFTER_HELP: &str = "\
Sides are any git revision (a branch, orgs/uat, a snapshot commit, a tag), or
org:<alias> for the live org. With one side, it is compared with the working tree.
Moved Apex members, reordered XML items and formatting are not differences.

Examples:
  git sfsync diff orgs/uat orgs/prod --stat
  git sfsync diff main --component 'ApexClass:Invoice*'
  git sfsync diff --no-index old/Admin.profile-meta.xml new/Admin.profile-meta.xml";

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The old side: a revision, or two files with --no-index
    pub from: Option<String>,
    /// The new side (default: the working tree)
    pub to: Option<String>,
    /// Compare two files on disk, outside any repository
    #[arg(long)]
    pub no_index: bool,
    /// List changed components only
    #[arg(long, conflicts_with = "stat")]
    pub name_only: bool,
    /// Count changes per component
    #[arg(long)]
    pub stat: bool,
    /// Exit 1 when there are semantic differences
    #[arg(long)]
    pub exit_code: bool,
    /// Ignore changes to comments only
    #[arg(long)]
    pub ignore_comments: bool,
    #[command(flatten)]
    pub selection: SelectionArgs,
}

pub fn run(ui: &Ui, args: DiffArgs) -> Result<(), CommandError> {
    let options = Options {
        ignore_comments: args.ignore_comments,
    };
    let components = if args.no_index {
        no_index(&args, options)?
    } else {
        in_repository(&args, options)?
    };
    print(ui, &args, &components)?;
    if args.exit_code && !components.is_empty() {
        return Err(CommandError::found());
    }
    Ok(())
}

fn no_index(args: &DiffArgs, options: Options) -> Result<Vec<ComponentDiff>, CommandError> {
    let (Some(old_path), Some(new_path)) = (&args.from, &args.to) else {
        return Err(CommandError::input(
            "--no-index needs two files",
            "git sfsync diff --no-index <old> <new>",
        ));
    };
    let read = |p: &str| {
        std::fs::read(p).map_err(|e| {
            CommandError::input(format!("cannot read {p}: {e}"), "pass two existing files")
        })
    };
    let (old, new) = (read(old_path)?, read(new_path)?);
    // The new file's name decides the engine and the component, as %P does for the merge driver.
    let name = new_path.replace('\\', "/");
    Ok(diff::diff_file(&name, Some(&old), Some(&new), options)
        .map(|file| diff::group_by_component(vec![file]))
        .unwrap_or_default())
}

fn in_repository(args: &DiffArgs, options: Options) -> Result<Vec<ComponentDiff>, CommandError> {
    let repo = sfsync::git::open().map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let selection = args.selection.selection()?;
    let from = args.from.as_deref().unwrap_or("HEAD");
    let mut package_dirs: Option<Vec<String>> = None;
    let mut side = |spec: &str| -> Result<git2::Tree<'_>, CommandError> {
        match spec.strip_prefix("org:") {
            Some(alias) => {
                let (tree, _, dirs) = super::snapshot::live_tree(&repo, alias)?;
                package_dirs = Some(dirs);
                Ok(tree)
            }
            None => super::revision::tree(&repo, spec),
        }
    };
    let old_tree = side(from)?;
    let new_tree = args.to.as_deref().map(&mut side).transpose()?;
    // A live org only holds metadata: compare the package directories alone.
    let filter = |path: &str| {
        selects_path(&selection, path)
            && package_dirs.as_ref().is_none_or(|dirs| {
                dirs.iter()
                    .any(|d| path.starts_with(&format!("{}/", d.trim_end_matches('/'))))
            })
    };
    let files: Vec<ChangedFile> = match &new_tree {
        Some(new_tree) => {
            diff::changed_between_trees(&repo, Some(&old_tree), Some(new_tree), &filter)?
        }
        None => diff::changed_against_workdir(&repo, Some(&old_tree), &filter)?,
    };
    Ok(diff::diff_files(files, options))
}

fn print(ui: &Ui, args: &DiffArgs, components: &[ComponentDiff]) -> Result<(), CommandError> {
    if ui.json {
        return ui.json(&components);
    }
    for component in components {
        let status = match component.status {
            Status::Added => ui.paint("32", "added"),
            Status::Deleted => ui.paint("31", "deleted"),
            Status::Modified => ui.paint("33", "modified"),
        };
        if args.name_only {
            ui.data(&component.component);
        } else if args.stat {
            let n = component.change_count();
            ui.data(format!(
                "{} | {status}, {n} change{}",
                component.component,
                if n == 1 { "" } else { "s" }
            ));
        } else {
            print_component(ui, component);
        }
    }
    if args.stat && !ui.quiet {
        let changes: usize = components.iter().map(ComponentDiff::change_count).sum();
        ui.line(format!(
            "{} components changed, {changes} changes",
            components.len()
        ));
    }
    Ok(())
}

/// Prints one component's unit-level changes, file by file (the default
/// `diff` output, shared by the commands that report what changed).
pub fn print_component(ui: &Ui, component: &ComponentDiff) {
    let status = match component.status {
        Status::Added => ui.paint("32", "added"),
        Status::Deleted => ui.paint("31", "deleted"),
        Status::Modified => ui.paint("33", "modified"),
    };
    ui.data(format!(
        "{} ({status})",
        ui.paint("1", &component.component)
    ));
    for file in &component.files {
        if component.files.len() > 1 || file.status != Status::Modified {
            let status = match file.status {
                Status::Added => "added",
                Status::Deleted => "deleted",
                Status::Modified => "modified",
            };
            ui.data(format!("  {} {status}", file.path));
        }
        for change in &file.changes {
            ui.data(format!("    {change}"));
        }
        if let Some(note) = &file.note {
            ui.data(format!("    ({note}: compared as text)"));
        }
    }
}
