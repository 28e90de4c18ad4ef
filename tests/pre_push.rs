//! The pre-push hook: pushes that would overwrite changes made in an org are blocked.

use crate::common::TestEnv;

const CLASS_PATH: &str = "force-app/main/default/classes/InvoiceService.cls";

/// A project whose `release/uat` branch CI deploys to the `uat` org, with a
/// bare remote, and `orgs/uat` recording a snapshot taken after the deploy.
fn pipeline(env: &TestEnv) -> (std::path::PathBuf, String) {
    let repo = env.init_repo("project");
    env.write(
        &repo,
        "sfdx-project.json",
        r#"{"packageDirectories":[{"path":"force-app","default":true}]}"#,
    );
    env.write(
        &repo,
        CLASS_PATH,
        "public class InvoiceService {\n    public void send() {}\n}\n",
    );
    env.sfsync(&repo, &["init"]).success();
    let mut config = env.read(&repo, "sfsync.toml");
    config.push_str(
        "\n[orgs.uat]\nurl = \"local:.sfsync/orgs/uat\"\ndeploy_branch = \"release/uat\"\n",
    );
    env.write(&repo, "sfsync.toml", config);
    env.commit_all(&repo, "project");
    env.git(&repo, &["branch", "release/uat"]).success();
    env.git(&repo, &["branch", "orgs/uat"]).success();
    let remote = env.root().join("remote.git");
    env.git(
        env.root(),
        &["init", "-q", "--bare", remote.to_str().unwrap()],
    )
    .success();
    let remote = remote.to_str().unwrap().to_string();
    env.git(&repo, &["push", "-q", &remote, "main", "release/uat"])
        .success();
    (repo, remote)
}

#[test]
fn push_that_touches_no_org_passes() {
    let env = TestEnv::new();
    let (repo, remote) = pipeline(&env);
    env.git(&repo, &["checkout", "-q", "-b", "feature/x"])
        .success();
    env.write(
        &repo,
        CLASS_PATH,
        "public class InvoiceService {\n    public void send() { }\n}\n",
    );
    env.commit_all(&repo, "feature");
    env.git(&repo, &["push", "-q", &remote, "feature/x"])
        .success();
}

#[test]
fn push_overwriting_an_org_hotfix_is_blocked_until_merged() {
    let env = TestEnv::new();
    let (repo, remote) = pipeline(&env);
    // Someone fixed the class directly in uat; the snapshot recorded it.
    env.git(&repo, &["checkout", "-q", "orgs/uat"]).success();
    env.write(
        &repo,
        CLASS_PATH,
        "public class InvoiceService {\n    public void send() { retry(); }\n}\n",
    );
    let hotfix = env
        .command("git", &repo)
        .args(["commit", "-qam", "snapshot uat"])
        .env("GIT_AUTHOR_NAME", "Hank Hotfix")
        .status()
        .unwrap();
    assert!(hotfix.success());
    // A developer changes the same class on the deploy branch without the hotfix.
    env.git(&repo, &["checkout", "-q", "release/uat"]).success();
    env.write(&repo, CLASS_PATH, "public class InvoiceService {\n    public void send() {}\n    public void cancel() {}\n}\n");
    env.commit_all(&repo, "add cancel");

    let blocked = env.git(&repo, &["push", &remote, "release/uat"]);
    assert_ne!(
        blocked.status, 0,
        "push must be blocked\n{}",
        blocked.stderr
    );
    assert!(
        blocked
            .stderr
            .contains("would overwrite changes made in the org"),
        "{}",
        blocked.stderr
    );
    assert!(blocked.stderr.contains(CLASS_PATH), "{}", blocked.stderr);
    assert!(
        blocked.stderr.contains("Hank Hotfix"),
        "names who changed it: {}",
        blocked.stderr
    );
    assert!(
        blocked.stderr.contains("SFSYNC_SKIP_HOOK"),
        "names the override: {}",
        blocked.stderr
    );

    // The command the message suggests brings the org's change in, and the push goes through.
    let suggested = "git sfsync promote --from orgs/uat --to release/uat --component 'ApexClass:InvoiceService'";
    assert!(blocked.stderr.contains(suggested), "{}", blocked.stderr);
    env.sfsync(
        &repo,
        &[
            "promote",
            "--from",
            "orgs/uat",
            "--to",
            "release/uat",
            "--component",
            "ApexClass:InvoiceService",
        ],
    )
    .success();
    let merged = env.read(&repo, CLASS_PATH);
    assert!(
        merged.contains("retry();") && merged.contains("cancel()"),
        "both changes: {merged}"
    );
    env.git(&repo, &["push", "-q", &remote, "release/uat"])
        .success();
}

