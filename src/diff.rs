//! Semantic diff across revisions and the working tree.
//!
//! Git finds what changed (blob ids differ, so untouched files cost nothing);
//! this module asks the engines what those changes *mean*, in parallel, and
//! groups them by component. A file whose changes are only formatting or
//! reordering disappears from the result; a file an engine cannot parse is
//! still reported, as a plain content change, never dropped.

use crate::merge::Engine;
use crate::metadata::component::resolve_source_path;
use crate::semantic::{Change, ChangeKind};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// What the caller wants to ignore.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Drop comment-only changes.
    pub ignore_comments: bool,
}

/// How a file or component changed between the two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Added,
    Deleted,
    Modified,
}

/// The semantic changes of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileDiff {
    pub path: String,
    pub status: Status,
    /// Unit-level changes (empty for added and deleted files).
    pub changes: Vec<Change>,
    /// Why the engine could not compare this file, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The semantic changes of one component, across its files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComponentDiff {
    /// `TYPE:Name`, e.g. `ApexClass:InvoiceService`.
    pub component: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub status: Status,
    pub files: Vec<FileDiff>,
}

impl ComponentDiff {
    /// Returns the number of unit-level changes (at least 1 for an added or deleted file).
    pub fn change_count(&self) -> usize {
        self.files.iter().map(|f| f.changes.len().max(1)).sum()
    }
}

/// One changed path with the content on each side (`None`: absent on that side).
#[derive(Debug, Clone)]
pub struct ChangedFile {
    pub path: String,
    pub old: Option<Vec<u8>>,
    pub new: Option<Vec<u8>>,
}

/// Returns the semantic changes of one file, or `None` when the two sides
/// mean the same (moved members, reordered keyed items, formatting).
pub fn diff_file(
    path: &str,
    old: Option<&[u8]>,
    new: Option<&[u8]>,
    options: Options,
) -> Option<FileDiff> {
    let (old, new) = match (old, new) {
        (None, None) => return None,
        (None, Some(_)) => {
            return Some(FileDiff {
                path: path.into(),
                status: Status::Added,
                changes: vec![],
                note: None,
            })
        }
        (Some(_), None) => {
            return Some(FileDiff {
                path: path.into(),
                status: Status::Deleted,
                changes: vec![],
                note: None,
            })
        }
        (Some(old), Some(new)) => (old, new),
    };
    if old == new {
        return None;
    }
    let engine_result: Option<Result<Vec<Change>, String>> =
        match Engine::for_path(std::path::Path::new(path)) {
            Engine::Apex => Some(
                crate::apex::diff(
                    old,
                    new,
                    &crate::apex::DiffOptions {
                        ignore_comments: options.ignore_comments,
                    },
                )
                .map_err(|e| e.to_string()),
            ),
            Engine::Xml => Some(crate::xml::diff(old, new).map_err(|e| e.to_string())),
            Engine::Text => None,
        };
    let (changes, note) = match engine_result {
        Some(Ok(mut changes)) => {
            if options.ignore_comments {
                changes.retain(|c| c.kind.is_semantic());
            }
            (changes, None)
        }
        Some(Err(reason)) => (vec![content_changed()], Some(reason)),
        None => (vec![content_changed()], None),
    };
    if changes.is_empty() {
        return None;
    }
    Some(FileDiff {
        path: path.into(),
        status: Status::Modified,
        changes,
        note,
    })
}

fn content_changed() -> Change {
    Change::worded("content", ChangeKind::Modified, "content changed")
}

/// Diffs every changed file in parallel and groups the results by component.
pub fn diff_files(files: Vec<ChangedFile>, options: Options) -> Vec<ComponentDiff> {
    let diffs: Vec<FileDiff> = files
        .par_iter()
        .filter_map(|f| diff_file(&f.path, f.old.as_deref(), f.new.as_deref(), options))
        .collect();
    group_by_component(diffs)
}

