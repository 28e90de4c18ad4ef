//! Snapshots: an org's metadata, retrieved and committed on its org branch.
//!
//! A snapshot commit holds the full source-format tree of what the org has
//! for the components the project tracks, so that the org's history, drift
//! and state are plain Git history. The branch is written by compare-and-swap
//! and only when something changed; the user's work tree and index are never
//! touched. A retrieve that failed writes nothing, because recording is a
//! separate step that only runs on a complete result.

use crate::diff::{self, ComponentDiff};
use crate::git::commit::{self, Committed, FileChanges};
use crate::git::history::{TRAILER_KIND, TRAILER_ORG};
use crate::metadata::component::{resolve_source_paths, MetadataType};
use crate::org::{FileProperties, Package};
use git2::{Oid, Repository, Signature};
use std::collections::{BTreeMap, BTreeSet};

/// Trailers a snapshot commit carries.
pub const TRAILER_ORG_ID: &str = "Sfsync-Org-Id";
pub const TRAILER_RETRIEVED_AT: &str = "Sfsync-Retrieved-At";
pub const TRAILER_API_VERSION: &str = "Sfsync-Api-Version";

/// Attempts to write the branch when another writer keeps moving it.
const CAS_ATTEMPTS: usize = 5;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Commit(#[from] commit::Error),
    #[error("git: {0}")]
    #[diagnostic(code(sfsync::snapshot::git))]
    Git(#[from] git2::Error),
}

/// Returns the manifest of what the project tracks: every component under
/// the package directories of `tree`, by name, plus `*` for each type so that
/// components created directly in the org are captured too.
pub fn tracked_manifest(paths: &[String], api_version: &str) -> Package {
    let mut members: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for source in resolve_source_paths(paths) {
        let component = source.component.parent().unwrap_or(source.component);
        let MetadataType::Known(def) = component.kind else {
            continue;
        };
        let names = members.entry(def.name.clone()).or_default();
        names.insert(component.full_name.clone());
        if !def.in_folder && def.name != "StandardValueSet" {
            names.insert("*".to_string());
        }
    }
    crate::org::format::package_of(members, api_version)
}

/// Facts about the retrieve, written as trailers.
#[derive(Debug, Clone)]
pub struct Facts {
    pub alias: String,
    pub org_id: Option<String>,
    pub api_version: String,
    /// RFC 3339.
    pub retrieved_at: String,
}

/// What recording a snapshot did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The new commit, or `None` when the org had not changed.
    pub commit: Option<Oid>,
    pub branch: String,
    pub changes: Vec<ComponentDiff>,
    pub summary: String,
}

