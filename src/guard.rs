//! The overwrite guard behind the pre-push hook: would this push deploy over
//! changes that were made directly in an org?
//!
//! A ref maps to an org when it is the org's deploy branch in `sfsync.toml`
//! (the branch CI deploys to that org). For each file the push changes, the
//! org's recorded version (the tip of its org branch, the latest snapshot) must
//! be one the pushed commit already knows: equal to the pushed version, equal to
//! what the remote had (nothing changed in the org since), or present in the
//! pushed commit's own history of that path (the org is merely behind). Anything
//! else is work the org has and the push would overwrite.

use crate::config::Config;
use git2::{Oid, Repository};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Environment variable that skips the guard for one push.
pub const ENV_SKIP_HOOK: &str = "SFSYNC_SKIP_HOOK";

/// How far back the pushed commit's history is searched for the org's version.
const HISTORY_LIMIT: usize = 20_000;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("pre-push: cannot parse the ref line '{line}' git passed on stdin")]
    #[diagnostic(code(sfsync::hook::input))]
    BadRefLine { line: String },
    #[error(transparent)]
    #[diagnostic(code(sfsync::hook::git))]
    Git(#[from] git2::Error),
}

/// One line git passes to pre-push: `<local ref> <local sha> <remote ref> <remote sha>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedRef {
    pub local_ref: String,
    pub local: Oid,
    pub remote_ref: String,
    pub remote: Oid,
}

impl PushedRef {
    /// Parses git's stdin for pre-push; blank lines are ignored.
    pub fn parse_all(input: &str) -> Result<Vec<PushedRef>, Error> {
        input
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let bad = || Error::BadRefLine {
                    line: line.to_string(),
                };
                let parts: Vec<&str> = line.split_whitespace().collect();
                let [local_ref, local, remote_ref, remote] = parts[..] else {
                    return Err(bad());
                };
                Ok(PushedRef {
                    local_ref: local_ref.to_string(),
                    local: Oid::from_str(local).map_err(|_| bad())?,
                    remote_ref: remote_ref.to_string(),
                    remote: Oid::from_str(remote).map_err(|_| bad())?,
                })
            })
            .collect()
    }

    pub fn is_deletion(&self) -> bool {
        self.local.is_zero()
    }
}

/// Returns the org alias a pushed ref deploys to, if any.
pub fn org_for_ref<'c>(config: &'c Config, remote_ref: &str) -> Option<&'c str> {
    let branch = remote_ref.strip_prefix("refs/heads/")?;
    config
        .orgs
        .iter()
        .find(|(_, org)| org.deploy_branch.as_deref() == Some(branch))
        .map(|(alias, _)| alias.as_str())
}

/// A file the push would overwrite in an org.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Overwrite {
    pub org: String,
    pub branch: String,
    pub path: PathBuf,
    /// The component the file belongs to (`ApexClass:InvoiceService`).
    pub component: String,
    /// Who recorded the org's version on the org branch, and when (RFC 3339).
    pub changed_by: Option<String>,
    pub changed_at: Option<String>,
}

/// Checks every pushed ref and returns the overwrites found (empty: push is safe).
pub fn check(
    repo: &Repository,
    config: &Config,
    pushed: &[PushedRef],
) -> Result<Vec<Overwrite>, Error> {
    let mut found = Vec::new();
    for push in pushed {
        if push.is_deletion() {
            continue;
        }
        let Some(alias) = org_for_ref(config, &push.remote_ref) else {
            continue;
        };
        let org_branch = config.orgs[alias].branch_name(alias);
        let Ok(org_ref) = repo.find_reference(&format!("refs/heads/{org_branch}")) else {
            // No snapshot yet: nothing recorded that the push could overwrite.
            continue;
        };
        let org_tree = org_ref.peel_to_commit()?.tree()?;
        let pushed_tree = repo.find_commit(push.local)?.tree()?;
        let remote_tree = if push.remote.is_zero() {
            None
        } else {
            repo.find_commit(push.remote)
                .ok()
                .map(|c| c.tree())
                .transpose()?
        };
        let diff = repo.diff_tree_to_tree(remote_tree.as_ref(), Some(&pushed_tree), None)?;
        let mut suspects: BTreeMap<PathBuf, Oid> = BTreeMap::new();
        for delta in diff.deltas() {
            let Some(path) = delta.new_file().path().or_else(|| delta.old_file().path()) else {
                continue;
            };
            let Ok(org_entry) = org_tree.get_path(path) else {
                continue;
            };
            let org_blob = org_entry.id();
            let unchanged_since_deploy =
                delta.old_file().id() == org_blob && !delta.old_file().id().is_zero();
            if org_blob == delta.new_file().id() || unchanged_since_deploy {
                continue;
            }
            // The same rule as promotion: a version that means the same is no overwrite.
            let path_text = path.to_string_lossy();
            let same_meaning = |other: git2::Oid| -> bool {
                if other.is_zero() {
                    return false;
                }
                match (repo.find_blob(org_blob), repo.find_blob(other)) {
                    (Ok(org), Ok(other)) => crate::diff::diff_file(
                        &path_text,
                        Some(org.content()),
                        Some(other.content()),
                        crate::diff::Options::default(),
                    )
                    .is_none(),
                    _ => false,
                }
            };
            if same_meaning(delta.new_file().id()) || same_meaning(delta.old_file().id()) {
                continue;
            }
            suspects.insert(path.to_path_buf(), org_blob);
        }
        if suspects.is_empty() {
            continue;
        }
        known_in_history(repo, push.local, &mut suspects)?;
        contained_by_merge(repo, push.local, org_ref.target(), &mut suspects)?;
        for (path, _) in suspects {
            let (changed_by, changed_at) =
                last_change(repo, org_ref.target().unwrap_or(push.local), &path)?;
            let component =
                crate::metadata::component::resolve_source_path(&path.to_string_lossy())
                    .0
                    .to_string();
            found.push(Overwrite {
                component,
                org: alias.to_string(),
                branch: push
                    .remote_ref
                    .trim_start_matches("refs/heads/")
                    .to_string(),
                path,
                changed_by,
                changed_at,
            });
        }
    }
    Ok(found)
}

