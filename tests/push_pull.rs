//! `git sfsync push` and `pull` against local emulated orgs.

use crate::common::{org_dir, pipeline_repo, TestEnv};
use std::path::Path;

const CLASSES: &str = "force-app/main/default/classes";

fn new_class(name: &str, body: &str) -> String {
    format!("public with sharing class {name} {{\n{body}}}\n")
}

const CLASS_META: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">
    <apiVersion>63.0</apiVersion>
    <status>Active</status>
</ApexClass>
"#;

fn add_class(env: &TestEnv, repo: &Path, name: &str, source: &str) {
    env.write(repo, &format!("{CLASSES}/{name}.cls"), source);
    env.write(repo, &format!("{CLASSES}/{name}.cls-meta.xml"), CLASS_META);
}

fn head(env: &TestEnv, repo: &Path) -> String {
    env.git(repo, &["rev-parse", "HEAD"])
        .success()
        .stdout
        .trim()
        .to_string()
}

#[test]
fn push_deploys_a_changed_class_and_records_it() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, &["uat"]);
    env.sfsync(&repo, &["snapshot", "uat"]).success();
    let source = new_class(
        "Greeter",
        "    public static String greet() { return 'hello'; }\n",
    );
    add_class(&env, &repo, "Greeter", &source);
    env.commit_all(&repo, "add Greeter");
    let sha = head(&env, &repo);

    let run = env
        .sfsync(&repo, &["push", "uat", "--component", "ApexClass:Greeter"])
        .success();
    assert!(run.stdout.contains("succeeded"), "{}", run.stdout);
    let deployed = std::fs::read_to_string(org_dir(&env, "uat").join("classes/Greeter.cls"))
        .expect("the class reached the org");
    assert_eq!(deployed, source);

    let note = env
        .git(&repo, &["notes", "--ref", "sfsync", "show", &sha])
        .success()
        .stdout;
    assert!(note.contains(r#""activity":"deploy""#), "{note}");
    assert!(note.contains(r#""outcome":"succeeded""#), "{note}");
    assert!(note.contains("ApexClass:Greeter"), "{note}");

    // The org branch now holds the deployed class, and says where it came from.
    let message = env
        .git(&repo, &["log", "-1", "--format=%B", "orgs/uat"])
        .success()
        .stdout;
    assert!(message.contains("Sfsync-Kind: deploy"), "{message}");
    assert!(message.contains("Sfsync-Org: uat"), "{message}");
    assert!(
        message.contains(&format!("Sfsync-Deployed-From: {sha}")),
        "{message}"
    );
    let on_branch = env
        .git(&repo, &["show", &format!("orgs/uat:{CLASSES}/Greeter.cls")])
        .success()
        .stdout;
    assert_eq!(on_branch, source);
    let log = env.sfsync(&repo, &["log", "uat"]).success().stdout;
    assert!(log.contains("deploy"), "{log}");
    // The org branch still equals the live org: a new snapshot finds nothing.
    let again = env.sfsync(&repo, &["snapshot", "uat"]).success();
    assert!(again.stdout.contains("no changes"), "{}", again.stdout);
}

#[test]
fn push_of_apex_that_does_not_compile_fails_at_the_line_and_changes_nothing() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, &["uat"]);
    let org_file = org_dir(&env, "uat").join("classes/InvoiceStatus.cls");
    let before = std::fs::read_to_string(&org_file).expect("seeded org");
    env.write(
        &repo,
        &format!("{CLASSES}/InvoiceStatus.cls"),
        "public enum InvoiceStatus {\n    DRAFT,\n    SENT PAID\n}\n",
    );
    env.commit_all(&repo, "break InvoiceStatus");
    let sha = head(&env, &repo);

    let run = env
        .sfsync(
            &repo,
            &["push", "uat", "--component", "ApexClass:InvoiceStatus"],
        )
        .expect_status(1);
    assert!(
        run.stderr.contains("classes/InvoiceStatus.cls:3:"),
        "no diagnostic at the line:\n{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&org_file).expect("org file"),
        before,
        "a failed deploy changed the org"
    );
    let note = env
        .git(&repo, &["notes", "--ref", "sfsync", "show", &sha])
        .success()
        .stdout;
    assert!(note.contains(r#""outcome":"failed""#), "{note}");
    assert!(note.contains("InvoiceStatus.cls:3:"), "{note}");
    let log = env.sfsync(&repo, &["log", "uat"]).success().stdout;
    assert!(log.contains("FAILED from main"), "{log}");
    // A failure never reaches the org branch.
    assert_eq!(
        env.git(&repo, &["rev-parse", "--verify", "-q", "orgs/uat"])
            .status,
        1
    );
}

#[test]
fn push_dry_run_lists_the_plan_and_sends_nothing() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, &["uat"]);
    add_class(&env, &repo, "Greeter", &new_class("Greeter", ""));
    env.commit_all(&repo, "add Greeter");
    let sha = head(&env, &repo);
    let run = env
        .sfsync(&repo, &["push", "uat", "--dry-run", "--", CLASSES])
        .success();
    assert!(
        run.stdout.contains("deploy ApexClass:Greeter"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("deploy ApexClass:InvoiceService"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("CustomObject"), "{}", run.stdout);
    assert!(!org_dir(&env, "uat").join("classes/Greeter.cls").exists());
    assert_ne!(
        env.git(&repo, &["notes", "--ref", "sfsync", "show", &sha])
            .status,
        0,
        "a dry run recorded a note"
    );
}

#[test]
fn push_check_only_validates_without_changing_the_org() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, &["uat"]);
    env.sfsync(&repo, &["snapshot", "uat"]).success();
    let branch_before = env.git(&repo, &["rev-parse", "orgs/uat"]).success().stdout;
    add_class(&env, &repo, "Greeter", &new_class("Greeter", ""));
    env.commit_all(&repo, "add Greeter");
    let sha = head(&env, &repo);
    env.sfsync(
        &repo,
        &[
            "push",
            "uat",
            "--check-only",
            "--component",
            "ApexClass:Greeter",
        ],
    )
    .success();
    assert!(!org_dir(&env, "uat").join("classes/Greeter.cls").exists());
    assert_eq!(
        env.git(&repo, &["rev-parse", "orgs/uat"]).success().stdout,
        branch_before,
        "a validation moved the org branch"
    );
    let note = env
        .git(&repo, &["notes", "--ref", "sfsync", "show", &sha])
        .success()
        .stdout;
    assert!(note.contains(r#""activity":"validation""#), "{note}");
}

#[test]
fn push_deletes_what_was_deleted_since_the_snapshot() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, &["uat"]);
    env.sfsync(&repo, &["snapshot", "uat"]).success();
    env.git(
        &repo,
        &[
            "rm",
            "-q",
            &format!("{CLASSES}/InvoiceStatus.cls"),
            &format!("{CLASSES}/InvoiceStatus.cls-meta.xml"),
        ],
    )
    .success();
    env.commit_all(&repo, "drop InvoiceStatus");

    let dry = env
        .sfsync(&repo, &["push", "uat", "--dry-run", "--", CLASSES])
        .success();
    assert!(
        dry.stdout.contains("delete ApexClass:InvoiceStatus"),
        "{}",
        dry.stdout
    );
    assert!(!dry.stdout.contains("delete ApexClass:InvoiceService"));

    env.sfsync(&repo, &["push", "uat", "--", CLASSES]).success();
    assert!(!org_dir(&env, "uat")
        .join("classes/InvoiceStatus.cls")
        .exists());
    assert!(org_dir(&env, "uat")
        .join("classes/InvoiceService.cls")
        .exists());
    assert_ne!(
        env.git(
            &repo,
            &[
                "cat-file",
                "-e",
                &format!("orgs/uat:{CLASSES}/InvoiceStatus.cls")
            ]
        )
        .status,
        0,
        "the org branch still has the deleted class"
    );
}

#[test]
fn push_without_a_snapshot_deletes_nothing() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, &["uat"]);
    env.git(
        &repo,
        &[
            "rm",
            "-q",
            &format!("{CLASSES}/InvoiceStatus.cls"),
            &format!("{CLASSES}/InvoiceStatus.cls-meta.xml"),
        ],
    )
    .success();
    env.commit_all(&repo, "drop InvoiceStatus");
    let dry = env
        .sfsync(&repo, &["push", "uat", "--dry-run", "--", CLASSES])
        .success();
    assert!(
        !dry.stdout.lines().any(|l| l.starts_with("delete ")),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains("delete 0 component(s)"),
        "{}",
        dry.stdout
    );
}

