//! `git sfsync pull <alias>`: retrieve an org's metadata into the working tree
//! and say what changed, semantically.

use super::diff::print_component;
use super::orgs;
use super::selection::{selects_path, SelectionArgs};
use super::{CommandError, ExitKind, Ui};
use sfsync::config::Config;
use sfsync::diff::{self, ChangedFile, ComponentDiff};
use sfsync::metadata::component::resolve_source_path;
use sfsync::metadata::project::Project;
use sfsync::org::{Org, Package, PackageTypeMembers};
use sfsync::selection::Selection;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub const AFTER_HELP: &str = "\
Retrieves the selection (default: every component the working tree holds, plus
components of the same types new in the org) and writes the org's version of
the selected files into the working tree, then prints what changed, as
`git sfsync diff` does. Nothing is written until the whole retrieve has
arrived, and files outside the selection are never touched.

A file the org no longer has is deleted from the working tree only when its
component is named by --component or --manifest (wildcards included): a plain
pull, or a selection by path, never deletes, so work not deployed yet is not
lost. A file with uncommitted changes is not overwritten (exit 1, nothing
written) unless --force is given. Profiles and permission sets are retrieved
together with everything the project tracks, since their content depends on
what else is in the retrieve.

Examples:
  git sfsync pull uat
  git sfsync pull uat --component 'ApexClass:Invoice*'
  git sfsync pull uat -- force-app/main/default/profiles";

#[derive(Debug, clap::Args)]
pub struct PullArgs {
    /// The org to retrieve from, by alias
    pub alias: String,
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Overwrite files that have uncommitted changes
    #[arg(long)]
    pub force: bool,
}

/// What a pull did, for `--json`.
#[derive(serde::Serialize)]
struct Report<'a> {
    org: &'a str,
    /// Files written (created or updated).
    written: Vec<String>,
    /// Files deleted because the org no longer has their component.
    deleted: Vec<String>,
    /// Semantic changes, as `git sfsync diff --json` prints them.
    components: &'a [ComponentDiff],
    /// What the org said about requested components (not found, ...).
    messages: &'a [String],
}

pub fn run(ui: &Ui, args: PullArgs) -> Result<(), CommandError> {
    let repo = sfsync::git::open().map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let root = sfsync::git::workdir(&repo).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let config = Config::load(&root).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    config
        .org(&args.alias)
        .map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let project = Project::discover(&root).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let selection = args.selection.selection()?;
    let api_version = project
        .source_api_version()
        .unwrap_or(sfsync::org::client::DEFAULT_API_VERSION)
        .to_string();
    let local: Vec<String> = project
        .working_tree_files()
        .map_err(|e| CommandError::new(ExitKind::Input, e))?
        .into_iter()
        .filter(|p| project.is_source(p))
        .collect();
    let selected_local: Vec<String> = local
        .iter()
        .filter(|p| selects_path(&selection, p))
        .cloned()
        .collect();
    let mut manifest = manifest_for(&selection, &selected_local, &api_version);
    if manifest
        .types
        .iter()
        .any(|t| CONTEXT_DEPENDENT.contains(&t.name.as_str()))
    {
        manifest = union(
            manifest,
            sfsync::snapshot::tracked_manifest(&local, &api_version),
        );
    }
    if manifest.types.is_empty() {
        return Err(CommandError::input(
            "the selection names no component",
            "select components the working tree holds (`git sfsync components`), or name one with --component TYPE:NAME",
        ));
    }
    let default_dir = project.default_package_dir().path.clone();

    let runtime = orgs::runtime()?;
    let retrieved = runtime.block_on(async {
        let org = orgs::connect(&repo, &config, &root, &args.alias).await?;
        org.retrieve(&manifest, &default_dir, &local)
            .await
            .map_err(orgs::org_error)
    })?;

    let plan = plan(&selection, &selected_local, retrieved.files, &root)?;
    if !args.force {
        let dirty = uncommitted(&repo, &plan)?;
        if !dirty.is_empty() {
            for path in &dirty {
                eprintln!("{path}: uncommitted changes would be overwritten");
            }
            return Err(CommandError::new(
                ExitKind::Found,
                miette::miette!(
                    code = "sfsync::pull::dirty",
                    help = "commit or stash them first, or pass --force to overwrite them",
                    "pull would overwrite {} file(s) with uncommitted changes; nothing was written",
                    dirty.len()
                ),
            ));
        }
    }
    let components = diff::diff_files(plan.changed.clone(), diff::Options::default());
    write(&root, &plan)?;

    let written: Vec<String> = plan
        .changed
        .iter()
        .filter(|f| f.new.is_some())
        .map(|f| f.path.clone())
        .collect();
    let deleted: Vec<String> = plan
        .changed
        .iter()
        .filter(|f| f.new.is_none())
        .map(|f| f.path.clone())
        .collect();
    if ui.json {
        return ui.json(&Report {
            org: &args.alias,
            written,
            deleted,
            components: &components,
            messages: &retrieved.messages,
        });
    }
    for message in &retrieved.messages {
        ui.warn(format!("{}: {message}", args.alias));
    }
    for component in &components {
        print_component(ui, component);
    }
    let format_only = plan.changed.len()
        - components
            .iter()
            .map(|c| c.files.len())
            .sum::<usize>()
            .min(plan.changed.len());
    ui.line(format!(
        "{}: {} written, {} deleted, {} component{} changed{}",
        args.alias,
        written.len(),
        deleted.len(),
        components.len(),
        if components.len() == 1 { "" } else { "s" },
        if format_only > 0 {
            format!(" ({format_only} file(s) differed only in formatting)")
        } else {
            String::new()
        }
    ));
    Ok(())
}

