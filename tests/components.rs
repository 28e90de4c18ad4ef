//! `git sfsync components`: a project's components and their files, in the
//! working tree and at a revision read straight from the object database.

use crate::common::TestEnv;
use std::path::{Path, PathBuf};

const PROJECT_JSON: &str = r#"{
  "packageDirectories": [{"path": "force-app", "default": true}],
  "sourceApiVersion": "63.0"
}
"#;

const D: &str = "force-app/main/default";

fn small_project(env: &TestEnv) -> PathBuf {
    let repo = env.init_repo("repo");
    env.write(&repo, "sfdx-project.json", PROJECT_JSON);
    env.write(&repo, ".forceignore", "**/jsconfig.json\n");
    env.write(&repo, "README.md", "not source\n");
    for (rel, content) in [
        ("classes/Invoice.cls", "public class Invoice {}\n"),
        ("classes/Invoice.cls-meta.xml", "<ApexClass/>\n"),
        (
            "objects/Account/Account.object-meta.xml",
            "<CustomObject/>\n",
        ),
        (
            "objects/Account/fields/Tier__c.field-meta.xml",
            "<CustomField/>\n",
        ),
        (
            "lwc/invoiceCard/invoiceCard.js",
            "export default class {}\n",
        ),
        (
            "lwc/invoiceCard/invoiceCard.html",
            "<template></template>\n",
        ),
        (
            "lwc/invoiceCard/invoiceCard.js-meta.xml",
            "<LightningComponentBundle/>\n",
        ),
        ("lwc/jsconfig.json", "{}\n"),
        ("labels/CustomLabels.labels-meta.xml", "<CustomLabels/>\n"),
        ("notes/todo.txt", "later\n"),
    ] {
        env.write(&repo, &format!("{D}/{rel}"), content);
    }
    repo
}

fn listed(env: &TestEnv, dir: &Path, args: &[&str]) -> Vec<(String, String, Vec<String>)> {
    let run = env.sfsync(dir, args).success();
    let value: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON output");
    value
        .as_array()
        .expect("a JSON array")
        .iter()
        .map(|c| {
            (
                c["type"].as_str().expect("type").to_string(),
                c["name"].as_str().expect("name").to_string(),
                c["files"]
                    .as_array()
                    .expect("files")
                    .iter()
                    .map(|f| f.as_str().expect("file path").to_string())
                    .collect(),
            )
        })
        .collect()
}

fn names(list: &[(String, String, Vec<String>)]) -> Vec<String> {
    list.iter().map(|(t, n, _)| format!("{t}:{n}")).collect()
}

#[test]
fn working_tree_components_with_files_as_json() {
    let env = TestEnv::new();
    let repo = small_project(&env);
    let list = listed(&env, &repo, &["components", "--json"]);
    assert_eq!(
        names(&list),
        [
            "ApexClass:Invoice",
            "CustomField:Account.Tier__c",
            "CustomLabels:CustomLabels",
            "CustomObject:Account",
            "LightningComponentBundle:invoiceCard",
            &format!("Unknown:{D}/notes/todo.txt"),
        ]
    );
    assert_eq!(
        list[0].2,
        [
            format!("{D}/classes/Invoice.cls"),
            format!("{D}/classes/Invoice.cls-meta.xml")
        ]
    );
    assert_eq!(
        list[4].2.len(),
        3,
        "the bundle's three files, jsconfig.json ignored"
    );
}

#[test]
fn a_revision_is_read_from_the_object_database() {
    let env = TestEnv::new();
    let repo = small_project(&env);
    env.commit_all(&repo, "project");
    std::fs::remove_file(repo.join(format!("{D}/classes/Invoice.cls"))).expect("rm");
    std::fs::remove_file(repo.join(format!("{D}/classes/Invoice.cls-meta.xml"))).expect("rm");
    env.write(
        &repo,
        &format!("{D}/classes/Payment.cls"),
        "class Payment {}\n",
    );

    let at_head = names(&listed(&env, &repo, &["components", "HEAD", "--json"]));
    assert!(
        at_head.contains(&"ApexClass:Invoice".to_string()),
        "{at_head:?}"
    );
    assert!(
        !at_head.contains(&"ApexClass:Payment".to_string()),
        "{at_head:?}"
    );

    let working = names(&listed(&env, &repo, &["components", "--json"]));
    assert!(
        !working.contains(&"ApexClass:Invoice".to_string()),
        "{working:?}"
    );
    assert!(
        working.contains(&"ApexClass:Payment".to_string()),
        "{working:?}"
    );
}

