//! Promotion: moving exactly the chosen components from a source to a target,
//! deciding per component whether that is safe.
//!
//! Safety is decided by component-level ancestry, so it works between org
//! branches that share no git history. For each selected component:
//! - the target's version means the same as the source's: nothing to do;
//! - the target's version appears in the source's history of that component:
//!   the target is merely behind and takes the source's version;
//! - otherwise the target holds changes the source never saw: the component is
//!   merged semantically, with the newest version common to both histories as
//!   base. A clean merge proceeds; a conflict stops the promotion before
//!   anything is written or deployed (unless forced).

use crate::diff::{self, ChangedFile};
use crate::merge::{self, MergeOptions};
use crate::metadata::component::resolve_source_path;
use crate::selection::Selection;
use git2::{Oid, Repository};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// How far back histories are searched for a component's versions.
const HISTORY_LIMIT: usize = 20_000;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("git: {0}")]
    #[diagnostic(code(sfsync::promote::git))]
    Git(#[from] git2::Error),
}

/// What promotion does to one component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The target already means the same.
    Unchanged,
    /// The target is behind: it takes the source's version.
    Update,
    /// The target has changes the source never saw; they merge cleanly.
    Merge,
    /// The target has changes the source never saw, and they conflict.
    Conflict,
    /// Only the target has the component, and the source never had it: it is
    /// the target's own, so promotion leaves it alone (never deletes it).
    TargetOnly,
}

/// The outcome planned for one file of a component.
#[derive(Debug, Clone, Serialize)]
pub struct FilePlan {
    pub path: String,
    /// The content the target gets (`None`: the file is deleted).
    #[serde(skip)]
    pub content: Option<Vec<u8>>,
    pub conflicts: usize,
}

/// The plan for one component.
#[derive(Debug, Clone, Serialize)]
pub struct ComponentPlan {
    pub component: String,
    pub action: Action,
    pub files: Vec<FilePlan>,
    /// The units in conflict (`method foo(String)`, `fieldPermissions[Account.Industry]`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicting_units: Vec<String>,
    /// Who last changed the component on the target, and when.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_changed_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_changed_at: Option<String>,
}

/// A whole promotion plan.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub components: Vec<ComponentPlan>,
}

impl Plan {
    pub fn conflicts(&self) -> impl Iterator<Item = &ComponentPlan> {
        self.components
            .iter()
            .filter(|c| c.action == Action::Conflict)
    }

    pub fn has_work(&self) -> bool {
        self.components
            .iter()
            .any(|c| c.action != Action::Unchanged)
    }

    /// Returns the file changes to apply to the target: everything planned,
    /// skipping conflicting components unless `force` (then the source wins).
    pub fn file_changes(
        &self,
        force_source: &BTreeMap<String, Option<Vec<u8>>>,
        force: bool,
    ) -> BTreeMap<String, Option<Vec<u8>>> {
        let mut out = BTreeMap::new();
        for component in &self.components {
            match component.action {
                Action::Unchanged | Action::TargetOnly => {}
                Action::Conflict if !force => {}
                Action::Conflict => {
                    for file in &component.files {
                        out.insert(
                            file.path.clone(),
                            force_source.get(&file.path).cloned().flatten(),
                        );
                    }
                }
                Action::Update | Action::Merge => {
                    for file in &component.files {
                        out.insert(file.path.clone(), file.content.clone());
                    }
                }
            }
        }
        out
    }
}

/// One side of a promotion: a commit whose history is searched, or a bare
/// tree (a live org) with no history.
pub struct Side<'r> {
    pub tree: git2::Tree<'r>,
    pub history: Option<Oid>,
}

/// A component's version: the blob of each of its differing paths (None = absent).
type Version = Vec<Option<Oid>>;

/// Who introduced a version on the target, and when (RFC 3339).
type Introduced = Option<(String, String)>;

