//! The Git model: opening the repository the way git extensions must, and the
//! paths and configuration git-sfsync reads and writes inside it.

pub mod commit;
pub mod history;
pub mod notes;
pub mod tree;

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("not inside a git repository ({message})")]
    #[diagnostic(
        code(sfsync::git::not_a_repo),
        help("run the command inside a git work tree, or create one with `git init`")
    )]
    NotARepository { message: String },
    #[error("the repository at {path} has no work tree")]
    #[diagnostic(
        code(sfsync::git::bare),
        help("run the command in a clone with a work tree")
    )]
    Bare { path: PathBuf },
    #[error("git: {0}")]
    #[diagnostic(code(sfsync::git::error))]
    Git(#[from] git2::Error),
}

/// Opens the repository the current process runs in, honouring `GIT_DIR` and
/// friends so that the command works inside hooks and worktrees.
pub fn open() -> Result<git2::Repository, Error> {
    git2::Repository::open_from_env().map_err(|e| Error::NotARepository {
        message: e.message().to_string(),
    })
}

/// Returns the work tree root of `repo`.
pub fn workdir(repo: &git2::Repository) -> Result<PathBuf, Error> {
    repo.workdir()
        .map(Path::to_path_buf)
        .ok_or_else(|| Error::Bare {
            path: repo.path().to_path_buf(),
        })
}

/// Returns the directory git runs hooks from: `core.hooksPath` (relative to the
/// work tree, as git resolves it) or `<common dir>/hooks`.
pub fn hooks_dir(repo: &git2::Repository) -> Result<PathBuf, Error> {
    let config = repo.config()?;
    if let Ok(path) = config.get_path("core.hooksPath") {
        if path.is_absolute() {
            return Ok(path);
        }
        let base = repo.workdir().unwrap_or_else(|| repo.path());
        return Ok(base.join(path));
    }
    Ok(repo.commondir().join("hooks"))
}

/// Returns `<common dir>/sfsync`, where per-clone state (credentials, promotion
/// state) lives, outside the work tree so it is never committed.
pub fn state_dir(repo: &git2::Repository) -> PathBuf {
    repo.commondir().join("sfsync")
}
