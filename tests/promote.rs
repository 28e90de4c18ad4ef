//! Promotion and back promotion: exactly the chosen components, never over
//! someone else's work without saying so.

use crate::common::{org_dir, pipeline_repo, TestEnv};
use std::path::{Path, PathBuf};

const SERVICE: &str = "force-app/main/default/classes/InvoiceService.cls";
const PROFILE: &str = "force-app/main/default/profiles/Admin.profile-meta.xml";

/// dev, uat, prod snapshotted; feature/JIRA-142 changes the class and the profile in two commits.
fn setup(env: &TestEnv) -> PathBuf {
    let repo = pipeline_repo(env, &["dev", "uat", "prod"]);
    env.sfsync(&repo, &["snapshot", "--all"]).success();
    env.git(&repo, &["checkout", "-q", "-b", "feature/JIRA-142"])
        .success();
    let class = env
        .read(&repo, SERVICE)
        .replace("addDays(termsDays)", "addDays(termsDays + 1)");
    env.write(&repo, SERVICE, class);
    env.commit_all(&repo, "JIRA-142: one grace day");
    let profile = env.read(&repo, PROFILE).replacen(
        "<editable>true</editable>\n        <field>Account.Industry</field>",
        "<editable>false</editable>\n        <field>Account.Industry</field>",
        1,
    );
    env.write(&repo, PROFILE, profile);
    env.commit_all(&repo, "JIRA-150: industry is read-only");
    repo
}

fn org_file(env: &TestEnv, alias: &str, rel: &str) -> String {
    std::fs::read_to_string(org_dir(env, alias).join(rel)).unwrap()
}

/// Edits a file directly in an org and records a snapshot of it.
fn hotfix(env: &TestEnv, repo: &Path, alias: &str, rel: &str, from: &str, to: &str) {
    let path = org_dir(env, alias).join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from));
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    env.sfsync(repo, &["snapshot", alias]).success();
}

#[test]
fn a_behind_org_is_updated_and_the_org_branch_records_it() {
    let env = TestEnv::new();
    let repo = setup(&env);
    let run = env
        .sfsync(
            &repo,
            &["promote", "--from", "feature/JIRA-142", "--to", "org:dev"],
        )
        .success();
    assert!(
        run.stdout.contains("update    ApexClass:InvoiceService"),
        "{}",
        run.stdout
    );
    assert!(org_file(&env, "dev", "classes/InvoiceService.cls").contains("termsDays + 1"));
    let message = env
        .git(&repo, &["log", "-1", "--format=%B", "orgs/dev"])
        .success()
        .stdout;
    assert!(message.contains("Sfsync-Kind: promotion"), "{message}");
    assert!(
        message.contains("Sfsync-Components: ApexClass:InvoiceService, Profile:Admin"),
        "{message}"
    );
    let parents = env
        .git(&repo, &["log", "-1", "--format=%P", "orgs/dev"])
        .success()
        .stdout;
    assert_eq!(
        parents.split_whitespace().count(),
        1,
        "a promotion has a single parent"
    );
    let status = env.sfsync(&repo, &["status"]).success();
    assert!(
        status.stdout.contains("[✓ dev] ──▶ [● uat] ──▶ [● prod]"),
        "{}",
        status.stdout
    );
}

#[test]
fn a_hotfix_in_the_target_is_merged_not_overwritten() {
    let env = TestEnv::new();
    let repo = setup(&env);
    hotfix(
        &env,
        &repo,
        "prod",
        "classes/InvoiceService.cls",
        "'Unknown invoice status: '",
        "'Unknown status: '",
    );
    let run = env
        .sfsync(
            &repo,
            &[
                "promote",
                "--from",
                "feature/JIRA-142",
                "--to",
                "org:prod",
                "--component",
                "ApexClass:*",
            ],
        )
        .success();
    assert!(
        run.stdout.contains("merge     ApexClass:InvoiceService"),
        "{}",
        run.stdout
    );
    let deployed = org_file(&env, "prod", "classes/InvoiceService.cls");
    assert!(
        deployed.contains("termsDays + 1") && deployed.contains("'Unknown status: '"),
        "both changes deployed:\n{deployed}"
    );
    assert!(
        !org_file(&env, "prod", "profiles/Admin.profile-meta.xml")
            .contains("<editable>false</editable>\n        <field>Account.Industry"),
        "unselected components stay"
    );
}

