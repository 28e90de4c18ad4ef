//! Writing trees and commits to branches without touching the work tree or
//! the index, atomically.
//!
//! Snapshots, deployments and promotions all end the same way: a new tree is
//! committed on a branch (an org branch, a target branch). The branch is moved
//! with compare-and-swap on its old value, so two concurrent writers never lose
//! one another's commit: the loser gets [`Error::Concurrent`] and nothing is
//! written. The user's checkout is never involved.

use git2::{Oid, Repository, Signature};
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("branch {branch} moved while we were writing it (expected {expected}, found {found})")]
    #[diagnostic(code(sfsync::git::concurrent), help("another snapshot or promotion wrote the branch at the same time; run the command again"))]
    Concurrent {
        branch: String,
        expected: String,
        found: String,
    },
    #[error("'{path}' is not a valid path inside the repository")]
    #[diagnostic(code(sfsync::git::bad_path))]
    BadPath { path: String },
    #[error("git: {0}")]
    #[diagnostic(code(sfsync::git::error))]
    Git(#[from] git2::Error),
}

/// A change to one file of a tree: new content, or deletion.
pub type FileChanges = BTreeMap<String, Option<Vec<u8>>>;

/// Returns the id of a tree holding exactly `files` (repository-relative
/// paths with `/`).
pub fn write_tree(repo: &Repository, files: &BTreeMap<String, Vec<u8>>) -> Result<Oid, Error> {
    let changes: FileChanges = files
        .iter()
        .map(|(path, content)| (path.clone(), Some(content.clone())))
        .collect();
    apply_to_tree(repo, None, &changes)
}

/// Returns the id of `base` with `changes` applied: only the named paths
/// change, everything else is shared with `base`.
pub fn apply_to_tree(
    repo: &Repository,
    base: Option<&git2::Tree<'_>>,
    changes: &FileChanges,
) -> Result<Oid, Error> {
    // Group changes by their first path component and recurse: a tree builder
    // works one directory level at a time.
    let mut here: BTreeMap<&str, Option<&Vec<u8>>> = BTreeMap::new();
    let mut below: BTreeMap<&str, FileChanges> = BTreeMap::new();
    for (path, content) in changes {
        let path_str = path.as_str();
        if path_str.is_empty()
            || path_str.starts_with('/')
            || path_str
                .split('/')
                .any(|c| c.is_empty() || c == "." || c == "..")
        {
            return Err(Error::BadPath { path: path.clone() });
        }
        match path_str.split_once('/') {
            None => {
                here.insert(path_str, content.as_ref());
            }
            Some((dir, rest)) => {
                below
                    .entry(dir)
                    .or_default()
                    .insert(rest.to_string(), content.clone());
            }
        }
    }
    let mut builder = repo.treebuilder(base)?;
    for (name, content) in here {
        match content {
            Some(bytes) => {
                let blob = repo.blob(bytes)?;
                builder.insert(name, blob, git2::FileMode::Blob.into())?;
            }
            None => {
                if builder.get(name)?.is_some() {
                    builder.remove(name)?;
                }
            }
        }
    }
    for (dir, sub_changes) in below {
        let existing = match builder.get(dir)? {
            Some(entry) if entry.kind() == Some(git2::ObjectType::Tree) => {
                Some(repo.find_tree(entry.id())?)
            }
            _ => None,
        };
        let sub = apply_to_tree(repo, existing.as_ref(), &sub_changes)?;
        if repo.find_tree(sub)?.is_empty() {
            if builder.get(dir)?.is_some() {
                builder.remove(dir)?;
            }
        } else {
            builder.insert(dir, sub, git2::FileMode::Tree.into())?;
        }
    }
    Ok(builder.write()?)
}

/// What [`commit_on_branch`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Committed {
    /// A new commit was written and the branch moved to it.
    New(Oid),
    /// The tree equals the branch's current tree: nothing written.
    Unchanged(Oid),
}

/// Commits `tree` on `branch` (a short name such as `orgs/uat`) with a single
/// parent, the branch's current tip, which must still be `expected` (None: the
/// branch must not exist yet). Writes nothing when the tree is unchanged.
pub fn commit_on_branch(
    repo: &Repository,
    branch: &str,
    tree: Oid,
    message: &str,
    author: &Signature<'_>,
    committer: &Signature<'_>,
    expected: Option<Oid>,
) -> Result<Committed, Error> {
    let refname = format!("refs/heads/{branch}");
    let current = repo.find_reference(&refname).ok().and_then(|r| r.target());
    if current != expected {
        return Err(concurrent(branch, expected, current));
    }
    let parent = current.map(|oid| repo.find_commit(oid)).transpose()?;
    if let Some(parent) = &parent {
        if parent.tree_id() == tree {
            return Ok(Committed::Unchanged(parent.id()));
        }
    }
    let tree = repo.find_tree(tree)?;
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    let oid = repo.commit(None, author, committer, message, &tree, &parents)?;
    let log = format!("git-sfsync: {}", message.lines().next().unwrap_or_default());
    let moved = match current {
        Some(old) => repo
            .reference_matching(&refname, oid, true, old, &log)
            .map(|_| ()),
        None => repo.reference(&refname, oid, false, &log).map(|_| ()),
    };
    match moved {
        Ok(()) => Ok(Committed::New(oid)),
        Err(e)
            if matches!(
                e.code(),
                git2::ErrorCode::Modified | git2::ErrorCode::Exists | git2::ErrorCode::Locked
            ) =>
        {
            let found = repo.find_reference(&refname).ok().and_then(|r| r.target());
            Err(concurrent(branch, expected, found))
        }
        Err(e) => Err(e.into()),
    }
}