#[test]
fn paths_after_double_dash_select_components() {
    let env = TestEnv::new();
    let repo = small_project(&env);
    env.commit_all(&repo, "project");
    let list = listed(
        &env,
        &repo,
        &["components", "--json", "--", &format!("{D}/objects")],
    );
    assert_eq!(
        names(&list),
        ["CustomField:Account.Tier__c", "CustomObject:Account"]
    );
    // Relative to the current directory, at a revision.
    let classes = repo.join(format!("{D}/classes"));
    let list = listed(&env, &classes, &["components", "HEAD", "--json", "--", "."]);
    assert_eq!(names(&list), ["ApexClass:Invoice"]);
}

#[test]
fn text_output_names_each_component_then_its_files() {
    let env = TestEnv::new();
    let repo = small_project(&env);
    let run = env
        .sfsync(&repo, &["components", "--", &format!("{D}/classes")])
        .success();
    assert_eq!(
        run.stdout,
        format!("ApexClass:Invoice\n    {D}/classes/Invoice.cls\n    {D}/classes/Invoice.cls-meta.xml\n")
    );
}

#[test]
fn minus_c_runs_in_another_directory() {
    let env = TestEnv::new();
    let repo = small_project(&env);
    let repo_arg = repo.to_string_lossy().to_string();
    let list = listed(&env, env.root(), &["-C", &repo_arg, "components", "--json"]);
    assert_eq!(list.len(), 6);
}

#[test]
fn a_bad_revision_exits_2_naming_it() {
    let env = TestEnv::new();
    let repo = small_project(&env);
    env.commit_all(&repo, "project");
    let run = env
        .sfsync(&repo, &["components", "no-such-rev"])
        .expect_status(2);
    assert!(run.stderr.contains("no-such-rev"), "{}", run.stderr);
    assert!(run.stderr.contains("not a revision"), "{}", run.stderr);
}

#[test]
fn no_project_file_exits_2_with_the_fix() {
    let env = TestEnv::new();
    let repo = env.init_repo("plain");
    env.write(&repo, "a.txt", "a\n");
    let run = env.sfsync(&repo, &["components"]).expect_status(2);
    assert!(
        run.stderr.contains("no sfdx-project.json"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("create sfdx-project.json"),
        "{}",
        run.stderr
    );
    env.commit_all(&repo, "plain");
    let run = env.sfsync(&repo, &["components", "HEAD"]).expect_status(2);
    assert!(run.stderr.contains("sfdx-project.json"), "{}", run.stderr);
}

#[test]
fn the_sample_project_resolves_every_file_to_a_known_component() {
    let env = TestEnv::new();
    let repo = env.init_repo("sample");
    crate::common::copy_dir(&crate::common::fixtures_dir().join("sample-project"), &repo);
    env.commit_all(&repo, "sample project");
    let list = listed(&env, &repo, &["components", "HEAD", "--json"]);
    let all = names(&list);
    let unknown: Vec<&String> = all.iter().filter(|n| n.starts_with("Unknown:")).collect();
    assert!(unknown.is_empty(), "unresolved files: {unknown:?}");
    for expected in [
        "ApexClass:InvoiceService",
        "ApexTrigger:AccountTrigger",
        "CustomField:Invoice__c.Amount__c",
        "CustomObject:Invoice__c",
        "RecordType:Invoice__c.Enterprise",
        "ValidationRule:Invoice__c.Amount_Positive",
        "LightningComponentBundle:invoiceList",
        "StaticResource:invoice_logo",
        "Profile:Admin",
        "PermissionSet:Invoice_Manager",
        "CustomLabels:CustomLabels",
        "Flow:Invoice_Overdue_Reminder",
        "SharingRules:Invoice__c",
        "Workflow:Invoice__c",
    ] {
        assert!(
            all.contains(&expected.to_string()),
            "{expected} not in {all:#?}"
        );
    }
    let working = listed(&env, &repo, &["components", "--json"]);
    assert_eq!(
        working, list,
        "the working tree and HEAD agree right after a commit"
    );
}

#[test]
fn a_project_in_a_subdirectory_is_found_from_inside_it_at_a_revision() {
    let env = TestEnv::new();
    let repo = env.init_repo("mono");
    env.write(&repo, "sf/sfdx-project.json", PROJECT_JSON);
    env.write(&repo, &format!("sf/{D}/classes/A.cls"), "class A {}\n");
    env.write(&repo, "web/index.html", "<html/>\n");
    env.commit_all(&repo, "monorepo");
    let sf = repo.join("sf");
    let at_head = listed(&env, &sf, &["components", "HEAD", "--json"]);
    let working = listed(&env, &sf, &["components", "--json"]);
    assert_eq!(at_head, working);
    assert_eq!(
        at_head,
        [(
            "ApexClass".to_string(),
            "A".to_string(),
            vec![format!("{D}/classes/A.cls")]
        )]
    );
    let run = env.sfsync(&repo, &["components", "HEAD"]).expect_status(2);
    assert!(run.stderr.contains("sfdx-project.json"), "{}", run.stderr);
}
