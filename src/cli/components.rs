//! `git sfsync components [<rev>] [-- <paths>]`: the project's components and their files.

use super::{CommandError, ExitKind, Ui};
use serde::Serialize;
use sfsync::git::tree::{self, RevTree};
use sfsync::metadata::{self, Project, SourceComponent, FORCEIGNORE_FILE, PROJECT_FILE};
use std::path::{Path, PathBuf};

pub const AFTER_HELP: &str = "\
Lists every component of the Salesforce DX project (type, full name, files),
in the working tree or, given <rev>, as it is in that revision (read from the
object database; nothing is checked out). Files no metadata type claims are
listed as Unknown components. With --json: [{\"type\", \"name\", \"files\"}].";

#[derive(Debug, clap::Args)]
pub struct ComponentsArgs {
    /// The revision to read (branch, tag, commit); default: the working tree
    pub rev: Option<String>,
    /// Only components with a file under these paths (can be repeated)
    #[arg(last = true, value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
}

#[derive(Serialize)]
struct Listed<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    name: &'a str,
    files: Vec<&'a str>,
}

pub fn run(ui: &Ui, args: ComponentsArgs) -> Result<(), CommandError> {
    let cwd = std::env::current_dir()?;
    let (components, root) = match &args.rev {
        None => {
            let project = Project::discover(&cwd).map_err(metadata_error)?;
            let files = project.working_tree_files().map_err(metadata_error)?;
            (project.components(files), project.root().to_path_buf())
        }
        Some(rev) => at_revision(rev, &cwd)?,
    };
    let filters = path_filters(&root, &cwd, &args.paths);
    let selected: Vec<&SourceComponent> = components
        .iter()
        .filter(|c| {
            filters.is_empty()
                || c.files
                    .iter()
                    .any(|f| filters.iter().any(|p| metadata_path_under(&f.path, p)))
        })
        .collect();
    if ui.json {
        let listed: Vec<Listed> = selected
            .iter()
            .map(|c| Listed {
                kind: c.component.kind.name(),
                name: &c.component.full_name,
                files: c.files.iter().map(|f| f.path.as_str()).collect(),
            })
            .collect();
        return ui.json(&listed);
    }
    for c in selected {
        ui.data(ui.paint("1", &c.component));
        for file in &c.files {
            ui.data(format!("    {}", file.path));
        }
    }
    Ok(())
}

/// Lists the components of `rev`, reading the project files from the same tree.
///
/// The project is the one holding the current directory: its
/// `sfdx-project.json` is looked up from there towards the repository root,
/// in the revision's tree.
fn at_revision(rev: &str, cwd: &Path) -> Result<(Vec<SourceComponent>, PathBuf), CommandError> {
    let repo = git2::Repository::open_from_env()?;
    let tree = RevTree::resolve(&repo, rev).map_err(tree_error)?;
    let workdir = repo.workdir().unwrap_or_else(|| repo.path()).to_path_buf();
    let canonical_workdir = workdir.canonicalize().unwrap_or_else(|_| workdir.clone());
    let canonical_cwd = cwd.canonicalize().unwrap_or_else(|_| cwd.to_path_buf());
    let here = canonical_cwd
        .strip_prefix(&canonical_workdir)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    let mut candidate = Some(here.as_str());
    let mut found = None;
    while let Some(dir) = candidate {
        let file = join(dir, PROJECT_FILE);
        if let Some(json) = tree.read(&file).map_err(tree_error)? {
            found = Some((dir.to_string(), json));
            break;
        }
        candidate = if dir.is_empty() {
            None
        } else {
            Some(dir.rsplit_once('/').map_or("", |(parent, _)| parent))
        };
    }
    let (project_dir, project_json) = found.ok_or_else(|| {
        CommandError::input(
            format!("`{rev}` has no {PROJECT_FILE} in this directory or above it"),
            format!("pick a revision of the Salesforce DX project, or commit {PROJECT_FILE} at the project root"),
        )
    })?;
    let forceignore = tree
        .read(&join(&project_dir, FORCEIGNORE_FILE))
        .map_err(tree_error)?;
    let root = workdir.join(&project_dir);
    let project =
        Project::load(&root, &project_json, forceignore.as_deref()).map_err(metadata_error)?;
    let prefix = if project_dir.is_empty() {
        String::new()
    } else {
        format!("{project_dir}/")
    };
    let files: Vec<String> = tree
        .files()
        .map_err(tree_error)?
        .into_iter()
        .filter_map(|f| f.strip_prefix(prefix.as_str()).map(str::to_string))
        .collect();
    Ok((project.components(files), root))
}

fn join(dir: &str, file: &str) -> String {
    if dir.is_empty() {
        file.to_string()
    } else {
        format!("{dir}/{file}")
    }
}

/// Turns the `-- <paths>` arguments (relative to the current directory) into
/// project-relative prefixes.
fn path_filters(root: &Path, cwd: &Path, paths: &[PathBuf]) -> Vec<String> {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let cwd = cwd.canonicalize().unwrap_or_else(|_| cwd.to_path_buf());
    paths
        .iter()
        .map(|p| {
            let joined = cwd.join(p);
            let normalized = normalize(&joined);
            let rel = normalized.strip_prefix(&root).unwrap_or(&normalized);
            rel.to_string_lossy()
                .replace('\\', "/")
                .trim_end_matches('/')
                .to_string()
        })
        .collect()
}

/// Resolves `.` and `..` lexically (the path may not exist at a revision).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn metadata_path_under(path: &str, prefix: &str) -> bool {
    prefix.is_empty()
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

fn metadata_error(err: metadata::Error) -> CommandError {
    let kind = match err {
        metadata::Error::Read { .. } => ExitKind::Internal,
        _ => ExitKind::Input,
    };
    CommandError::new(kind, err)
}

fn tree_error(err: tree::Error) -> CommandError {
    let kind = match err {
        tree::Error::BadRevision { .. } => ExitKind::Input,
        _ => ExitKind::Internal,
    };
    CommandError::new(kind, err)
}