/// Commits `files` (the org's source files, repository-relative) on `branch`
/// as the new state of everything under `package_dirs`. Files outside the
/// package directories (sfdx-project.json, .forceignore, .gitattributes) come
/// from the branch's previous commit, or from `seed` for the first snapshot.
#[allow(clippy::too_many_arguments)] // one call site per command; a struct would only rename them
pub fn record(
    repo: &Repository,
    branch: &str,
    package_dirs: &[String],
    files: &BTreeMap<String, Vec<u8>>,
    properties: &[FileProperties],
    facts: &Facts,
    seed: Option<&git2::Tree<'_>>,
    committer: &Signature<'_>,
) -> Result<Outcome, Error> {
    let in_package = |path: &str| {
        package_dirs
            .iter()
            .any(|d| path.starts_with(&format!("{}/", d.trim_end_matches('/'))))
    };
    for _ in 0..CAS_ATTEMPTS {
        let tip = repo
            .find_reference(&format!("refs/heads/{branch}"))
            .ok()
            .and_then(|r| r.target());
        let previous = tip
            .map(|oid| repo.find_commit(oid).and_then(|c| c.tree()))
            .transpose()?;
        let tree = build_tree(repo, previous.as_ref().or(seed), package_dirs, files)?;
        if previous.as_ref().is_some_and(|p| p.id() == tree) {
            return Ok(Outcome {
                commit: None,
                branch: branch.to_string(),
                changes: Vec::new(),
                summary: "no changes".into(),
            });
        }
        let new_tree = repo.find_tree(tree)?;
        let changed =
            diff::changed_between_trees(repo, previous.as_ref(), Some(&new_tree), &|p| {
                in_package(p)
            })?;
        let components = diff::diff_files(changed, diff::Options::default());
        let summary = summarise(&components, previous.is_none());
        let message = commit::with_trailers(
            &summary,
            &[
                (TRAILER_ORG, facts.alias.clone()),
                (
                    TRAILER_ORG_ID,
                    facts.org_id.clone().unwrap_or_else(|| "unknown".into()),
                ),
                (TRAILER_KIND, "snapshot".into()),
                (TRAILER_RETRIEVED_AT, facts.retrieved_at.clone()),
                (TRAILER_API_VERSION, facts.api_version.clone()),
            ],
        );
        let author_name = last_modifier(properties, &components)
            .unwrap_or_else(|| format!("Salesforce org {}", facts.alias));
        let author = Signature::new(
            &author_name,
            &format!("{}@org.sfsync.invalid", facts.alias),
            &committer.when(),
        )?;
        match commit::commit_on_branch(repo, branch, tree, &message, &author, committer, tip) {
            Ok(Committed::New(oid)) => {
                return Ok(Outcome {
                    commit: Some(oid),
                    branch: branch.to_string(),
                    changes: components,
                    summary,
                })
            }
            Ok(Committed::Unchanged(_)) => {
                return Ok(Outcome {
                    commit: None,
                    branch: branch.to_string(),
                    changes: Vec::new(),
                    summary: "no changes".into(),
                })
            }
            // Another snapshot landed first: the org's state is still what we
            // retrieved, so record it on top of theirs.
            Err(commit::Error::Concurrent { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(commit::Error::Concurrent {
        branch: branch.to_string(),
        expected: "a stable tip".into(),
        found: "a moving branch".into(),
    }
    .into())
}

/// Returns the tree of `start` with everything under `package_dirs` replaced
/// by `files` (the org's source files, repository-relative).
pub fn build_tree(
    repo: &Repository,
    start: Option<&git2::Tree<'_>>,
    package_dirs: &[String],
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<Oid, Error> {
    let in_package = |path: &str| {
        package_dirs
            .iter()
            .any(|d| path.starts_with(&format!("{}/", d.trim_end_matches('/'))))
    };
    let mut changes: FileChanges = BTreeMap::new();
    if let Some(start) = start {
        start.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(git2::ObjectType::Blob) {
                let path = format!("{dir}{}", entry.name().unwrap_or_default());
                if in_package(&path) && !files.contains_key(&path) {
                    changes.insert(path, None);
                }
            }
            git2::TreeWalkResult::Ok
        })?;
    }
    for (path, content) in files {
        changes.insert(path.clone(), Some(content.clone()));
    }
    Ok(commit::apply_to_tree(repo, start, &changes)?)
}

/// Words a snapshot commit's subject: `3 components changed: ApexClass:Foo, ...`.
pub fn summarise(components: &[ComponentDiff], first: bool) -> String {
    const SHOWN: usize = 8;
    if first {
        return format!(
            "Initial snapshot: {} component{}",
            components.len(),
            plural(components.len())
        );
    }
    let names: Vec<&str> = components
        .iter()
        .take(SHOWN)
        .map(|c| c.component.as_str())
        .collect();
    let more = components.len().saturating_sub(SHOWN);
    let mut text = format!(
        "{} component{} changed: {}",
        components.len(),
        plural(components.len()),
        names.join(", ")
    );
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Returns who last modified any of the changed components, per the org's
/// lastModified data (the newest date wins).
fn last_modifier(properties: &[FileProperties], changed: &[ComponentDiff]) -> Option<String> {
    let wanted: BTreeSet<(&str, &str)> = changed
        .iter()
        .map(|c| (c.kind.as_str(), c.name.as_str()))
        .collect();
    properties
        .iter()
        .filter(|p| !p.last_modified_by_name.is_empty())
        .filter(|p| wanted.is_empty() || wanted.contains(&(p.type_.as_str(), p.full_name.as_str())))
        .max_by(|a, b| a.last_modified_date.cmp(&b.last_modified_date))
        .map(|p| p.last_modified_by_name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_names_tracked_components_and_wildcards() {
        let paths = vec![
            "force-app/main/default/classes/Foo.cls".to_string(),
            "force-app/main/default/classes/Foo.cls-meta.xml".to_string(),
            "force-app/main/default/objects/Account/fields/Tier__c.field-meta.xml".to_string(),
        ];
        let manifest = tracked_manifest(&paths, "63.0");
        let types: BTreeMap<&str, &Vec<String>> = manifest
            .types
            .iter()
            .map(|t| (t.name.as_str(), &t.members))
            .collect();
        assert_eq!(
            types["ApexClass"],
            &vec!["*".to_string(), "Foo".to_string()]
        );
        assert!(
            types["CustomObject"].contains(&"Account".to_string()),
            "children are retrieved through their parent"
        );
    }

    #[test]
    fn summaries_name_the_components() {
        let component = |name: &str| ComponentDiff {
            component: format!("ApexClass:{name}"),
            kind: "ApexClass".into(),
            name: name.into(),
            status: diff::Status::Modified,
            files: vec![],
        };
        assert_eq!(
            summarise(&[component("Foo")], false),
            "1 component changed: ApexClass:Foo"
        );
        let many: Vec<_> = (0..10).map(|i| component(&format!("C{i}"))).collect();
        assert!(summarise(&many, false).ends_with("and 2 more"));
    }
}