/// Plans the promotion of the components selected by `selection` from `source` to `target`.
pub fn plan(
    repo: &Repository,
    source: &Side<'_>,
    target: &Side<'_>,
    selection: &Selection,
    options: &MergeOptions,
) -> Result<Plan, Error> {
    let filter = |path: &str| {
        let (component, _) = resolve_source_path(path);
        selection.selects(&component, path)
    };
    let changed =
        diff::changed_between_trees(repo, Some(&target.tree), Some(&source.tree), &filter)?;
    // Group the differing files by component.
    let mut by_component: BTreeMap<String, Vec<ChangedFile>> = BTreeMap::new();
    for file in changed {
        let (component, _) = resolve_source_path(&file.path);
        by_component
            .entry(component.to_string())
            .or_default()
            .push(file);
    }
    let paths_of: BTreeMap<String, Vec<String>> = by_component
        .iter()
        .map(|(c, files)| (c.clone(), files.iter().map(|f| f.path.clone()).collect()))
        .collect();
    let target_versions: BTreeMap<String, Version> = paths_of
        .iter()
        .map(|(c, paths)| (c.clone(), version_in_tree(&target.tree, paths)))
        .collect();

    // All versions of each component the source's history has seen.
    let mut source_seen: BTreeMap<String, HashSet<Version>> = BTreeMap::new();
    for (component, paths) in &paths_of {
        source_seen
            .entry(component.clone())
            .or_default()
            .insert(version_in_tree(&source.tree, paths));
    }
    if let Some(tip) = source.history {
        for tree in history_trees(repo, tip)? {
            for (component, paths) in &paths_of {
                source_seen
                    .entry(component.clone())
                    .or_default()
                    .insert(version_in_tree(&tree, paths));
            }
        }
    }
    // The target's versions, newest first, to find the newest common one.
    let mut target_history: BTreeMap<String, Vec<(Version, Introduced)>> = BTreeMap::new();
    if let Some(tip) = target.history {
        let mut walk = repo.revwalk()?;
        walk.push(tip)?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)?;
        for oid in walk.take(HISTORY_LIMIT) {
            let commit = repo.find_commit(oid?)?;
            let tree = commit.tree()?;
            let author = commit.author();
            let who_when = (
                author.name().unwrap_or_default().to_string(),
                crate::git::history::rfc3339(author.when().seconds()),
            );
            for (component, paths) in &paths_of {
                let version = version_in_tree(&tree, paths);
                let list = target_history.entry(component.clone()).or_default();
                match list.last_mut() {
                    // Same version in an older commit: that older commit introduced it.
                    Some((last, introduced)) if *last == version => {
                        *introduced = Some(who_when.clone())
                    }
                    _ => list.push((version, Some(who_when.clone()))),
                }
            }
        }
    }

    let mut components = Vec::new();
    for (component, files) in by_component {
        let target_version = &target_versions[&component];
        let seen = &source_seen[&component];
        let history = target_history.get(&component);
        let (changed_by, changed_at) = history
            .and_then(|h| h.first())
            .and_then(|(_, who)| who.clone())
            .map_or((None, None), |(who, when)| (Some(who), Some(when)));
        // Semantically equal on both sides: nothing to promote.
        let semantic_changes = files
            .iter()
            .filter_map(|f| {
                diff::diff_file(
                    &f.path,
                    f.old.as_deref(),
                    f.new.as_deref(),
                    diff::Options::default(),
                )
            })
            .count();
        if semantic_changes == 0 {
            components.push(ComponentPlan {
                component,
                action: Action::Unchanged,
                files: Vec::new(),
                conflicting_units: Vec::new(),
                target_changed_by: None,
                target_changed_at: None,
            });
            continue;
        }
        let target_absent = target_version.iter().all(Option::is_none);
        let source_absent = files.iter().all(|f| f.new.is_none());
        if source_absent && !seen.contains(target_version) {
            components.push(ComponentPlan {
                component,
                action: Action::TargetOnly,
                files: Vec::new(),
                conflicting_units: Vec::new(),
                target_changed_by: changed_by,
                target_changed_at: changed_at,
            });
            continue;
        }
        // Nothing on the target to overwrite, or a version the source already knows.
        if target_absent || seen.contains(target_version) {
            components.push(ComponentPlan {
                component,
                action: Action::Update,
                files: files
                    .iter()
                    .map(|f| FilePlan {
                        path: f.path.clone(),
                        content: f.new.clone(),
                        conflicts: 0,
                    })
                    .collect(),
                conflicting_units: Vec::new(),
                target_changed_by: None,
                target_changed_at: None,
            });
            continue;
        }
        // The newest target version the source also knows is the merge base.
        let base_version =
            history.and_then(|h| h.iter().map(|(v, _)| v).find(|v| seen.contains(*v)));
        let mut plans = Vec::new();
        let mut units = Vec::new();
        for (i, file) in files.iter().enumerate() {
            let base = base_version
                .and_then(|v| v[i])
                .and_then(|oid| repo.find_blob(oid).ok().map(|b| b.content().to_vec()));
            let (content, conflicts) = match (&file.old, &file.new) {
                (Some(ours), Some(theirs)) => {
                    let outcome = merge::merge_file(
                        std::path::Path::new(&file.path),
                        base.as_deref().unwrap_or_default(),
                        ours,
                        theirs,
                        &options_for(options, &file.path),
                        true,
                    );
                    units.extend(conflict_units(
                        &outcome.merged.content,
                        &file.path,
                        options.marker_size,
                    ));
                    (Some(outcome.merged.content), outcome.merged.conflicts)
                }
                // Deleted in the target and changed in the source, or the reverse:
                // a conflict unless the deleted side never changed it.
                (None, Some(theirs)) if base.is_none() => (Some(theirs.clone()), 0),
                (Some(ours), None) if base.as_deref() == Some(ours.as_slice()) => (None, 0),
                (None, Some(_)) | (Some(_), None) => {
                    units.push(
                        "whole component (deleted on one side, changed on the other)".to_string(),
                    );
                    (file.old.clone(), 1)
                }
                (None, None) => (None, 0),
            };
            plans.push(FilePlan {
                path: file.path.clone(),
                content,
                conflicts,
            });
        }
        let conflicted = plans.iter().any(|p| p.conflicts > 0);
        components.push(ComponentPlan {
            component,
            action: if conflicted {
                Action::Conflict
            } else {
                Action::Merge
            },
            files: plans,
            conflicting_units: units,
            target_changed_by: changed_by,
            target_changed_at: changed_at,
        });
    }
    Ok(Plan { components })
}

