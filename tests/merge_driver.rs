//! The merge driver's contract with git, independent of the engines.

use crate::common::TestEnv;

#[test]
fn text_files_merge_like_git_merge_file() {
    let env = TestEnv::new();
    let dir = env.root();
    env.write(dir, "base", "one\ntwo\nthree\n");
    env.write(dir, "ours", "ONE\ntwo\nthree\n");
    env.write(dir, "theirs", "one\ntwo\nTHREE\n");
    env.sfsync(
        dir,
        &["merge-driver", "base", "ours", "theirs", "notes.txt"],
    )
    .success();
    assert_eq!(env.read(dir, "ours"), "ONE\ntwo\nTHREE\n");
}

#[test]
fn conflicts_exit_one_and_match_git_merge_file() {
    let env = TestEnv::new();
    let dir = env.root();
    for (name, content) in [
        ("base", "a\nx\nb\n"),
        ("ours", "a\nours\nb\n"),
        ("theirs", "a\ntheirs\nb\n"),
    ] {
        env.write(dir, name, content);
        env.write(dir, &format!("git-{name}"), content);
    }
    env.sfsync(
        dir,
        &[
            "merge-driver",
            "--conflict-style",
            "diff3",
            "base",
            "ours",
            "theirs",
            "notes.txt",
        ],
    )
    .expect_status(1);
    let git = env.git(
        dir,
        &[
            "merge-file",
            "--diff3",
            "-L",
            "ours:notes.txt",
            "-L",
            "base:notes.txt",
            "-L",
            "theirs:notes.txt",
            "git-ours",
            "git-base",
            "git-theirs",
        ],
    );
    assert_eq!(git.status, 1, "git merge-file reports one conflict");
    assert_eq!(env.read(dir, "ours"), env.read(dir, "git-ours"));
}

#[test]
fn missing_input_file_is_an_error_not_a_conflict() {
    let env = TestEnv::new();
    let dir = env.root();
    env.write(dir, "ours", "x\n");
    let run = env.sfsync(dir, &["merge-driver", "nope", "ours", "nope2", "a.txt"]);
    assert!(
        run.status > 1,
        "status {} stderr {}",
        run.status,
        run.stderr
    );
    assert_eq!(
        env.read(dir, "ours"),
        "x\n",
        "ours is untouched when the merge cannot run"
    );
}