/// Removes from `suspects` every path whose org version appears in the history
/// of `tip` (the pushed commit already contains that change).
fn known_in_history(
    repo: &Repository,
    tip: Oid,
    suspects: &mut BTreeMap<PathBuf, Oid>,
) -> Result<(), Error> {
    let mut walk = repo.revwalk()?;
    walk.push(tip)?;
    for oid in walk.take(HISTORY_LIMIT) {
        if suspects.is_empty() {
            break;
        }
        let tree = repo.find_commit(oid?)?.tree()?;
        suspects.retain(|path, org_blob| {
            tree.get_path(path)
                .map(|e| e.id() != *org_blob)
                .unwrap_or(true)
        });
    }
    Ok(())
}

/// Removes from `suspects` every path whose org changes the pushed commit
/// already contains: merging the org's version into the pushed one (with the
/// newest version both histories share as base, as promotion does) gives the
/// pushed version back. That is the case after a back promotion, which brings
/// the org's content without its git ancestry.
fn contained_by_merge(
    repo: &Repository,
    pushed: Oid,
    org_tip: Option<Oid>,
    suspects: &mut BTreeMap<PathBuf, Oid>,
) -> Result<(), Error> {
    let Some(org_tip) = org_tip else {
        return Ok(());
    };
    if suspects.is_empty() {
        return Ok(());
    }
    let pushed_tree = repo.find_commit(pushed)?.tree()?;
    let selection = crate::selection::Selection {
        components: Vec::new(),
        paths: suspects
            .keys()
            .map(|p| p.to_string_lossy().into_owned())
            .collect(),
    };
    let plan = crate::promote::plan(
        repo,
        &crate::promote::Side {
            tree: pushed_tree.clone(),
            history: Some(pushed),
        },
        &crate::promote::Side {
            tree: repo.find_commit(org_tip)?.tree()?,
            history: Some(org_tip),
        },
        &selection,
        &crate::merge::MergeOptions::default(),
    )
    .map_err(|crate::promote::Error::Git(e)| Error::Git(e))?;
    for component in plan.components {
        if component.action != crate::promote::Action::Merge {
            continue;
        }
        for file in component.files {
            let pushed_blob = pushed_tree
                .get_path(std::path::Path::new(&file.path))
                .ok()
                .and_then(|e| repo.find_blob(e.id()).ok())
                .map(|b| b.content().to_vec());
            let same = crate::diff::diff_file(
                &file.path,
                file.content.as_deref(),
                pushed_blob.as_deref(),
                crate::diff::Options::default(),
            )
            .is_none();
            if same {
                suspects.remove(std::path::Path::new(&file.path));
            }
        }
    }
    Ok(())
}

/// Finds the commit on the org branch that last changed `path`: its author and date.
fn last_change(
    repo: &Repository,
    org_tip: Oid,
    path: &std::path::Path,
) -> Result<(Option<String>, Option<String>), Error> {
    let mut walk = repo.revwalk()?;
    walk.push(org_tip)?;
    let mut newest: Option<(Oid, git2::Commit)> = None;
    for oid in walk.take(HISTORY_LIMIT) {
        let commit = repo.find_commit(oid?)?;
        let blob = commit.tree()?.get_path(path).map(|e| e.id()).ok();
        match (&newest, blob) {
            (None, Some(blob)) => newest = Some((blob, commit)),
            (Some((wanted, _)), Some(blob)) if blob == *wanted => newest = Some((blob, commit)),
            _ => break,
        }
    }
    Ok(match newest {
        Some((_, commit)) => {
            let author = commit.author();
            let who = author.name().ok().map(str::to_string);
            let when = jiff::Timestamp::from_second(author.when().seconds())
                .ok()
                .map(|t| t.to_string());
            (who, when)
        }
        None => (None, None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_lines_are_parsed() {
        let zero = "0".repeat(40);
        let sha = "a".repeat(40);
        let input = format!("refs/heads/main {sha} refs/heads/main {zero}\n\n");
        let refs = PushedRef::parse_all(&input).unwrap();
        assert_eq!(refs.len(), 1);
        assert!(refs[0].remote.is_zero());
        assert!(PushedRef::parse_all("garbage\n").is_err());
    }

    #[test]
    fn only_deploy_branches_map_to_orgs() {
        let mut config = Config::default();
        config.orgs.insert(
            "uat".into(),
            crate::config::OrgConfig {
                url: "local:x".into(),
                branch: None,
                deploy_branch: Some("release/uat".into()),
            },
        );
        assert_eq!(org_for_ref(&config, "refs/heads/release/uat"), Some("uat"));
        assert_eq!(org_for_ref(&config, "refs/heads/feature/x"), None);
        assert_eq!(org_for_ref(&config, "refs/tags/v1"), None);
    }
}