fn options_for(options: &MergeOptions, path: &str) -> MergeOptions {
    MergeOptions {
        ours_label: format!("target:{path}"),
        base_label: format!("base:{path}"),
        theirs_label: format!("source:{path}"),
        ..options.clone()
    }
}

/// Reads the unit names from the conflict markers of a merged file.
fn conflict_units(content: &[u8], path: &str, marker_size: usize) -> Vec<String> {
    let opening = format!("{} target:{path}", "<".repeat(marker_size));
    String::from_utf8_lossy(content)
        .lines()
        .filter_map(|line| line.strip_prefix(&opening))
        .map(|rest| {
            let unit = rest.trim();
            if unit.is_empty() {
                path.to_string()
            } else {
                unit.to_string()
            }
        })
        .collect()
}

fn version_in_tree(tree: &git2::Tree<'_>, paths: &[String]) -> Version {
    paths
        .iter()
        .map(|p| tree.get_path(std::path::Path::new(p)).ok().map(|e| e.id()))
        .collect()
}

fn history_trees(repo: &Repository, tip: Oid) -> Result<Vec<git2::Tree<'_>>, git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.push(tip)?;
    walk.take(HISTORY_LIMIT)
        .map(|oid| repo.find_commit(oid?)?.tree())
        .collect()
}

/// Trailers of a promotion commit.
pub const TRAILER_PROMOTED_FROM: &str = "Sfsync-Promoted-From";
pub const TRAILER_COMPONENTS: &str = "Sfsync-Components";
pub const TRAILER_FORCED: &str = "Sfsync-Forced";

/// Writes the planned changes onto `branch` as one commit with a single parent
/// (recording the source as a merge parent would make git believe the
/// unselected components were merged). Returns None when nothing changes.
#[allow(clippy::too_many_arguments)] // the promotion's facts, each used once
pub fn commit_to_branch(
    repo: &Repository,
    branch: &str,
    changes: &BTreeMap<String, Option<Vec<u8>>>,
    components: &[String],
    source_label: &str,
    source_commit: Option<Oid>,
    kind: &str,
    forced: bool,
    signature: &git2::Signature<'_>,
) -> Result<Option<Oid>, crate::git::commit::Error> {
    let refname = format!("refs/heads/{branch}");
    let tip = repo.find_reference(&refname).ok().and_then(|r| r.target());
    let base = tip
        .map(|oid| repo.find_commit(oid).and_then(|c| c.tree()))
        .transpose()?;
    let tree = crate::git::commit::apply_to_tree(repo, base.as_ref(), changes)?;
    let subject = match components.len() {
        1 => format!("Promote {} from {source_label}", components[0]),
        n => format!("Promote {n} components from {source_label}"),
    };
    let mut trailers = vec![
        (crate::git::history::TRAILER_KIND, kind.to_string()),
        (
            TRAILER_PROMOTED_FROM,
            source_commit.map_or_else(|| source_label.to_string(), |o| o.to_string()),
        ),
        (TRAILER_COMPONENTS, components.join(", ")),
    ];
    if forced {
        trailers.push((TRAILER_FORCED, "true".to_string()));
    }
    let message = crate::git::commit::with_trailers(&subject, &trailers);
    match crate::git::commit::commit_on_branch(
        repo, branch, tree, &message, signature, signature, tip,
    )? {
        crate::git::commit::Committed::New(oid) => Ok(Some(oid)),
        crate::git::commit::Committed::Unchanged(_) => Ok(None),
    }
}