#[test]
fn pull_brings_an_org_edit_into_the_working_tree_and_names_it() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, &["uat"]);
    let in_org = org_dir(&env, "uat").join("classes/InvoiceStatus.cls");
    let edited = std::fs::read_to_string(&in_org)
        .expect("seeded org")
        .replace("OVERDUE", "OVERDUE,\n    CANCELLED");
    std::fs::write(&in_org, &edited).expect("edit the org");

    let run = env.sfsync(&repo, &["pull", "uat"]).success();
    assert!(
        run.stdout.contains("ApexClass:InvoiceStatus (modified)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("CANCELLED"), "{}", run.stdout);
    assert_eq!(
        env.read(&repo, &format!("{CLASSES}/InvoiceStatus.cls")),
        edited
    );
    // Only that file changed in the working tree.
    let status = env.git(&repo, &["status", "--porcelain"]).success().stdout;
    assert_eq!(
        status.trim(),
        format!("M {CLASSES}/InvoiceStatus.cls"),
        "{status}"
    );

    let json = env.sfsync(&repo, &["pull", "uat", "--json"]).success();
    let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON output");
    assert_eq!(value["written"], serde_json::json!([]), "{}", json.stdout);
}

#[test]
fn pull_with_a_component_touches_only_that_component() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, &["uat"]);
    let org = org_dir(&env, "uat");
    for name in ["InvoiceStatus", "InvoiceService"] {
        let path = org.join(format!("classes/{name}.cls"));
        let text = std::fs::read_to_string(&path).expect("seeded org");
        std::fs::write(&path, format!("{text}\n// edited in the org\n")).expect("edit");
    }
    let run = env
        .sfsync(
            &repo,
            &["pull", "uat", "--component", "ApexClass:InvoiceStatus"],
        )
        .success();
    assert!(!run.stdout.contains("InvoiceService"), "{}", run.stdout);
    let status = env.git(&repo, &["status", "--porcelain"]).success().stdout;
    assert_eq!(
        status.trim(),
        format!("M {CLASSES}/InvoiceStatus.cls"),
        "{status}"
    );
}

