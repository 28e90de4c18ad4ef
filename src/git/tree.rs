//! Reading a revision's tree straight from the object database: its file
//! list and blobs, without a checkout, so that any revision can be inspected
//! while the working tree stays untouched.

use git2::{ObjectType, Repository, Tree, TreeWalkMode, TreeWalkResult};

/// Why a revision's tree could not be read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("`{rev}` is not a revision of this repository: {message}")]
    #[diagnostic(
        code(sfsync::git::bad_revision),
        help("pass a branch, tag or commit id that `git rev-parse` accepts")
    )]
    BadRevision { rev: String, message: String },

    #[error("cannot read `{path}` at `{rev}`: {source}")]
    #[diagnostic(code(sfsync::git::read))]
    Read {
        rev: String,
        path: String,
        source: git2::Error,
    },

    #[error("cannot list the files of `{rev}`: {source}")]
    #[diagnostic(code(sfsync::git::walk))]
    Walk { rev: String, source: git2::Error },
}

/// One revision's tree, ready to list and read.
pub struct RevTree<'repo> {
    repo: &'repo Repository,
    tree: Tree<'repo>,
    rev: String,
}

impl<'repo> RevTree<'repo> {
    /// Resolves `rev` (anything `git rev-parse` takes) to the tree it names.
    pub fn resolve(repo: &'repo Repository, rev: &str) -> Result<RevTree<'repo>, Error> {
        let bad = |e: git2::Error| Error::BadRevision {
            rev: rev.to_string(),
            message: e.message().to_string(),
        };
        let tree = repo
            .revparse_single(rev)
            .and_then(|o| o.peel_to_tree())
            .map_err(bad)?;
        Ok(RevTree {
            repo,
            tree,
            rev: rev.to_string(),
        })
    }

    /// Returns the revision as the caller spelled it.
    pub fn rev(&self) -> &str {
        &self.rev
    }

    /// Returns the repo-relative paths of every file (blob or symlink) in the tree, sorted.
    ///
    /// Submodules are not files of this repository and are left out.
    pub fn files(&self) -> Result<Vec<String>, Error> {
        let mut files = Vec::new();
        self.tree
            .walk(TreeWalkMode::PreOrder, |dir, entry| {
                if entry.kind() == Some(ObjectType::Blob) {
                    let name = String::from_utf8_lossy(entry.name_bytes());
                    files.push(format!("{dir}{name}"));
                }
                TreeWalkResult::Ok
            })
            .map_err(|source| Error::Walk {
                rev: self.rev.clone(),
                source,
            })?;
        files.sort();
        Ok(files)
    }

    /// Returns the content of the file at `path`, or `None` when the tree has no such file.
    pub fn read(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        let entry = match self.tree.get_path(std::path::Path::new(path)) {
            Ok(entry) => entry,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(source) => {
                return Err(Error::Read {
                    rev: self.rev.clone(),
                    path: path.to_string(),
                    source,
                })
            }
        };
        if entry.kind() != Some(ObjectType::Blob) {
            return Ok(None);
        }
        let blob = self
            .repo
            .find_blob(entry.id())
            .map_err(|source| Error::Read {
                rev: self.rev.clone(),
                path: path.to_string(),
                source,
            })?;
        Ok(Some(blob.content().to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_with_files(files: &[(&str, &str)]) -> (tempfile::TempDir, Repository) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let repo = Repository::init(tmp.path()).expect("init");
        {
            let mut index = repo.index().expect("index");
            for (path, content) in files {
                let full = tmp.path().join(path);
                std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
                std::fs::write(&full, content).expect("write");
                index.add_path(std::path::Path::new(path)).expect("add");
            }
            let tree_id = index.write_tree().expect("write tree");
            let tree = repo.find_tree(tree_id).expect("tree");
            let sig = git2::Signature::new("T", "t@example.com", &git2::Time::new(0, 0))
                .expect("signature");
            repo.commit(Some("HEAD"), &sig, &sig, "c", &tree, &[])
                .expect("commit");
        }
        (tmp, repo)
    }

    #[test]
    fn lists_and_reads_files_of_a_revision() {
        let (_tmp, repo) = repo_with_files(&[("a/b/c.txt", "C"), ("top.txt", "T")]);
        let tree = RevTree::resolve(&repo, "HEAD").expect("HEAD resolves");
        assert_eq!(tree.files().expect("files"), ["a/b/c.txt", "top.txt"]);
        assert_eq!(tree.read("a/b/c.txt").expect("read"), Some(b"C".to_vec()));
        assert_eq!(tree.read("missing").expect("read"), None);
        assert_eq!(tree.read("a/b").expect("read a dir"), None);
    }

    #[test]
    fn a_bad_revision_is_a_typed_error() {
        let (_tmp, repo) = repo_with_files(&[("x", "x")]);
        let err = RevTree::resolve(&repo, "no-such-branch")
            .err()
            .expect("fails");
        assert!(matches!(err, Error::BadRevision { .. }));
        assert!(err.to_string().contains("no-such-branch"));
    }
}
