//! The Branch State Diagram: `git sfsync status` in every format.

use crate::common::{org_dir, pipeline_repo, TestEnv};
use std::path::Path;

const SERVICE: &str = "force-app/main/default/classes/InvoiceService.cls";
const PROFILE: &str = "force-app/main/default/profiles/Admin.profile-meta.xml";

/// dev, uat and prod snapshotted, and a feature branch changing a class and the profile.
fn pipeline_with_feature(env: &TestEnv) -> std::path::PathBuf {
    let repo = pipeline_repo(env, &["dev", "uat", "prod"]);
    env.sfsync(&repo, &["snapshot", "--all"]).success();
    env.git(&repo, &["checkout", "-q", "-b", "feature/JIRA-142"])
        .success();
    let class = env
        .read(&repo, SERVICE)
        .replace("addDays(termsDays)", "addDays(termsDays + 1)");
    env.write(&repo, SERVICE, class);
    let profile = env.read(&repo, PROFILE).replacen(
        "<editable>true</editable>\n        <field>Account.Industry</field>",
        "<editable>false</editable>\n        <field>Account.Industry</field>",
        1,
    );
    env.write(&repo, PROFILE, profile);
    env.commit_all(&repo, "JIRA-142: grace day, read-only industry");
    repo
}

#[test]
fn orgs_without_the_branch_changes_are_behind() {
    let env = TestEnv::new();
    let repo = pipeline_with_feature(&env);
    let run = env.sfsync(&repo, &["status"]).success();
    assert!(
        run.stdout
            .contains("Branch feature/JIRA-142 (from main, 2 components changed)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("[● dev] ──▶ [● uat] ──▶ [● prod]"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("behind: ApexClass:InvoiceService, Profile:Admin"),
        "{}",
        run.stdout
    );

    // The base branch itself is in sync with orgs that hold exactly the project.
    let main = env.sfsync(&repo, &["status", "main"]).success();
    assert!(
        main.stdout.contains("[✓ dev] ──▶ [✓ uat] ──▶ [✓ prod]"),
        "{}",
        main.stdout
    );
}

#[test]
fn an_org_changed_directly_has_diverged() {
    let env = TestEnv::new();
    let repo = pipeline_with_feature(&env);
    let class = org_dir(&env, "prod").join("classes/InvoiceService.cls");
    let text = std::fs::read_to_string(&class).unwrap();
    std::fs::write(
        &class,
        text.replace("addDays(termsDays)", "addDays(termsDays * 2)"),
    )
    .unwrap();
    env.sfsync(&repo, &["snapshot", "prod"]).success();

    let json = env.sfsync(&repo, &["status", "--format", "json"]).success();
    let diagram: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let stages = diagram["stages"].as_array().unwrap();
    assert_eq!(
        stages
            .iter()
            .map(|s| s["org"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["dev", "uat", "prod"]
    );
    assert_eq!(stages[0]["state"], "behind");
    assert_eq!(stages[2]["state"], "diverged");
    assert_eq!(stages[2]["diverged"][0], "ApexClass:InvoiceService");

    // --live sees no drift right after a snapshot, and drift once the org changes again.
    let live = env.sfsync(&repo, &["status", "--live", "--json"]).success();
    let diagram: serde_json::Value = serde_json::from_str(&live.stdout).unwrap();
    assert_eq!(diagram["stages"][2]["drifted"], false);
    std::fs::write(
        &class,
        text.replace("addDays(termsDays)", "addDays(termsDays * 3)"),
    )
    .unwrap();
    let drift = env.sfsync(&repo, &["drift", "prod"]).expect_status(1);
    assert!(
        drift.stdout.contains("ApexClass:InvoiceService"),
        "{}",
        drift.stdout
    );
    assert!(
        drift
            .stdout
            .contains("method dueDateFor(Date, Integer) body changed"),
        "{}",
        drift.stdout
    );
    env.sfsync(&repo, &["drift", "dev", "uat"]).success();
}

#[test]
fn an_org_without_snapshot_is_unknown_and_a_missing_pipeline_is_explained() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, &["dev", "prod"]);
    env.sfsync(&repo, &["snapshot", "dev"]).success();
    let run = env.sfsync(&repo, &["status", "main"]).success();
    assert!(run.stdout.contains("? no snapshot"), "{}", run.stdout);
    env.write(&repo, "sfsync.toml", "base_branch = \"main\"\n");
    let empty = env.sfsync(&repo, &["status"]).expect_status(2);
    assert!(empty.stderr.contains("pipeline"), "{}", empty.stderr);
}

#[test]
fn dot_svg_and_html_are_written_to_files() {
    let env = TestEnv::new();
    let repo = pipeline_with_feature(&env);
    let dot = env.sfsync(&repo, &["status", "--format", "dot"]).success();
    assert!(dot.stdout.contains("\"dev\" -> \"uat\""), "{}", dot.stdout);
    for format in ["svg", "html"] {
        let out = env.root().join(format!("diagram.{format}"));
        env.sfsync(
            &repo,
            &["status", "--format", format, "-o", out.to_str().unwrap()],
        )
        .success();
        let text = std::fs::read_to_string(&out).unwrap();
        for org in ["dev", "uat", "prod"] {
            assert!(
                text.contains(&format!("data-org=\"{org}\"")),
                "{format} shows {org}"
            );
        }
    }
}

/// Renders the HTML diagram in headless Chromium, as a person opening it would,
/// and checks the rendered page shows every org of the pipeline.
#[test]
fn the_html_diagram_renders_in_a_browser() {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find(|b| which(b))
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have chromium (.ci/run installs it)"
        );
        eprintln!("SKIPPED the_html_diagram_renders_in_a_browser: no chromium on PATH (.ci/run installs Debian's chromium)");
        return;
    };
    let env = TestEnv::new();
    let repo = pipeline_with_feature(&env);
    let html = env.root().join("diagram.html");
    env.sfsync(
        &repo,
        &["status", "--format", "html", "-o", html.to_str().unwrap()],
    )
    .success();
    let profile = env.root().join("chromium-profile");
    let browser = |extra: &[&str]| {
        std::process::Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(format!("file://{}", html.display()))
            .output()
            .expect("run chromium")
    };
    let dom = browser(&["--dump-dom"]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    for org in ["dev", "uat", "prod"] {
        assert!(
            dom.contains(&format!("data-org=\"{org}\"")),
            "rendered DOM shows {org}:\n{dom}"
        );
    }
    assert!(dom.contains("ApexClass:InvoiceService"));
    let png = env.root().join("diagram.png");
    browser(&[
        &format!("--screenshot={}", png.display()),
        "--window-size=1000,600",
    ]);
    let bytes = std::fs::read(&png).expect("chromium wrote a screenshot");
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 5_000,
        "a real picture, {} bytes",
        bytes.len()
    );
}

fn which(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| Path::new(&dir).join(program).is_file())
    })
}
