//! The README's main job: `git sfsync demo` on a fresh machine.

use crate::common::TestEnv;

#[test]
fn the_demo_runs_the_whole_story_and_leaves_a_playground() {
    let env = TestEnv::new();
    let dir = env.root().join("demo");
    let run = env
        .sfsync(env.root(), &["demo", dir.to_str().unwrap()])
        .success();
    for step in [
        "$ git sfsync snapshot --all",
        "$ git sfsync status",
        "$ git sfsync diff main feature/JIRA-142",
        "merge     ApexClass:InvoiceService",
        "$ git sfsync backpromote prod --to uat",
        "conflict in method statusOf(Invoice__c)",
        "[✓ dev] ──▶ [✓ uat] ──▶ [✓ prod]",
    ] {
        assert!(
            run.stdout.contains(step),
            "the demo shows {step:?}:\n{}",
            run.stdout
        );
    }
    let project = dir.join("project");
    assert!(std::fs::read_to_string(project.join("status.svg"))
        .unwrap()
        .contains("data-org=\"prod\""));
    // The hotfix made in prod survived the promotion of the feature into prod.
    let prod = std::fs::read_to_string(
        dir.join("orgs/prod/force-app/main/default/classes/InvoiceService.cls"),
    )
    .unwrap();
    assert!(
        prod.contains("Unknown Invoice__c.Status__c value") && prod.contains("JIRA-142"),
        "{prod}"
    );
    // The playground is a working repository.
    env.sfsync(&project, &["status", "--json"]).success();

    let again = env
        .sfsync(env.root(), &["demo", dir.to_str().unwrap()])
        .expect_status(2);
    assert!(again.stderr.contains("not empty"), "{}", again.stderr);
}