#[test]
fn pull_deletes_a_component_the_org_lost_only_when_named() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, &["uat"]);
    let org = org_dir(&env, "uat");
    for file in ["InvoiceStatus.cls", "InvoiceStatus.cls-meta.xml"] {
        std::fs::remove_file(org.join("classes").join(file)).expect("delete in the org");
    }
    env.sfsync(&repo, &["pull", "uat"]).success();
    assert!(repo.join(CLASSES).join("InvoiceStatus.cls").exists());

    let run = env
        .sfsync(
            &repo,
            &["pull", "uat", "--component", "ApexClass:InvoiceStatus"],
        )
        .success();
    assert!(run.stdout.contains("deleted"), "{}", run.stdout);
    assert!(!repo.join(CLASSES).join("InvoiceStatus.cls").exists());
    assert!(!repo
        .join(CLASSES)
        .join("InvoiceStatus.cls-meta.xml")
        .exists());
}

#[test]
fn pull_never_overwrites_uncommitted_changes_without_force() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, &["uat"]);
    let in_org = org_dir(&env, "uat").join("classes/InvoiceStatus.cls");
    let org_text = std::fs::read_to_string(&in_org)
        .expect("seeded org")
        .replace("OVERDUE", "OVERDUE,\n    CANCELLED");
    std::fs::write(&in_org, &org_text).expect("edit the org");
    let local = format!("{CLASSES}/InvoiceStatus.cls");
    let mine = env
        .read(&repo, &local)
        .replace("OVERDUE", "OVERDUE,\n    VOID");
    env.write(&repo, &local, &mine);

    let run = env.sfsync(&repo, &["pull", "uat"]).expect_status(1);
    assert!(run.stderr.contains("InvoiceStatus.cls"), "{}", run.stderr);
    assert_eq!(env.read(&repo, &local), mine, "uncommitted work was lost");

    env.sfsync(&repo, &["pull", "uat", "--force"]).success();
    assert_eq!(env.read(&repo, &local), org_text);
}

#[test]
fn push_to_an_unreachable_org_exits_3_and_records_nothing() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, &["uat"]);
    let config = env
        .read(&repo, "sfsync.toml")
        .replace("local:../orgs/uat", "http://127.0.0.1:9");
    env.write(&repo, "sfsync.toml", config);
    env.commit_all(&repo, "uat is elsewhere");
    let sha = head(&env, &repo);
    let run = env
        .command(crate::common::sfsync_bin(), &repo)
        .args(["push", "uat", "--", CLASSES])
        .env("SFSYNC_ACCESS_TOKEN", "00Dfake!token")
        .output()
        .expect("run git-sfsync");
    assert_eq!(
        run.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_ne!(
        env.git(&repo, &["notes", "--ref", "sfsync", "show", &sha])
            .status,
        0,
        "an attempt that never reached the org recorded a note"
    );
}

#[test]
fn push_json_reports_the_deploy() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, &["uat"]);
    let run = env
        .sfsync(
            &repo,
            &[
                "push",
                "uat",
                "HEAD",
                "--json",
                "--component",
                "ApexClass:InvoiceStatus",
            ],
        )
        .success();
    let value: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON output");
    assert_eq!(value["succeeded"], true, "{}", run.stdout);
    assert_eq!(
        value["deployed"],
        serde_json::json!(["ApexClass:InvoiceStatus"])
    );
    assert_eq!(value["commit"].as_str(), Some(head(&env, &repo).as_str()));
}