/// Returns the manifest to retrieve: what the selected files hold (plus `*`
/// per type, so that new components the selection covers by path arrive),
/// and the components `--component`/`--manifest` name that the working tree
/// does not hold yet.
fn manifest_for(selection: &Selection, selected_local: &[String], api_version: &str) -> Package {
    let tracked = sfsync::snapshot::tracked_manifest(selected_local, api_version);
    let mut members: BTreeMap<String, BTreeSet<String>> = tracked
        .types
        .into_iter()
        .map(|t| (t.name, t.members.into_iter().collect()))
        .collect();
    for pattern in &selection.components {
        if pattern.kind.contains('*') {
            continue;
        }
        let Some(kind) = sfsync::metadata::MetadataType::from_name(&pattern.kind) else {
            continue;
        };
        let name = if pattern.name.contains('*') {
            "*".to_string()
        } else {
            pattern.name.clone()
        };
        members
            .entry(kind.name().to_string())
            .or_default()
            .insert(name);
    }
    sfsync::org::format::package_of(members, api_version)
}

/// Types whose retrieved content depends on what else the retrieve names (a
/// profile only lists permissions for the components retrieved with it).
const CONTEXT_DEPENDENT: &[&str] = &["Profile", "PermissionSet"];

/// Returns the union of two manifests.
fn union(a: Package, b: Package) -> Package {
    let mut members: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for t in a.types.into_iter().chain(b.types) {
        members.entry(t.name).or_default().extend(t.members);
    }
    Package {
        types: members
            .into_iter()
            .map(|(name, members)| PackageTypeMembers {
                members: members.into_iter().collect(),
                name,
            })
            .collect(),
        version: a.version,
    }
}

/// Returns the planned paths that have uncommitted changes (staged,
/// unstaged, or untracked with other content) in the working tree.
fn uncommitted(repo: &git2::Repository, plan: &Plan) -> Result<Vec<String>, CommandError> {
    let mut dirty = Vec::new();
    for file in &plan.changed {
        if file.old.is_none() {
            continue;
        }
        let status = match repo.status_file(Path::new(&file.path)) {
            Ok(status) => status,
            Err(e) if e.code() == git2::ErrorCode::NotFound => continue,
            Err(e) => return Err(e.into()),
        };
        if !status.is_empty() && !status.contains(git2::Status::IGNORED) {
            dirty.push(file.path.clone());
        }
    }
    Ok(dirty)
}

/// The files a pull changes in the working tree.
struct Plan {
    /// Per file: the working tree's content (old) and the org's (new; None: delete).
    changed: Vec<ChangedFile>,
}

