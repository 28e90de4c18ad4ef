//! `git sfsync init`: setting a repository up, idempotently, without clobbering the user's setup.

use crate::common::TestEnv;
use std::path::Path;

const SFDX_PROJECT: &str =
    r#"{"packageDirectories":[{"path":"force-app","default":true}],"sourceApiVersion":"63.0"}"#;

fn project(env: &TestEnv) -> std::path::PathBuf {
    let repo = env.init_repo("project");
    env.write(&repo, "sfdx-project.json", SFDX_PROJECT);
    env.write(
        &repo,
        "force-app/main/default/classes/Foo.cls",
        "public class Foo {}\n",
    );
    env.commit_all(&repo, "project");
    repo
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[test]
fn without_sfdx_project_init_explains_the_fix() {
    let env = TestEnv::new();
    let repo = env.init_repo("plain");
    let run = env.sfsync(&repo, &["init"]).expect_status(2);
    assert!(run.stderr.contains("sfdx-project.json"), "{}", run.stderr);
    assert!(
        !repo.join(".gitattributes").exists(),
        "nothing is written on error"
    );
}

#[test]
fn outside_a_repository_is_an_input_error() {
    let env = TestEnv::new();
    let run = env.sfsync(env.root(), &["init"]).expect_status(2);
    assert!(
        run.stderr.contains("not inside a git repository"),
        "{}",
        run.stderr
    );
}

#[test]
fn init_installs_everything_and_is_idempotent() {
    let env = TestEnv::new();
    let repo = project(&env);
    let check = env.sfsync(&repo, &["init", "--check"]).expect_status(1);
    assert!(check.stdout.contains(".gitattributes"), "{}", check.stdout);
    assert!(
        !repo.join(".gitattributes").exists(),
        "--check changes nothing"
    );

    env.sfsync(&repo, &["init"]).success();
    let attributes = env.read(&repo, ".gitattributes");
    for line in [
        "*.cls merge=sfsync",
        "*.trigger merge=sfsync",
        "*-meta.xml merge=sfsync",
    ] {
        assert!(attributes.contains(line), "{attributes}");
    }
    let driver = env.git(&repo, &["config", "merge.sfsync.driver"]).success();
    assert_eq!(
        driver.stdout.trim(),
        "git-sfsync merge-driver %O %A %B %P %L"
    );
    let hook = repo.join(".git/hooks/pre-push");
    assert!(is_executable(&hook));
    assert!(env
        .read(&repo, "sfsync.toml")
        .contains("package_directories = [\"force-app\"]"));
    let attr = env
        .git(
            &repo,
            &[
                "check-attr",
                "merge",
                "--",
                "force-app/main/default/classes/Foo.cls",
            ],
        )
        .success();
    assert!(attr.stdout.contains("merge: sfsync"), "{}", attr.stdout);

    let snapshot: Vec<String> = [
        ".gitattributes",
        "sfsync.toml",
        ".git/hooks/pre-push",
        ".git/config",
    ]
    .iter()
    .map(|f| env.read(&repo, f))
    .collect();
    let again = env.sfsync(&repo, &["init"]).success();
    assert!(again.stdout.contains("already set up"), "{}", again.stdout);
    let after: Vec<String> = [
        ".gitattributes",
        "sfsync.toml",
        ".git/hooks/pre-push",
        ".git/config",
    ]
    .iter()
    .map(|f| env.read(&repo, f))
    .collect();
    assert_eq!(snapshot, after, "a second init changes nothing");
    env.sfsync(&repo, &["init", "--check"]).success();
}

#[test]
fn existing_attributes_and_user_hook_are_kept_and_chained() {
    let env = TestEnv::new();
    let repo = project(&env);
    env.write(&repo, ".gitattributes", "*.png binary\n");
    env.write(
        &repo,
        ".git/hooks/pre-push",
        "#!/bin/sh\ncat > \"$(git rev-parse --git-dir)/user-hook-saw\"\n",
    );
    std::process::Command::new("chmod")
        .args(["+x", repo.join(".git/hooks/pre-push").to_str().unwrap()])
        .status()
        .unwrap();
    env.sfsync(&repo, &["init"]).success();
    assert!(env
        .read(&repo, ".gitattributes")
        .starts_with("*.png binary\n"));
    assert!(env
        .read(&repo, ".git/hooks/pre-push.user")
        .contains("user-hook-saw"));

    // A push runs both hooks, and the user's hook still gets git's ref lines.
    let remote = env.root().join("remote.git");
    env.git(
        env.root(),
        &["init", "-q", "--bare", remote.to_str().unwrap()],
    )
    .success();
    env.commit_all(&repo, "set up git-sfsync");
    env.git(&repo, &["push", "-q", remote.to_str().unwrap(), "main"])
        .success();
    let saw = env.read(&repo, ".git/user-hook-saw");
    assert!(
        saw.starts_with("refs/heads/main "),
        "user hook input: {saw:?}"
    );
}

#[test]
fn core_hooks_path_is_honoured() {
    let env = TestEnv::new();
    let repo = project(&env);
    env.git(&repo, &["config", "core.hooksPath", ".githooks"])
        .success();
    env.sfsync(&repo, &["init"]).success();
    assert!(is_executable(&repo.join(".githooks/pre-push")));
    assert!(!repo.join(".git/hooks/pre-push").exists());
}

#[test]
fn another_merge_driver_is_not_taken_over_without_force() {
    let env = TestEnv::new();
    let repo = project(&env);
    env.write(
        &repo,
        ".gitattributes",
        "*-meta.xml merge=salesforce-source\n",
    );
    let run = env.sfsync(&repo, &["init"]).success();
    assert!(
        run.stderr.contains("another merge driver"),
        "{}",
        run.stderr
    );
    assert!(!env
        .read(&repo, ".gitattributes")
        .contains("*-meta.xml merge=sfsync"));
    env.sfsync(&repo, &["init", "--force"]).success();
    assert!(env
        .read(&repo, ".gitattributes")
        .contains("*-meta.xml merge=sfsync"));
}
