//! The merge driver inside real `git merge`, `git rebase` and `git cherry-pick`,
//! configured by `git sfsync init` on the sample project: the scenarios where a
//! line merge conflicts or, worse, merges wrongly.

use crate::common::{copy_dir, fixtures_dir, TestEnv};
use std::path::{Path, PathBuf};

const PROFILE: &str = "force-app/main/default/profiles/Admin.profile-meta.xml";
const LABELS: &str = "force-app/main/default/labels/CustomLabels.labels-meta.xml";
const SERVICE: &str = "force-app/main/default/classes/InvoiceService.cls";

/// The sample project in a repository set up by `git sfsync init`, on `main`.
fn sample_repo(env: &TestEnv) -> PathBuf {
    let repo = env.init_repo("project");
    copy_dir(&fixtures_dir().join("sample-project"), &repo);
    env.sfsync(&repo, &["init"]).success();
    env.commit_all(&repo, "sample project");
    repo
}

/// Replaces `from` (which must occur exactly once) by `to` in `rel`.
fn edit(env: &TestEnv, repo: &Path, rel: &str, from: &str, to: &str) {
    let text = env.read(repo, rel);
    assert_eq!(
        text.matches(from).count(),
        1,
        "'{from}' must occur once in {rel}"
    );
    env.write(repo, rel, text.replacen(from, to, 1));
}

fn field_permission(field: &str, editable: bool) -> String {
    format!(
        "    <fieldPermissions>\n        <editable>{editable}</editable>\n        <field>{field}</field>\n        <readable>true</readable>\n    </fieldPermissions>\n"
    )
}

const AFTER_INDUSTRY: &str = "        <field>Account.Industry</field>\n        <readable>true</readable>\n    </fieldPermissions>\n";

/// Two branches add different field permissions at the same place: a line
/// merge conflicts, the semantic merge keeps both.
fn both_add_field_permissions(env: &TestEnv, repo: &Path) {
    env.git(repo, &["checkout", "-q", "-b", "feature"])
        .success();
    edit(
        env,
        repo,
        PROFILE,
        AFTER_INDUSTRY,
        &format!(
            "{AFTER_INDUSTRY}{}",
            field_permission("Account.NumberOfEmployees", false)
        ),
    );
    env.commit_all(repo, "feature: employees field");
    env.git(repo, &["checkout", "-q", "main"]).success();
    edit(
        env,
        repo,
        PROFILE,
        AFTER_INDUSTRY,
        &format!(
            "{AFTER_INDUSTRY}{}",
            field_permission("Account.Phone", true)
        ),
    );
    env.commit_all(repo, "main: phone field");
}

fn assert_both_field_permissions(env: &TestEnv, repo: &Path) {
    let profile = env.read(repo, PROFILE);
    assert!(
        !profile.contains("<<<<<<<"),
        "no conflict markers:\n{profile}"
    );
    assert_eq!(
        profile
            .matches("<field>Account.NumberOfEmployees</field>")
            .count(),
        1
    );
    assert_eq!(profile.matches("<field>Account.Phone</field>").count(), 1);
    assert_eq!(
        profile.matches("<field>Account.Industry</field>").count(),
        1,
        "no duplicated entry"
    );
    let employees = profile.find("Account.NumberOfEmployees").unwrap();
    let phone = profile.find("Account.Phone").unwrap();
    assert!(employees < phone, "sorted input stays sorted");
}

#[test]
fn merge_keeps_field_permissions_added_on_both_sides() {
    let env = TestEnv::new();
    let repo = sample_repo(&env);
    both_add_field_permissions(&env, &repo);
    env.git(&repo, &["merge", "-q", "--no-edit", "feature"])
        .success();
    assert_both_field_permissions(&env, &repo);
}

#[test]
fn rebase_keeps_field_permissions_added_on_both_sides() {
    let env = TestEnv::new();
    let repo = sample_repo(&env);
    both_add_field_permissions(&env, &repo);
    env.git(&repo, &["checkout", "-q", "feature"]).success();
    env.git(&repo, &["rebase", "-q", "main"]).success();
    assert_both_field_permissions(&env, &repo);
}