/// Decides what to write: the org's version of every selected file that
/// differs, and deletions of selected files the org no longer has, when
/// their component was named explicitly.
fn plan(
    selection: &Selection,
    selected_local: &[String],
    retrieved: BTreeMap<String, Vec<u8>>,
    root: &Path,
) -> Result<Plan, CommandError> {
    let read = |path: &str| -> Result<Option<Vec<u8>>, CommandError> {
        match std::fs::read(root.join(path)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(CommandError::internal(format!("cannot read {path}: {e}"))),
        }
    };
    let mut changed = Vec::new();
    for (path, content) in &retrieved {
        if !selects_path(selection, path) {
            continue;
        }
        let old = read(path)?;
        if old.as_deref() != Some(content.as_slice()) {
            changed.push(ChangedFile {
                path: path.clone(),
                old,
                new: Some(content.clone()),
            });
        }
    }
    for path in selected_local {
        if retrieved.contains_key(path) || !named_explicitly(selection, path) {
            continue;
        }
        changed.push(ChangedFile {
            path: path.clone(),
            old: read(path)?,
            new: None,
        });
    }
    changed.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Plan { changed })
}

/// Returns true when a `--component` or `--manifest` pattern names the
/// component of `path` (or its parent).
fn named_explicitly(selection: &Selection, path: &str) -> bool {
    let (component, _) = resolve_source_path(path);
    selection.components.iter().any(|pattern| {
        pattern.matches(&component) || component.parent().is_some_and(|p| pattern.matches(&p))
    })
}

/// Writes the plan: each file through a temporary file renamed over it, so
/// that no file is ever left half written.
fn write(root: &Path, plan: &Plan) -> Result<(), CommandError> {
    for file in &plan.changed {
        let target = root.join(&file.path);
        match &file.new {
            Some(content) => {
                let dir = target.parent().ok_or_else(|| {
                    CommandError::internal(format!("{} has no parent directory", file.path))
                })?;
                std::fs::create_dir_all(dir)?;
                let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
                std::io::Write::write_all(&mut tmp, content)?;
                tmp.persist(&target).map_err(|e| {
                    CommandError::internal(format!("cannot write {}: {}", file.path, e.error))
                })?;
            }
            None => {
                if let Err(e) = std::fs::remove_file(&target) {
                    if e.kind() != std::io::ErrorKind::NotFound {
                        return Err(e.into());
                    }
                }
                remove_empty_parents(root, &target);
            }
        }
    }
    Ok(())
}

/// Removes the directories a deletion left empty (a deleted bundle's
/// folder), up to the work tree root.
fn remove_empty_parents(root: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selection(components: &[&str], paths: &[&str]) -> Selection {
        let c: Vec<String> = components.iter().map(|s| s.to_string()).collect();
        let p: Vec<String> = paths.iter().map(|s| s.to_string()).collect();
        Selection::new(&c, &p, None).expect("valid selection")
    }

    #[test]
    fn manifest_names_selected_and_explicit_new_components() {
        let local = vec!["force-app/main/default/classes/A.cls".to_string()];
        let manifest = manifest_for(
            &selection(&["ApexClass:A", "ApexTrigger:New", "CustomField:*"], &[]),
            &local,
            "63.0",
        );
        let by_type: BTreeMap<&str, &Vec<String>> = manifest
            .types
            .iter()
            .map(|t| (t.name.as_str(), &t.members))
            .collect();
        assert_eq!(
            by_type["ApexClass"],
            &vec!["*".to_string(), "A".to_string()]
        );
        assert_eq!(by_type["ApexTrigger"], &vec!["New".to_string()]);
        assert_eq!(by_type["CustomField"], &vec!["*".to_string()]);
    }

    #[test]
    fn only_explicitly_named_components_are_deleted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let class = "force-app/main/default/classes/Gone.cls";
        let other = "force-app/main/default/classes/Kept.cls";
        for path in [class, other] {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
            std::fs::write(full, "class X {}").expect("write");
        }
        let local = vec![class.to_string(), other.to_string()];
        let by_component = plan(
            &selection(&["ApexClass:Gone"], &[]),
            &local[..1],
            BTreeMap::new(),
            dir.path(),
        )
        .expect("plan");
        assert_eq!(by_component.changed.len(), 1);
        assert!(by_component.changed[0].new.is_none());
        let by_path = plan(
            &selection(&[], &["force-app/main/default/classes"]),
            &local,
            BTreeMap::new(),
            dir.path(),
        )
        .expect("plan");
        assert!(by_path.changed.is_empty(), "a path selection never deletes");
    }
}