#[test]
fn override_lets_the_push_through() {
    let env = TestEnv::new();
    let (repo, remote) = pipeline(&env);
    env.git(&repo, &["checkout", "-q", "orgs/uat"]).success();
    env.write(
        &repo,
        CLASS_PATH,
        "public class InvoiceService {\n    public void send() { retry(); }\n}\n",
    );
    env.commit_all(&repo, "snapshot uat");
    env.git(&repo, &["checkout", "-q", "release/uat"]).success();
    env.write(&repo, CLASS_PATH, "public class InvoiceService {}\n");
    env.commit_all(&repo, "rewrite");
    let forced = env
        .command("git", &repo)
        .args(["push", "-q", &remote, "release/uat"])
        .env("SFSYNC_SKIP_HOOK", "1")
        .output()
        .unwrap();
    assert!(
        forced.status.success(),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
}

#[test]
fn live_check_blocks_a_push_when_the_org_drifted_since_its_snapshot() {
    let env = TestEnv::new();
    let repo = crate::common::pipeline_repo(&env, &["uat"]);
    let config = env.read(&repo, "sfsync.toml").replace(
        "url = \"local:../orgs/uat\"\n",
        "url = \"local:../orgs/uat\"\ndeploy_branch = \"release/uat\"\n\n[hooks.pre_push]\nlive = true\n",
    );
    env.write(&repo, "sfsync.toml", config);
    env.commit_all(&repo, "uat deploys from release/uat");
    env.sfsync(&repo, &["snapshot", "uat"]).success();
    let remote = env.root().join("remote.git");
    env.git(
        env.root(),
        &["init", "-q", "--bare", remote.to_str().unwrap()],
    )
    .success();
    let remote = remote.to_str().unwrap().to_string();
    env.git(&repo, &["branch", "release/uat"]).success();
    env.git(&repo, &["push", "-q", &remote, "release/uat"])
        .success();

    let class = crate::common::org_dir(&env, "uat").join("classes/InvoiceService.cls");
    let text = std::fs::read_to_string(&class).unwrap();
    std::fs::write(
        &class,
        text.replace("addDays(termsDays)", "addDays(termsDays + 5)"),
    )
    .unwrap();
    env.git(&repo, &["checkout", "-q", "release/uat"]).success();
    env.write(
        &repo,
        "force-app/main/default/classes/InvoiceStatus.cls",
        "public enum InvoiceStatus { DRAFT, SENT, PAID, OVERDUE, VOID }\n",
    );
    env.commit_all(&repo, "void status");
    let blocked = env.git(&repo, &["push", &remote, "release/uat"]);
    assert_ne!(blocked.status, 0);
    assert!(
        blocked
            .stderr
            .contains("the org changed since its last snapshot"),
        "{}",
        blocked.stderr
    );
    assert!(
        blocked.stderr.contains("ApexClass:InvoiceService"),
        "{}",
        blocked.stderr
    );
    env.sfsync(&repo, &["snapshot", "uat"]).success();
    env.git(&repo, &["push", "-q", &remote, "release/uat"])
        .success();
}