#[test]
fn pull_of_a_profile_and_an_object_brings_only_those_with_unit_changes() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, &["uat"]);
    let org = org_dir(&env, "uat");
    let profile = org.join("profiles/Admin.profile-meta.xml");
    let text = std::fs::read_to_string(&profile).expect("seeded profile");
    let edited = text.replacen(
        "<apexClass>InvoiceStatus</apexClass>\n        <enabled>true</enabled>",
        "<apexClass>InvoiceStatus</apexClass>\n        <enabled>false</enabled>",
        1,
    );
    assert_ne!(edited, text, "the fixture grants InvoiceStatus");
    std::fs::write(&profile, edited).expect("edit the profile in the org");
    let field = org.join("objects/Invoice__c/fields/Account__c.field-meta.xml");
    let text = std::fs::read_to_string(&field).expect("seeded field");
    std::fs::write(
        &field,
        text.replace("<label>Account</label>", "<label>Customer</label>"),
    )
    .expect("edit the field in the org");
    // Also changed in the org, but not selected.
    let class = org.join("classes/InvoiceStatus.cls");
    let text = std::fs::read_to_string(&class).expect("seeded class");
    std::fs::write(&class, format!("{text}// org only\n")).expect("edit the class");

    let run = env
        .sfsync(
            &repo,
            &[
                "pull",
                "uat",
                "--component",
                "Profile:Admin",
                "--component",
                "CustomObject:Invoice__c",
            ],
        )
        .success();
    assert!(
        run.stdout.contains("Profile:Admin (modified)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("InvoiceStatus"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("CustomField:Invoice__c.Account__c (modified)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Customer"), "{}", run.stdout);
    let status = env.git(&repo, &["status", "--porcelain"]).success().stdout;
    let mut changed: Vec<&str> = status.lines().map(|l| &l[3..]).collect();
    changed.sort();
    assert_eq!(
        changed,
        [
            "force-app/main/default/objects/Invoice__c/fields/Account__c.field-meta.xml",
            "force-app/main/default/profiles/Admin.profile-meta.xml",
        ],
        "{status}"
    );
}

#[test]
fn push_of_one_field_updates_the_object_in_the_org() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, &["uat"]);
    let rel = "force-app/main/default/objects/Invoice__c/fields/Account__c.field-meta.xml";
    let text = env.read(&repo, rel);
    env.write(
        &repo,
        rel,
        text.replace("<label>Account</label>", "<label>Customer</label>"),
    );
    env.commit_all(&repo, "relabel Account__c");
    env.sfsync(
        &repo,
        &[
            "push",
            "uat",
            "--component",
            "CustomField:Invoice__c.Account__c",
        ],
    )
    .success();
    let in_org = std::fs::read_to_string(
        org_dir(&env, "uat").join("objects/Invoice__c/fields/Account__c.field-meta.xml"),
    )
    .expect("field in the org");
    assert!(in_org.contains("<label>Customer</label>"), "{in_org}");
    // The object's other fields are still there.
    assert!(org_dir(&env, "uat")
        .join("objects/Invoice__c/fields/Amount__c.field-meta.xml")
        .exists());
}

#[test]
fn push_of_the_whole_project_leaves_the_org_equal_to_the_revision() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, &["uat"]);
    env.sfsync(&repo, &["snapshot", "uat"]).success();
    let rel = format!("{CLASSES}/InvoiceStatus.cls");
    let text = env
        .read(&repo, &rel)
        .replace("OVERDUE", "OVERDUE,\n    VOID");
    env.write(&repo, &rel, &text);
    env.commit_all(&repo, "add VOID");
    env.sfsync(&repo, &["push", "uat"]).success();
    // The branch recorded the deploy, and it is the org's truth.
    env.sfsync(&repo, &["diff", "main", "orgs/uat", "--exit-code"])
        .success();
    let again = env.sfsync(&repo, &["snapshot", "uat"]).success();
    assert!(again.stdout.contains("no changes"), "{}", again.stdout);
}

#[test]
fn pull_takes_its_selection_from_a_manifest() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, &["uat"]);
    let org = org_dir(&env, "uat");
    for name in ["InvoiceStatus", "InvoiceService"] {
        let path = org.join(format!("classes/{name}.cls"));
        let text = std::fs::read_to_string(&path).expect("seeded org");
        std::fs::write(&path, format!("{text}// edited in the org\n")).expect("edit");
    }
    env.write(
        env.root(),
        "package.xml",
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Package xmlns="http://soap.sforce.com/2006/04/metadata">
    <types>
        <members>InvoiceService</members>
        <name>ApexClass</name>
    </types>
    <version>63.0</version>
</Package>
"#,
    );
    let manifest = env.root().join("package.xml");
    let manifest = manifest.to_str().expect("UTF-8 temp path");
    env.sfsync(&repo, &["pull", "uat", "--manifest", manifest])
        .success();
    let status = env.git(&repo, &["status", "--porcelain"]).success().stdout;
    assert_eq!(
        status.trim(),
        format!("M {CLASSES}/InvoiceService.cls"),
        "{status}"
    );
}