#[test]
fn cherry_pick_keeps_field_permissions_added_on_both_sides() {
    let env = TestEnv::new();
    let repo = sample_repo(&env);
    both_add_field_permissions(&env, &repo);
    env.git(&repo, &["cherry-pick", "feature"]).success();
    assert_both_field_permissions(&env, &repo);
}

#[test]
fn conflicting_label_edits_conflict_on_that_label_only() {
    let env = TestEnv::new();
    let repo = sample_repo(&env);
    env.git(&repo, &["config", "merge.conflictStyle", "diff3"])
        .success();
    let value = "<value>Open Invoices</value>";
    env.git(&repo, &["checkout", "-q", "-b", "feature"])
        .success();
    edit(&env, &repo, LABELS, value, "<value>Unpaid Invoices</value>");
    env.commit_all(&repo, "feature: rename title");
    env.git(&repo, &["checkout", "-q", "main"]).success();
    edit(&env, &repo, LABELS, value, "<value>Invoices to Pay</value>");
    env.commit_all(&repo, "main: rename title");

    let merge = env.git(&repo, &["merge", "--no-edit", "feature"]);
    assert_eq!(
        merge.status, 1,
        "a real conflict stops the merge\n{}",
        merge.stdout
    );
    let labels = env.read(&repo, LABELS);
    assert_eq!(labels.matches("<<<<<<<").count(), 1, "{labels}");
    let start = labels.find("<<<<<<<").unwrap();
    let end = labels.find(">>>>>>>").unwrap();
    let conflict = &labels[start..end];
    assert!(
        conflict.contains("Unpaid Invoices") && conflict.contains("Invoices to Pay"),
        "{conflict}"
    );
    assert!(
        conflict.contains("|||||||") && conflict.contains("Open Invoices"),
        "diff3 shows the base: {conflict}"
    );
    assert!(
        !conflict.contains("Invoice_List_Empty"),
        "other labels stay outside the markers: {conflict}"
    );
    for line in labels.lines().filter(|l| {
        l.starts_with(['<', '|', '=', '>'])
            && !l.starts_with("<?")
            && !l.starts_with("</")
            && !l.starts_with("<C")
    }) {
        let marker: String = line.chars().take(7).collect();
        assert!(
            ["<<<<<<<", "|||||||", "=======", ">>>>>>>"].contains(&marker.as_str()),
            "marker lines stand alone: {line}"
        );
    }
}

const AFTER_TO_PICKLIST: &str = "        return status.name().toLowerCase().capitalize();\n    }\n";

#[test]
fn merge_keeps_apex_methods_added_at_the_same_place() {
    let env = TestEnv::new();
    let repo = sample_repo(&env);
    env.git(&repo, &["checkout", "-q", "-b", "feature"])
        .success();
    edit(&env, &repo, SERVICE, AFTER_TO_PICKLIST, &format!("{AFTER_TO_PICKLIST}\n    public static Boolean isPaid(Invoice__c invoice) {{\n        return statusOf(invoice) == InvoiceStatus.PAID;\n    }}\n"));
    env.commit_all(&repo, "feature: isPaid");
    env.git(&repo, &["checkout", "-q", "main"]).success();
    edit(&env, &repo, SERVICE, AFTER_TO_PICKLIST, &format!("{AFTER_TO_PICKLIST}\n    public static Boolean isOverdue(Invoice__c invoice) {{\n        return statusOf(invoice) == InvoiceStatus.OVERDUE;\n    }}\n"));
    env.commit_all(&repo, "main: isOverdue");
    env.git(&repo, &["merge", "-q", "--no-edit", "feature"])
        .success();
    let class = env.read(&repo, SERVICE);
    assert!(!class.contains("<<<<<<<"), "{class}");
    assert_eq!(class.matches("public static Boolean isPaid(").count(), 1);
    assert_eq!(class.matches("public static Boolean isOverdue(").count(), 1);
}