fn concurrent(branch: &str, expected: Option<Oid>, found: Option<Oid>) -> Error {
    let show = |oid: Option<Oid>| {
        oid.map_or_else(
            || "no branch".to_string(),
            |o| o.to_string()[..12].to_string(),
        )
    };
    Error::Concurrent {
        branch: branch.to_string(),
        expected: show(expected),
        found: show(found),
    }
}

/// Appends `trailers` (`Key: value`) to a commit message, in git's trailer format.
pub fn with_trailers(message: &str, trailers: &[(&str, String)]) -> String {
    let mut text = message.trim_end().to_string();
    text.push_str("\n\n");
    for (key, value) in trailers {
        text.push_str(&format!("{key}: {value}\n"));
    }
    text
}

/// Returns the trailers of a commit message as (key, value) pairs, in order.
pub fn trailers(message: &str) -> Vec<(String, String)> {
    let Some(last_paragraph) = message.trim_end().rsplit("\n\n").next() else {
        return Vec::new();
    };
    let parsed: Vec<(String, String)> = last_paragraph
        .lines()
        .filter_map(|line| {
            let (key, value) = line.split_once(": ")?;
            (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
                .then(|| (key.to_string(), value.trim().to_string()))
        })
        .collect();
    if parsed.len() == last_paragraph.lines().count() {
        parsed
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> (tempfile::TempDir, Repository) {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        (dir, repo)
    }

    fn sig() -> Signature<'static> {
        Signature::new("Ada", "ada@example.com", &git2::Time::new(1_767_225_600, 0)).unwrap()
    }

    #[test]
    fn trees_are_built_and_patched() {
        let (_dir, repo) = repo();
        let files = BTreeMap::from([
            (
                "force-app/main/default/classes/Foo.cls".to_string(),
                b"class Foo {}".to_vec(),
            ),
            ("sfdx-project.json".to_string(), b"{}".to_vec()),
        ]);
        let tree = write_tree(&repo, &files).unwrap();
        let tree = repo.find_tree(tree).unwrap();
        assert!(tree
            .get_path(std::path::Path::new(
                "force-app/main/default/classes/Foo.cls"
            ))
            .is_ok());
        let patched = apply_to_tree(
            &repo,
            Some(&tree),
            &FileChanges::from([("force-app/main/default/classes/Foo.cls".to_string(), None)]),
        )
        .unwrap();
        let patched = repo.find_tree(patched).unwrap();
        assert!(
            patched.get_path(std::path::Path::new("force-app")).is_err(),
            "empty directories disappear"
        );
        assert!(patched
            .get_path(std::path::Path::new("sfdx-project.json"))
            .is_ok());
        assert!(matches!(
            apply_to_tree(
                &repo,
                None,
                &FileChanges::from([("../evil".to_string(), None)])
            ),
            Err(Error::BadPath { .. })
        ));
    }

    #[test]
    fn branch_moves_only_from_the_expected_tip() {
        let (_dir, repo) = repo();
        let one = write_tree(&repo, &BTreeMap::from([("a".to_string(), b"1".to_vec())])).unwrap();
        let two = write_tree(&repo, &BTreeMap::from([("a".to_string(), b"2".to_vec())])).unwrap();
        let Committed::New(first) =
            commit_on_branch(&repo, "orgs/uat", one, "snap 1", &sig(), &sig(), None).unwrap()
        else {
            panic!("first commit is new")
        };
        assert_eq!(
            commit_on_branch(&repo, "orgs/uat", one, "same", &sig(), &sig(), Some(first)).unwrap(),
            Committed::Unchanged(first)
        );
        let err = commit_on_branch(&repo, "orgs/uat", two, "stale writer", &sig(), &sig(), None)
            .unwrap_err();
        assert!(matches!(err, Error::Concurrent { .. }), "{err}");
        let Committed::New(second) = commit_on_branch(
            &repo,
            "orgs/uat",
            two,
            "snap 2",
            &sig(),
            &sig(),
            Some(first),
        )
        .unwrap() else {
            panic!("second commit is new")
        };
        assert_eq!(
            repo.find_commit(second).unwrap().parent_id(0).unwrap(),
            first
        );
    }

    #[test]
    fn trailers_round_trip() {
        let message = with_trailers(
            "3 components changed",
            &[
                ("Sfsync-Org", "uat".into()),
                ("Sfsync-Kind", "snapshot".into()),
            ],
        );
        assert_eq!(
            trailers(&message),
            vec![
                ("Sfsync-Org".into(), "uat".into()),
                ("Sfsync-Kind".into(), "snapshot".into())
            ]
        );
        assert!(trailers("no trailers here\n\njust text").is_empty());
    }
}
