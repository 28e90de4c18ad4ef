//! `git sfsync diff`: semantic differences named by component and unit.

use crate::common::{copy_dir, fixtures_dir, TestEnv};
use std::path::{Path, PathBuf};

const PROFILE: &str = "force-app/main/default/profiles/Admin.profile-meta.xml";
const SERVICE: &str = "force-app/main/default/classes/InvoiceService.cls";

fn sample_repo(env: &TestEnv) -> PathBuf {
    let repo = env.init_repo("project");
    copy_dir(&fixtures_dir().join("sample-project"), &repo);
    env.commit_all(&repo, "sample project");
    repo
}

fn edit(env: &TestEnv, repo: &Path, rel: &str, from: &str, to: &str) {
    let text = env.read(repo, rel);
    assert_eq!(
        text.matches(from).count(),
        1,
        "'{from}' must occur once in {rel}"
    );
    env.write(repo, rel, text.replacen(from, to, 1));
}

#[test]
fn reordering_and_reformatting_are_not_differences() {
    let env = TestEnv::new();
    let repo = sample_repo(&env);
    // Swap two fieldPermissions entries and re-indent a method: no semantic change.
    let profile = env.read(&repo, PROFILE);
    let industry = "    <fieldPermissions>\n        <editable>true</editable>\n        <field>Account.Industry</field>\n        <readable>true</readable>\n    </fieldPermissions>\n";
    assert!(profile.contains(industry));
    let without = profile.replacen(industry, "", 1);
    let reordered = without.replacen(
        "    <fieldPermissions>\n",
        &format!("{industry}    <fieldPermissions>\n"),
        1,
    );
    env.write(&repo, PROFILE, reordered);
    edit(
        &env,
        &repo,
        SERVICE,
        "        return issueDate.addDays(termsDays);",
        "        return issueDate.addDays(\n            termsDays\n        );",
    );
    let run = env.sfsync(&repo, &["diff", "--exit-code"]);
    assert_eq!(
        run.status, 0,
        "no semantic difference expected:\n{}{}",
        run.stdout, run.stderr
    );
    let git = env.git(&repo, &["diff", "--stat"]).success();
    assert!(
        git.stdout.contains("2 files changed"),
        "git sees line changes: {}",
        git.stdout
    );
}

#[test]
fn real_changes_are_named_by_component_and_unit() {
    let env = TestEnv::new();
    let repo = sample_repo(&env);
    env.git(&repo, &["checkout", "-q", "-b", "feature"])
        .success();
    edit(
        &env,
        &repo,
        PROFILE,
        "<editable>true</editable>\n        <field>Account.Industry</field>",
        "<editable>false</editable>\n        <field>Account.Industry</field>",
    );
    edit(
        &env,
        &repo,
        SERVICE,
        "return issueDate.addDays(termsDays);",
        "return issueDate.addDays(termsDays + 1);",
    );
    env.commit_all(&repo, "feature");
    let run = env
        .sfsync(&repo, &["diff", "main", "feature", "--exit-code"])
        .expect_status(1);
    assert!(run.stdout.contains("Profile:Admin"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("fieldPermissions[Account.Industry].editable: true -> false"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("ApexClass:InvoiceService"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("method dueDateFor(Date, Integer)"),
        "{}",
        run.stdout
    );

    let json = env
        .sfsync(&repo, &["diff", "main", "feature", "--json"])
        .success();
    let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON output");
    let components: Vec<&str> = value
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["component"].as_str().unwrap())
        .collect();
    assert_eq!(components, ["ApexClass:InvoiceService", "Profile:Admin"]);

    let filtered = env
        .sfsync(
            &repo,
            &[
                "diff",
                "main",
                "feature",
                "--name-only",
                "--component",
                "Profile:*",
            ],
        )
        .success();
    assert_eq!(filtered.stdout.trim(), "Profile:Admin");
    let by_path = env
        .sfsync(
            &repo,
            &[
                "diff",
                "main",
                "feature",
                "--name-only",
                "--",
                "force-app/main/default/classes",
            ],
        )
        .success();
    assert_eq!(by_path.stdout.trim(), "ApexClass:InvoiceService");
}

#[test]
fn no_index_compares_two_files() {
    let env = TestEnv::new();
    let dir = env.root();
    env.write(
        dir,
        "old/Foo.cls",
        "public class Foo {\n    public void a() {}\n    public void b() {}\n}\n",
    );
    env.write(dir, "new/Foo.cls", "public class Foo {\n    public void b() {}\n    public void a() {}\n    public void c() {}\n}\n");
    let run = env
        .sfsync(
            dir,
            &[
                "diff",
                "--no-index",
                "old/Foo.cls",
                "new/Foo.cls",
                "--exit-code",
            ],
        )
        .expect_status(1);
    assert!(run.stdout.contains("method c() added"), "{}", run.stdout);
    assert!(
        !run.stdout.contains("method a()"),
        "a move is not a difference: {}",
        run.stdout
    );
}

#[test]
fn a_bad_revision_is_an_input_error() {
    let env = TestEnv::new();
    let repo = sample_repo(&env);
    let run = env
        .sfsync(&repo, &["diff", "no-such-branch", "main"])
        .expect_status(2);
    assert!(
        run.stderr.contains("'no-such-branch' is not a revision"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_live_org_is_a_side_of_the_diff() {
    let env = TestEnv::new();
    let repo = crate::common::pipeline_repo(&env, &["uat"]);
    env.sfsync(&repo, &["snapshot", "uat"]).success();
    env.sfsync(&repo, &["diff", "orgs/uat", "org:uat", "--exit-code"])
        .success();
    let class = crate::common::org_dir(&env, "uat").join("classes/InvoiceService.cls");
    let text = std::fs::read_to_string(&class).unwrap();
    std::fs::write(
        &class,
        text.replace("addDays(termsDays)", "addDays(termsDays + 2)"),
    )
    .unwrap();
    let run = env
        .sfsync(&repo, &["diff", "main", "org:uat", "--exit-code"])
        .expect_status(1);
    assert!(
        run.stdout.contains("ApexClass:InvoiceService"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("method dueDateFor(Date, Integer) body changed"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout.lines().filter(|l| !l.starts_with(' ')).count(),
        1,
        "only the changed component: {}",
        run.stdout
    );
}