#[test]
fn apex_method_moved_on_one_side_and_edited_on_the_other() {
    let env = TestEnv::new();
    let repo = sample_repo(&env);
    let due_date = "    /**\n     * Returns the due date for an invoice issued on issueDate with the given terms.\n     */\n    public static Date dueDateFor(Date issueDate, Integer termsDays) {\n        if (issueDate == null || termsDays == null || termsDays < 0) {\n            throw new InvoiceException('Issue date and non-negative payment terms are required.');\n        }\n        return issueDate.addDays(termsDays);\n    }\n\n";
    env.git(&repo, &["checkout", "-q", "-b", "feature"])
        .success();
    // Move dueDateFor to the end of the class.
    edit(&env, &repo, SERVICE, due_date, "");
    let text = env.read(&repo, SERVICE);
    let end = text.rfind("}\n").unwrap();
    env.write(
        &repo,
        SERVICE,
        format!(
            "{}\n{}}}\n",
            &text[..end],
            due_date.trim_end_matches('\n').to_string() + "\n"
        ),
    );
    env.commit_all(&repo, "feature: move dueDateFor");
    env.git(&repo, &["checkout", "-q", "main"]).success();
    edit(
        &env,
        &repo,
        SERVICE,
        "return issueDate.addDays(termsDays);",
        "return issueDate.addDays(termsDays + 1);",
    );
    env.commit_all(&repo, "main: grace day");
    env.git(&repo, &["merge", "-q", "--no-edit", "feature"])
        .success();
    let class = env.read(&repo, SERVICE);
    assert!(!class.contains("<<<<<<<"), "{class}");
    assert_eq!(
        class.matches("dueDateFor(Date issueDate").count(),
        1,
        "{class}"
    );
    assert!(
        class.contains("addDays(termsDays + 1)"),
        "the edit survives the move"
    );
    assert!(
        class.find("public static Date dueDateFor(").unwrap()
            > class.find("statusOf(Invoice__c invoice) {").unwrap(),
        "the move survives the edit"
    );
}

#[test]
fn apex_conflict_is_confined_to_one_method() {
    let env = TestEnv::new();
    let repo = sample_repo(&env);
    let line = "return issueDate.addDays(termsDays);";
    env.git(&repo, &["checkout", "-q", "-b", "feature"])
        .success();
    edit(
        &env,
        &repo,
        SERVICE,
        line,
        "return issueDate.addDays(termsDays + 1);",
    );
    env.commit_all(&repo, "feature: grace day");
    env.git(&repo, &["checkout", "-q", "main"]).success();
    edit(
        &env,
        &repo,
        SERVICE,
        line,
        "return issueDate.addDays(termsDays * 2);",
    );
    env.commit_all(&repo, "main: double terms");
    let merge = env.git(&repo, &["merge", "--no-edit", "feature"]);
    assert_eq!(merge.status, 1);
    let class = env.read(&repo, SERVICE);
    assert_eq!(class.matches("<<<<<<<").count(), 1, "{class}");
    let conflict = &class[class.find("<<<<<<<").unwrap()..class.find(">>>>>>>").unwrap()];
    assert!(conflict.contains("termsDays + 1") && conflict.contains("termsDays * 2"));
    assert!(
        !conflict.contains("public static"),
        "markers enclose lines inside the method, not the class: {conflict}"
    );
}

#[test]
fn malformed_xml_falls_back_to_a_line_merge_with_a_warning() {
    let env = TestEnv::new();
    let repo = sample_repo(&env);
    let dir = env.root();
    let base = env.read(&repo, LABELS);
    env.write(dir, "base.xml", &base);
    env.write(
        dir,
        "ours.xml",
        base.replace(
            "<value>Open Invoices</value>",
            "<value>Open Invoices</valu>",
        ),
    );
    env.write(
        dir,
        "theirs.xml",
        base.replace("Invoicing</categories>", "Billing</categories>"),
    );
    let run = env.sfsync(
        dir,
        &["merge-driver", "base.xml", "ours.xml", "theirs.xml", LABELS],
    );
    assert!(run.stderr.contains("merged line by line"), "{}", run.stderr);
    assert_eq!(
        run.stderr.lines().count(),
        1,
        "one-line warning: {}",
        run.stderr
    );
    let merged = env.read(dir, "ours.xml");
    assert!(
        merged.contains("Open Invoices</valu>"),
        "our change is kept"
    );
    assert!(
        merged.contains("Billing</categories>"),
        "their change is kept"
    );
}
