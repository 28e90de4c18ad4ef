//! A hermetic environment per test: a temporary directory, the real `git` with
//! no user or system configuration, fixed identities and dates, and the built
//! `git-sfsync` binary on PATH so that `git sfsync` works as it does for users.

#![allow(dead_code)] // each test module uses a different subset of the helpers

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Path of the binary under test.
pub fn sfsync_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_git-sfsync"))
}

/// Root of the repository's `fixtures/` directory.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// One test's world: a temporary directory and the commands run inside it.
pub struct TestEnv {
    pub tmp: tempfile::TempDir,
}

/// What a command printed and how it exited.
#[derive(Debug)]
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            status: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Panics with the full output unless the command exited with `code`.
    #[track_caller]
    pub fn expect_status(self, code: i32) -> Run {
        assert_eq!(
            self.status, code,
            "unexpected exit status\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn success(self) -> Run {
        self.expect_status(0)
    }
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEnv {
    pub fn new() -> TestEnv {
        TestEnv {
            tmp: tempfile::tempdir().expect("create a temporary directory"),
        }
    }

    pub fn root(&self) -> &Path {
        self.tmp.path()
    }

    /// Returns a command with the hermetic environment applied, run in `dir`.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(dir).env_clear();
        let bin_dir = sfsync_bin()
            .parent()
            .expect("binary has a directory")
            .to_path_buf();
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![bin_dir];
        paths.extend(std::env::split_paths(&path));
        cmd.env("PATH", std::env::join_paths(paths).expect("valid PATH"))
            .env("HOME", self.root())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Ada Admin")
            .env("GIT_AUTHOR_EMAIL", "ada@example.com")
            .env("GIT_COMMITTER_NAME", "Ada Admin")
            .env("GIT_COMMITTER_EMAIL", "ada@example.com")
            .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
            .env("LC_ALL", "C")
            .env("TZ", "UTC")
            .env("NO_COLOR", "1");
        cmd
    }

    /// Runs `git <args>` in `dir`.
    pub fn git(&self, dir: &Path, args: &[&str]) -> Run {
        Run::from(
            self.command("git", dir)
                .args(args)
                .output()
                .expect("run git"),
        )
    }

    /// Runs `git-sfsync <args>` in `dir`.
    pub fn sfsync(&self, dir: &Path, args: &[&str]) -> Run {
        Run::from(
            self.command(sfsync_bin(), dir)
                .args(args)
                .output()
                .expect("run git-sfsync"),
        )
    }

    /// Creates an empty repository at `<tmp>/<name>` with `main` as its branch.
    pub fn init_repo(&self, name: &str) -> PathBuf {
        let dir = self.root().join(name);
        std::fs::create_dir_all(&dir).expect("create repo dir");
        self.git(&dir, &["init", "-q", "-b", "main"]).success();
        dir
    }

    /// Writes `content` to `dir/rel`, creating parent directories.
    pub fn write(&self, dir: &Path, rel: &str, content: impl AsRef<[u8]>) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("file has a parent")).expect("create dirs");
        std::fs::write(path, content).expect("write file");
    }

    pub fn read(&self, dir: &Path, rel: &str) -> String {
        std::fs::read_to_string(dir.join(rel)).expect("read file")
    }

    /// Stages everything and commits with `message`.
    pub fn commit_all(&self, dir: &Path, message: &str) {
        self.git(dir, &["add", "-A"]).success();
        self.git(dir, &["commit", "-q", "-m", message]).success();
    }
}

/// Recursively copies `from` into `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create target dir");
    for entry in std::fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// The sample project set up by `git sfsync init`, with one embedded emulated
/// org per alias (`local:../orgs/<alias>`, each seeded with the sample
/// project's metadata) in a pipeline in the given order. Returns the repository.
pub fn pipeline_repo(env: &TestEnv, aliases: &[&str]) -> PathBuf {
    let repo = env.init_repo("project");
    copy_dir(&fixtures_dir().join("sample-project"), &repo);
    env.sfsync(&repo, &["init"]).success();
    let mut config = String::from("pipeline = [");
    config.push_str(
        &aliases
            .iter()
            .map(|a| format!("\"{a}\""))
            .collect::<Vec<_>>()
            .join(", "),
    );
    config.push_str("]\nbase_branch = \"main\"\npackage_directories = [\"force-app\"]\n");
    for alias in aliases {
        let org_dir = env.root().join("orgs").join(alias);
        copy_dir(
            &fixtures_dir().join("sample-project/force-app"),
            &org_dir.join("force-app"),
        );
        config.push_str(&format!(
            "\n[orgs.{alias}]\nurl = \"local:../orgs/{alias}\"\n"
        ));
    }
    env.write(&repo, "sfsync.toml", config);
    env.commit_all(&repo, "sample project with a pipeline");
    repo
}

/// Returns the directory of an emulated org created by [`pipeline_repo`].
pub fn org_dir(env: &TestEnv, alias: &str) -> PathBuf {
    env.root()
        .join("orgs")
        .join(alias)
        .join("force-app/main/default")
}
