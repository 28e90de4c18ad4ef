//! Computing the Branch State Diagram from the repository.

use super::{Activity, Diagram, Stage, State};
use crate::config::Config;
use crate::git::history;
use crate::merge::MergeOptions;
use crate::promote::{self, Action, Side};
use crate::selection::{ComponentPattern, Selection};
use git2::Repository;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("'{0}' is not a branch or revision in this repository")]
    #[diagnostic(
        code(sfsync::status::bad_branch),
        help("pass an existing branch, or run inside a checkout of one")
    )]
    BadBranch(String),
    #[error("the pipeline in sfsync.toml is empty")]
    #[diagnostic(code(sfsync::status::no_pipeline), help("list your orgs from lowest to highest: pipeline = [\"dev\", \"uat\", \"prod\"], after `git sfsync org add` for each"))]
    NoPipeline,
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] crate::config::Error),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Promote(#[from] promote::Error),
    #[error("git: {0}")]
    #[diagnostic(code(sfsync::status::git))]
    Git(#[from] git2::Error),
}

/// Computes the diagram of `branch` (a revision) against every org of the pipeline.
pub fn compute(repo: &Repository, config: &Config, branch: &str) -> Result<Diagram, Error> {
    if config.pipeline.is_empty() {
        return Err(Error::NoPipeline);
    }
    let tip = repo
        .revparse_single(branch)
        .and_then(|o| o.peel_to_commit())
        .map_err(|_| Error::BadBranch(branch.to_string()))?;
    let in_package = |path: &str| {
        config.package_directories.is_empty()
            || config
                .package_directories
                .iter()
                .any(|d| path.starts_with(&format!("{}/", d.trim_end_matches('/'))))
    };
    // What the branch changed since it left the base branch; everything when it is the base.
    let base_tip = repo
        .revparse_single(&config.base_branch)
        .and_then(|o| o.peel_to_commit())
        .ok();
    let fork_point = base_tip
        .as_ref()
        .filter(|b| b.id() != tip.id())
        .and_then(|b| repo.merge_base(b.id(), tip.id()).ok())
        .filter(|mb| *mb != tip.id());
    let mut selection = Selection::default();
    // A branch that changed nothing since it left the base is in sync everywhere it could be.
    let mut nothing_changed = false;
    let changed_components = match fork_point {
        Some(mb) => {
            let old = repo.find_commit(mb)?.tree()?;
            let files =
                crate::diff::changed_between_trees(repo, Some(&old), Some(&tip.tree()?), &|p| {
                    in_package(p)
                })?;
            let components = crate::diff::diff_files(files, crate::diff::Options::default());
            for c in &components {
                selection.components.push(ComponentPattern {
                    kind: c.kind.clone(),
                    name: c.name.clone(),
                });
            }
            nothing_changed = components.is_empty();
            components.len()
        }
        None => {
            for dir in &config.package_directories {
                selection.paths.push(dir.trim_end_matches('/').to_string());
            }
            0
        }
    };

    let mut stages = Vec::new();
    for alias in &config.pipeline {
        let org_branch = config
            .orgs
            .get(alias)
            .map_or_else(|| format!("orgs/{alias}"), |o| o.branch_name(alias));
        let last_activity = history::org_log(repo, alias, &org_branch, 200)?
            .into_iter()
            .find(|e| e.kind != "snapshot" && e.kind != "commit")
            .map(|e| Activity {
                kind: e.kind,
                outcome: e.outcome,
                at: e.at,
                source: e.summary,
                errors: e.errors,
            });
        let Ok(org_ref) = repo.find_reference(&format!("refs/heads/{org_branch}")) else {
            stages.push(Stage {
                org: alias.clone(),
                org_branch,
                state: State::Unknown,
                snapshot: None,
                snapshot_at: None,
                behind: Vec::new(),
                diverged: Vec::new(),
                drifted: None,
                last_activity,
            });
            continue;
        };
        let org_commit = org_ref.peel_to_commit()?;
        let plan = if nothing_changed {
            promote::Plan {
                components: Vec::new(),
            }
        } else {
            promote::plan(
                repo,
                &Side {
                    tree: tip.tree()?,
                    history: Some(tip.id()),
                },
                &Side {
                    tree: org_commit.tree()?,
                    history: Some(org_commit.id()),
                },
                &selection,
                &MergeOptions::default(),
            )?
        };
        let mut behind = Vec::new();
        let mut diverged = Vec::new();
        for component in plan.components {
            match component.action {
                Action::Unchanged => {}
                Action::Update => behind.push(component.component),
                Action::Merge | Action::Conflict | Action::TargetOnly => {
                    diverged.push(component.component)
                }
            }
        }
        let state = if !diverged.is_empty() {
            State::Diverged
        } else if !behind.is_empty() {
            State::Behind
        } else {
            State::InSync
        };
        stages.push(Stage {
            org: alias.clone(),
            org_branch,
            state,
            snapshot: Some(org_commit.id().to_string()[..10].to_string()),
            snapshot_at: Some(history::rfc3339(org_commit.time().seconds())),
            behind,
            diverged,
            drifted: None,
            last_activity,
        });
    }
    Ok(Diagram {
        branch: branch.to_string(),
        base_branch: config.base_branch.clone(),
        changed_components,
        stages,
    })
}
