//! Resolving revisions the user typed, with errors that say what to do.

use super::{CommandError, ExitKind};

/// Resolves `spec` (a branch, tag, commit, `orgs/uat`...) to its tree.
pub fn tree<'r>(repo: &'r git2::Repository, spec: &str) -> Result<git2::Tree<'r>, CommandError> {
    let object = repo.revparse_single(spec).map_err(|_| bad_revision(spec))?;
    object.peel_to_tree().map_err(|_| bad_revision(spec))
}

/// Resolves `spec` to a commit.
pub fn commit<'r>(
    repo: &'r git2::Repository,
    spec: &str,
) -> Result<git2::Commit<'r>, CommandError> {
    let object = repo.revparse_single(spec).map_err(|_| bad_revision(spec))?;
    object.peel_to_commit().map_err(|_| bad_revision(spec))
}

fn bad_revision(spec: &str) -> CommandError {
    CommandError::new(
        ExitKind::Input,
        miette::miette!(
            code = "sfsync::git::bad_revision",
            help = "use a branch, tag or commit that exists here (`git branch -a`, `git log`); org branches are orgs/<alias>",
            "'{spec}' is not a revision in this repository"
        ),
    )
}