/// Groups file diffs by the component each file belongs to, sorted by component.
pub fn group_by_component(diffs: Vec<FileDiff>) -> Vec<ComponentDiff> {
    let mut groups: BTreeMap<String, ComponentDiff> = BTreeMap::new();
    for diff in diffs {
        let (component, _) = resolve_source_path(&diff.path);
        let key = component.to_string();
        let entry = groups.entry(key.clone()).or_insert_with(|| ComponentDiff {
            component: key,
            kind: component.kind.name().to_string(),
            name: component.full_name.clone(),
            status: diff.status,
            files: Vec::new(),
        });
        if entry.status != diff.status {
            entry.status = Status::Modified;
        }
        entry.files.push(diff);
    }
    groups.into_values().collect()
}

/// Lists the files whose blob ids differ between two trees (either may be
/// absent: an empty side), restricted to `filter` when given.
pub fn changed_between_trees(
    repo: &git2::Repository,
    old: Option<&git2::Tree<'_>>,
    new: Option<&git2::Tree<'_>>,
    filter: &dyn Fn(&str) -> bool,
) -> Result<Vec<ChangedFile>, git2::Error> {
    let mut options = git2::DiffOptions::new();
    options.skip_binary_check(true);
    let diff = repo.diff_tree_to_tree(old, new, Some(&mut options))?;
    let blob = |oid: git2::Oid| -> Result<Option<Vec<u8>>, git2::Error> {
        if oid.is_zero() {
            Ok(None)
        } else {
            Ok(Some(repo.find_blob(oid)?.content().to_vec()))
        }
    };
    let mut files = Vec::new();
    for delta in diff.deltas() {
        let Some(path) = delta.new_file().path().or_else(|| delta.old_file().path()) else {
            continue;
        };
        let path = path.to_string_lossy().replace('\\', "/");
        if !filter(&path) {
            continue;
        }
        files.push(ChangedFile {
            path,
            old: blob(delta.old_file().id())?,
            new: blob(delta.new_file().id())?,
        });
    }
    Ok(files)
}

/// Lists the files that differ between a tree and the work tree (tracked
/// changes and untracked, not ignored, files).
pub fn changed_against_workdir(
    repo: &git2::Repository,
    old: Option<&git2::Tree<'_>>,
    filter: &dyn Fn(&str) -> bool,
) -> Result<Vec<ChangedFile>, git2::Error> {
    let mut options = git2::DiffOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .skip_binary_check(true);
    let diff = repo.diff_tree_to_workdir_with_index(old, Some(&mut options))?;
    let workdir = repo
        .workdir()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let mut files = Vec::new();
    for delta in diff.deltas() {
        let Some(path) = delta.new_file().path().or_else(|| delta.old_file().path()) else {
            continue;
        };
        let path = path.to_string_lossy().replace('\\', "/");
        if !filter(&path) {
            continue;
        }
        let old_id = delta.old_file().id();
        let old = if old_id.is_zero() {
            None
        } else {
            repo.find_blob(old_id).ok().map(|b| b.content().to_vec())
        };
        let new = std::fs::read(workdir.join(&path)).ok();
        files.push(ChangedFile { path, old, new });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_and_deleted_files_are_reported_without_parsing() {
        let added = diff_file(
            "force-app/main/default/classes/Foo.cls",
            None,
            Some(b"not apex at all {"),
            Options::default(),
        )
        .unwrap();
        assert_eq!(added.status, Status::Added);
        assert!(diff_file("x.cls", Some(b"a"), Some(b"a"), Options::default()).is_none());
    }

    #[test]
    fn unparseable_files_are_still_reported() {
        let diff = diff_file(
            "force-app/main/default/labels/CustomLabels.labels-meta.xml",
            Some(b"<a>"),
            Some(b"<b>"),
            Options::default(),
        )
        .unwrap();
        assert_eq!(diff.changes[0].summary, "content changed");
        assert!(diff.note.is_some());
    }

    #[test]
    fn text_files_change_as_a_whole() {
        let diff = diff_file(
            "force-app/main/default/lwc/x/x.js",
            Some(b"a"),
            Some(b"b"),
            Options::default(),
        )
        .unwrap();
        assert_eq!(diff.changes.len(), 1);
    }
}
