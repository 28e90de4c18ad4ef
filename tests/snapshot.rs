//! Orgs as branches, snapshots as commits: `snapshot` and `log`.

use crate::common::{org_dir, pipeline_repo, TestEnv};

#[test]
fn first_snapshot_records_the_whole_org_without_touching_the_work_tree() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, &["uat"]);
    let head_before = env.git(&repo, &["rev-parse", "HEAD"]).success().stdout;
    let run = env.sfsync(&repo, &["snapshot", "uat"]).success();
    assert!(
        run.stdout.contains("uat: Initial snapshot"),
        "{}",
        run.stdout
    );

    let message = env
        .git(&repo, &["log", "-1", "--format=%B", "orgs/uat"])
        .success()
        .stdout;
    for trailer in [
        "Sfsync-Org: uat",
        "Sfsync-Kind: snapshot",
        "Sfsync-Org-Id: 00D",
        "Sfsync-Retrieved-At: ",
        "Sfsync-Api-Version: ",
    ] {
        assert!(message.contains(trailer), "missing {trailer} in\n{message}");
    }
    // The org holds what the project holds: no semantic difference with main.
    let diff = env.sfsync(
        &repo,
        &["diff", "main", "orgs/uat", "--stat", "--exit-code"],
    );
    assert_eq!(
        diff.status, 0,
        "org branch differs from main:\n{}",
        diff.stdout
    );
    // The work tree, index and HEAD are untouched.
    assert_eq!(
        env.git(&repo, &["status", "--porcelain"]).success().stdout,
        ""
    );
    assert_eq!(
        env.git(&repo, &["rev-parse", "HEAD"]).success().stdout,
        head_before
    );
}

#[test]
fn a_snapshot_commits_only_when_the_org_changed_and_names_the_change() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, &["uat"]);
    env.sfsync(&repo, &["snapshot", "uat"]).success();
    let again = env.sfsync(&repo, &["snapshot", "uat"]).success();
    assert!(again.stdout.contains("no changes"), "{}", again.stdout);
    assert_eq!(
        env.git(&repo, &["rev-list", "--count", "orgs/uat"])
            .success()
            .stdout
            .trim(),
        "1"
    );

    // Someone changes a class directly in the org.
    let class = org_dir(&env, "uat").join("classes/InvoiceService.cls");
    let text = std::fs::read_to_string(&class).unwrap();
    std::fs::write(
        &class,
        text.replace("addDays(termsDays)", "addDays(termsDays + 2)"),
    )
    .unwrap();
    let run = env.sfsync(&repo, &["snapshot", "uat"]).success();
    assert!(
        run.stdout
            .contains("1 component changed: ApexClass:InvoiceService"),
        "{}",
        run.stdout
    );
    let author = env
        .git(&repo, &["log", "-1", "--format=%an", "orgs/uat"])
        .success()
        .stdout;
    assert!(!author.trim().is_empty());

    let log = env.sfsync(&repo, &["log", "uat"]).success();
    assert_eq!(
        log.stdout
            .lines()
            .filter(|l| l.contains("snapshot"))
            .count(),
        2,
        "{}",
        log.stdout
    );
    assert!(
        log.stdout.contains("ApexClass:InvoiceService"),
        "{}",
        log.stdout
    );
    let json = env.sfsync(&repo, &["log", "uat", "--json"]).success();
    let entries: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(entries[0]["kind"], "snapshot");
}

#[test]
fn several_orgs_are_snapshotted_in_one_command() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, &["dev", "uat", "prod"]);
    let run = env
        .sfsync(&repo, &["snapshot", "--all", "--json"])
        .success();
    let reports: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(reports.as_array().unwrap().len(), 3);
    for alias in ["dev", "uat", "prod"] {
        env.git(&repo, &["rev-parse", "--verify", &format!("orgs/{alias}")])
            .success();
    }
}

#[test]
fn an_unreachable_org_records_nothing() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, &["uat"]);
    let config = env
        .read(&repo, "sfsync.toml")
        .replace("local:../orgs/uat", "http://127.0.0.1:9");
    env.write(&repo, "sfsync.toml", config);
    let run = env
        .command(crate::common::sfsync_bin(), &repo)
        .args(["snapshot", "uat"])
        .env("SFSYNC_ACCESS_TOKEN", "00Dfake!token")
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        !stderr.contains("00Dfake!token"),
        "the token is never printed: {stderr}"
    );
    assert_ne!(
        env.git(&repo, &["rev-parse", "--verify", "-q", "orgs/uat"])
            .status,
        0,
        "no branch was written"
    );
}

#[test]
fn an_unknown_org_is_an_input_error() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, &["uat"]);
    let run = env.sfsync(&repo, &["snapshot", "nope"]).expect_status(2);
    assert!(run.stderr.contains("no org named 'nope'"), "{}", run.stderr);
}