#[test]
fn a_conflict_stops_before_anything_is_deployed() {
    let env = TestEnv::new();
    let repo = setup(&env);
    hotfix(
        &env,
        &repo,
        "uat",
        "classes/InvoiceService.cls",
        "addDays(termsDays)",
        "addDays(termsDays * 2)",
    );
    let before = org_file(&env, "uat", "classes/InvoiceService.cls");
    let tip = env.git(&repo, &["rev-parse", "orgs/uat"]).success().stdout;
    let run = env
        .sfsync(
            &repo,
            &["promote", "--from", "feature/JIRA-142", "--to", "org:uat"],
        )
        .expect_status(1);
    assert!(
        run.stdout
            .contains("conflict in method dueDateFor(Date, Integer)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("target changed by"), "{}", run.stdout);
    assert!(
        run.stderr.contains("Nothing was written or deployed"),
        "{}",
        run.stderr
    );
    assert_eq!(org_file(&env, "uat", "classes/InvoiceService.cls"), before);
    assert_eq!(
        env.git(&repo, &["rev-parse", "orgs/uat"]).success().stdout,
        tip
    );
    let status = env.sfsync(&repo, &["status"]).success();
    assert!(
        status.stdout.contains("last promotion: blocked"),
        "{}",
        status.stdout
    );
}

#[test]
fn auto_promotes_what_merges_cleanly_and_reports_the_rest() {
    let env = TestEnv::new();
    let repo = setup(&env);
    hotfix(
        &env,
        &repo,
        "uat",
        "classes/InvoiceService.cls",
        "addDays(termsDays)",
        "addDays(termsDays * 2)",
    );
    let summary = env.root().join("summary.md");
    let run = env
        .sfsync(
            &repo,
            &[
                "promote",
                "--from",
                "feature/JIRA-142",
                "--to",
                "org:uat",
                "--auto",
                "--json",
                "--summary",
                summary.to_str().unwrap(),
            ],
        )
        .expect_status(1);
    let reports: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(reports[0]["outcome"], "partial");
    assert_eq!(reports[0]["skipped"][0], "ApexClass:InvoiceService");
    assert!(org_file(&env, "uat", "profiles/Admin.profile-meta.xml")
        .contains("<editable>false</editable>\n        <field>Account.Industry"));
    assert!(
        org_file(&env, "uat", "classes/InvoiceService.cls").contains("termsDays * 2"),
        "the conflicting class is untouched"
    );
    let markdown = std::fs::read_to_string(summary).unwrap();
    assert!(
        markdown.contains("| `ApexClass:InvoiceService` | conflict |"),
        "{markdown}"
    );
}

#[test]
fn force_overwrites_and_says_so() {
    let env = TestEnv::new();
    let repo = setup(&env);
    hotfix(
        &env,
        &repo,
        "uat",
        "classes/InvoiceService.cls",
        "addDays(termsDays)",
        "addDays(termsDays * 2)",
    );
    env.sfsync(
        &repo,
        &[
            "promote",
            "--from",
            "feature/JIRA-142",
            "--to",
            "org:uat",
            "--force",
        ],
    )
    .success();
    assert!(org_file(&env, "uat", "classes/InvoiceService.cls").contains("termsDays + 1"));
    let message = env
        .git(&repo, &["log", "-1", "--format=%B", "orgs/uat"])
        .success()
        .stdout;
    assert!(message.contains("Sfsync-Forced: true"), "{message}");
}

#[test]
fn promotion_into_a_branch_takes_only_the_selected_components() {
    let env = TestEnv::new();
    let repo = setup(&env);
    env.git(&repo, &["checkout", "-q", "main"]).success();
    env.sfsync(
        &repo,
        &[
            "promote",
            "--from",
            "feature/JIRA-142",
            "--to",
            "main",
            "--story",
            "JIRA-142",
        ],
    )
    .success();
    assert!(
        env.read(&repo, SERVICE).contains("termsDays + 1"),
        "the checked-out branch is updated"
    );
    assert!(
        !env.read(&repo, PROFILE)
            .contains("<editable>false</editable>\n        <field>Account.Industry"),
        "JIRA-150 is not promoted"
    );
    let parents = env
        .git(&repo, &["log", "-1", "--format=%P", "main"])
        .success()
        .stdout;
    assert_eq!(parents.split_whitespace().count(), 1);
    assert_eq!(
        env.git(&repo, &["status", "--porcelain"]).success().stdout,
        ""
    );
    let again = env
        .sfsync(
            &repo,
            &[
                "promote",
                "--from",
                "feature/JIRA-142",
                "--to",
                "main",
                "--story",
                "JIRA-142",
            ],
        )
        .success();
    assert!(
        again.stdout.contains("nothing to promote"),
        "{}",
        again.stdout
    );
    let bad = env
        .sfsync(
            &repo,
            &[
                "promote",
                "--from",
                "feature/JIRA-142",
                "--to",
                "main",
                "--story",
                "JIRA-999",
            ],
        )
        .expect_status(2);
    assert!(bad.stderr.contains("JIRA-999"), "{}", bad.stderr);
}

#[test]
fn back_promotion_brings_a_prod_hotfix_down_the_pipeline() {
    let env = TestEnv::new();
    let repo = setup(&env);
    hotfix(
        &env,
        &repo,
        "prod",
        "classes/InvoiceService.cls",
        "'Unknown invoice status: '",
        "'Unknown status: '",
    );
    let run = env
        .sfsync(&repo, &["backpromote", "prod", "--json"])
        .success();
    let reports: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(reports.as_array().unwrap().len(), 2, "uat and dev");
    for alias in ["uat", "dev"] {
        assert!(
            org_file(&env, alias, "classes/InvoiceService.cls").contains("'Unknown status: '"),
            "{alias} has the hotfix"
        );
    }
    let log = env.sfsync(&repo, &["log", "dev"]).success();
    assert!(log.stdout.contains("back_promotion"), "{}", log.stdout);
}

/// Replaces a conflict region (markers included) with `resolution`.
fn resolve_conflict(text: &str, resolution: &str) -> String {
    let start = text.find("<<<<<<<").expect("a conflict");
    let end_marker = text[start..].find(">>>>>>>").expect("its end") + start;
    let end = text[end_marker..]
        .find('\n')
        .map_or(text.len(), |n| end_marker + n + 1);
    format!("{}{resolution}{}", &text[..start], &text[end..])
}

#[test]
fn conflicts_are_solved_on_the_fly_and_the_promotion_continues() {
    let env = TestEnv::new();
    let repo = setup(&env);
    hotfix(
        &env,
        &repo,
        "uat",
        "classes/InvoiceService.cls",
        "addDays(termsDays)",
        "addDays(termsDays * 2)",
    );
    let stopped = env
        .sfsync(
            &repo,
            &["promote", "--from", "feature/JIRA-142", "--to", "org:uat"],
        )
        .expect_status(1);
    assert!(
        stopped.stderr.contains("promote --continue"),
        "{}",
        stopped.stderr
    );
    let conflicted = env.read(&repo, SERVICE);
    assert_eq!(conflicted.matches("<<<<<<<").count(), 1, "{conflicted}");
    let region =
        &conflicted[conflicted.find("<<<<<<<").unwrap()..conflicted.find(">>>>>>>").unwrap()];
    assert!(
        !region.contains("public static"),
        "markers only around the conflicting lines: {region}"
    );
    let busy = env
        .sfsync(
            &repo,
            &["promote", "--from", "feature/JIRA-142", "--to", "org:dev"],
        )
        .expect_status(2);
    assert!(busy.stderr.contains("--continue"), "{}", busy.stderr);
    let unresolved = env
        .sfsync(&repo, &["promote", "--continue"])
        .expect_status(2);
    assert!(
        unresolved.stderr.contains("not resolved"),
        "{}",
        unresolved.stderr
    );

    env.write(
        &repo,
        SERVICE,
        resolve_conflict(
            &conflicted,
            "        return issueDate.addDays(termsDays * 2 + 1);\n",
        ),
    );
    env.git(&repo, &["add", SERVICE]).success();
    env.sfsync(&repo, &["promote", "--continue"]).success();
    let deployed = org_file(&env, "uat", "classes/InvoiceService.cls");
    assert!(deployed.contains("termsDays * 2 + 1"), "{deployed}");
    assert!(
        org_file(&env, "uat", "profiles/Admin.profile-meta.xml")
            .contains("<editable>false</editable>\n        <field>Account.Industry"),
        "the clean components went too"
    );
    assert!(
        env.read(&repo, SERVICE).contains("addDays(termsDays + 1)"),
        "the work tree is back to the branch"
    );
    assert_eq!(
        env.git(&repo, &["status", "--porcelain"]).success().stdout,
        ""
    );
}

#[test]
fn abort_puts_the_work_tree_back() {
    let env = TestEnv::new();
    let repo = setup(&env);
    hotfix(
        &env,
        &repo,
        "uat",
        "classes/InvoiceService.cls",
        "addDays(termsDays)",
        "addDays(termsDays * 2)",
    );
    env.sfsync(
        &repo,
        &["promote", "--from", "feature/JIRA-142", "--to", "org:uat"],
    )
    .expect_status(1);
    env.sfsync(&repo, &["promote", "--abort"]).success();
    assert_eq!(
        env.git(&repo, &["status", "--porcelain"]).success().stdout,
        ""
    );
    assert!(org_file(&env, "uat", "classes/InvoiceService.cls").contains("termsDays * 2"));
    env.sfsync(&repo, &["promote", "--abort"]).expect_status(2);
}

#[test]
fn a_failed_deploy_records_the_failure_and_nothing_on_the_org_branch() {
    let env = TestEnv::new();
    let repo = setup(&env);
    let broken = env.read(&repo, SERVICE).replace(
        "return issueDate.addDays(termsDays + 1);",
        "return issueDate.addDays(termsDays + 1)",
    );
    env.write(&repo, SERVICE, broken);
    env.commit_all(&repo, "JIRA-142: a typo");
    let tip = env.git(&repo, &["rev-parse", "orgs/dev"]).success().stdout;
    let run = env.sfsync(
        &repo,
        &["promote", "--from", "feature/JIRA-142", "--to", "org:dev"],
    );
    assert_ne!(run.status, 0, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("force-app/main/default/classes/InvoiceService.cls:"),
        "{}",
        run.stderr
    );
    assert_eq!(
        env.git(&repo, &["rev-parse", "orgs/dev"]).success().stdout,
        tip,
        "nothing recorded on the branch"
    );
    assert!(
        !org_file(&env, "dev", "classes/InvoiceService.cls").contains("termsDays + 1"),
        "nothing deployed"
    );
    let status = env.sfsync(&repo, &["status"]).success();
    assert!(
        status.stdout.contains("last promotion: failed"),
        "{}",
        status.stdout
    );
}
