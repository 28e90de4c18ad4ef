//! `git sfsync demo [<dir>]`: a playground on local emulated orgs, no Salesforce account needed.
//!
//! The demo builds a sample SFDX repository and three embedded emulated orgs
//! (dev, uat, prod), then runs the real commands, printing each one before it
//! runs, exactly as a user would type them. It leaves everything in place.

use super::{CommandError, ExitKind, Ui};
use include_dir::{include_dir, Dir};
use std::path::{Path, PathBuf};
use std::process::Command;

static SAMPLE_PROJECT: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/fixtures/sample-project");

const SERVICE: &str = "force-app/main/default/classes/InvoiceService.cls";
const PROFILE: &str = "force-app/main/default/profiles/Admin.profile-meta.xml";
const LABELS: &str = "force-app/main/default/labels/CustomLabels.labels-meta.xml";

pub const AFTER_HELP: &str = "\
Creates <dir> (default ./sfsync-demo) with:
  project/      a Salesforce DX repository set up by `git sfsync init`
  orgs/dev, orgs/uat, orgs/prod   three emulated orgs (local: URLs in sfsync.toml)
then snapshots the orgs, makes a hotfix directly in prod, builds a feature, and
runs status, diff, promotions dev -> uat -> prod with a semantic merge, a back
promotion blocked by an overwrite and resolved, and the final Branch State
Diagram (text, and project/status.svg). Keep typing commands in project/ afterwards.";

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Where to build the playground (must not exist, or be empty)
    pub dir: Option<PathBuf>,
}

pub fn run(ui: &Ui, args: DemoArgs) -> Result<(), CommandError> {
    let dir = args.dir.unwrap_or_else(|| PathBuf::from("sfsync-demo"));
    if dir.exists()
        && std::fs::read_dir(&dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(CommandError::input(
            format!("{} already exists and is not empty", dir.display()),
            "pass a new directory: git sfsync demo /tmp/sfsync-demo-2",
        ));
    }
    std::fs::create_dir_all(&dir)?;
    let dir = dir.canonicalize()?;
    let project = dir.join("project");
    let demo = Demo {
        ui,
        project: project.clone(),
        orgs: dir.join("orgs"),
        exe: std::env::current_exe()?,
    };

    demo.chapter("1. A Salesforce DX repository and three orgs (dev → uat → prod), all local");
    write_dir(&SAMPLE_PROJECT, &project)?;
    for alias in ["dev", "uat", "prod"] {
        write_dir(
            SAMPLE_PROJECT
                .get_dir("force-app")
                .expect("the sample project has force-app"),
            &demo.orgs.join(alias).join("force-app"),
        )?;
    }
    demo.git(&["init", "-q", "-b", "main"])?;
    demo.git(&["config", "user.name", "Dana Developer"])?;
    demo.git(&["config", "user.email", "dana@example.com"])?;
    demo.sfsync(&["init"])?;
    std::fs::write(
        project.join("sfsync.toml"),
        "# git-sfsync shared configuration: commit this file.\npipeline = [\"dev\", \"uat\", \"prod\"]\nbase_branch = \"main\"\npackage_directories = [\"force-app\"]\n\n\
         [orgs.dev]\nurl = \"local:../orgs/dev\"\n\n[orgs.uat]\nurl = \"local:../orgs/uat\"\n\n[orgs.prod]\nurl = \"local:../orgs/prod\"\n",
    )?;
    demo.git(&["add", "-A"])?;
    demo.git(&["commit", "-q", "-m", "Invoicing app, with git-sfsync"])?;
    demo.sfsync(&["snapshot", "--all"])?;

    demo.chapter("2. A hotfix made directly in prod (in Setup, not through git)");
    demo.edit_org(
        "prod",
        "classes/InvoiceService.cls",
        "'Unknown invoice status: '",
        "'Unknown Invoice__c.Status__c value: '",
    )?;
    demo.sfsync(&["drift", "prod"])?;
    demo.sfsync(&["snapshot", "prod"])?;

    demo.chapter("3. A feature built for dev: JIRA-142");
    demo.git(&["checkout", "-q", "-b", "feature/JIRA-142"])?;
    demo.edit(SERVICE, "return issueDate.addDays(termsDays);", "// JIRA-142: invoices due on a weekend move to the next Monday.\n        Date due = issueDate.addDays(termsDays);\n        Integer weekday = Math.mod(Date.newInstance(1900, 1, 7).daysBetween(due), 7);\n        return weekday == 6 ? due.addDays(2) : weekday == 0 ? due.addDays(1) : due;")?;
    demo.edit(
        PROFILE,
        "<editable>true</editable>\n        <field>Account.Industry</field>",
        "<editable>false</editable>\n        <field>Account.Industry</field>",
    )?;
    demo.edit(
        LABELS,
        "<value>Open Invoices</value>",
        "<value>Invoices to Pay</value>",
    )?;
    demo.git(&[
        "commit",
        "-q",
        "-am",
        "JIRA-142: weekend due dates, read-only industry, clearer title",
    ])?;
    demo.sfsync(&["status"])?;
    demo.sfsync(&["diff", "main", "feature/JIRA-142"])?;

    demo.chapter("4. Promotion dev → uat → prod (prod's hotfix is merged, not overwritten)");
    demo.sfsync(&["promote", "--from", "feature/JIRA-142", "--to", "org:dev"])?;
    demo.sfsync(&[
        "promote", "--from", "orgs/dev", "--to", "org:uat", "--story", "JIRA-142",
    ])?;
    demo.sfsync(&[
        "promote",
        "--from",
        "orgs/uat",
        "--to",
        "org:prod",
        "--story",
        "JIRA-142",
        "--dry-run",
    ])?;
    demo.sfsync(&[
        "promote", "--from", "orgs/uat", "--to", "org:prod", "--story", "JIRA-142",
    ])?;

    demo.chapter(
        "5. Back promotion of the prod hotfix: blocked by an overwrite in uat, then resolved",
    );
    demo.edit_org(
        "uat",
        "classes/InvoiceService.cls",
        "'Unknown invoice status: '",
        "'Status not recognised: '",
    )?;
    demo.sfsync(&["snapshot", "uat"])?;
    demo.sfsync(&["backpromote", "prod", "--to", "uat"])?;
    demo.note("uat's experiment conflicts with prod's hotfix; prod is the truth, so the team overwrites uat knowingly:");
    demo.sfsync(&["backpromote", "prod", "--to", "uat", "--force"])?;
    demo.sfsync(&["backpromote", "prod", "--to", "dev"])?;

    demo.chapter("6. The Branch State Diagram");
    demo.git(&["checkout", "-q", "main"])?;
    demo.sfsync(&["promote", "--from", "orgs/prod", "--to", "main"])?;
    demo.sfsync(&["status"])?;
    demo.sfsync(&["status", "--format", "svg", "-o", "status.svg"])?;
    demo.sfsync(&["log", "prod"])?;

    ui.line(format!(
        "\nThe playground stays in {}:\n  cd {}\n  git log --oneline --all --graph\n  git sfsync status --format html -o status.html",
        dir.display(),
        project.display()
    ));
    Ok(())
}

struct Demo<'u> {
    ui: &'u Ui,
    project: PathBuf,
    orgs: PathBuf,
    exe: PathBuf,
}

impl Demo<'_> {
    fn chapter(&self, title: &str) {
        self.ui.line(format!(
            "\n{}",
            self.ui.paint("1;34", format!("== {title}"))
        ));
    }

    fn note(&self, text: &str) {
        self.ui.line(self.ui.paint("90", format!("# {text}")));
    }

    fn show(&self, line: &str) {
        self.ui
            .line(format!("\n{}", self.ui.paint("1", format!("$ {line}"))));
    }

    /// Runs `git sfsync <args>` as a user would; exit 1 (found something) is part of the story.
    fn sfsync(&self, args: &[&str]) -> Result<(), CommandError> {
        self.show(&format!("git sfsync {}", args.join(" ")));
        let status = Command::new(&self.exe)
            .args(args)
            .current_dir(&self.project)
            .status()?;
        match status.code() {
            Some(0) | Some(1) => Ok(()),
            code => Err(CommandError::new(
                ExitKind::Internal,
                miette::miette!(
                    "the demo step `git sfsync {}` failed (exit {code:?})",
                    args.join(" ")
                ),
            )),
        }
    }

    fn git(&self, args: &[&str]) -> Result<(), CommandError> {
        if !matches!(args.first(), Some(&"add") | Some(&"config")) {
            self.show(&format!("git {}", args.join(" ")));
        }
        let status = Command::new("git")
            .args([
                "-c",
                "user.name=Dana Developer",
                "-c",
                "user.email=dana@example.com",
            ])
            .args(args)
            .current_dir(&self.project)
            .status()?;
        if status.success() {
            Ok(())
        } else {
            Err(CommandError::new(
                ExitKind::Internal,
                miette::miette!("the demo step `git {}` failed", args.join(" ")),
            ))
        }
    }

    fn edit(&self, rel: &str, from: &str, to: &str) -> Result<(), CommandError> {
        self.note(&format!("edit {rel}"));
        replace(&self.project.join(rel), from, to)
    }

    fn edit_org(&self, alias: &str, rel: &str, from: &str, to: &str) -> Result<(), CommandError> {
        self.note(&format!("someone edits {rel} directly in the {alias} org"));
        replace(
            &self
                .orgs
                .join(alias)
                .join("force-app/main/default")
                .join(rel),
            from,
            to,
        )
    }
}

fn replace(path: &Path, from: &str, to: &str) -> Result<(), CommandError> {
    let text = std::fs::read_to_string(path)?;
    if !text.contains(from) {
        return Err(CommandError::internal(format!(
            "demo: {} does not contain the text to edit",
            path.display()
        )));
    }
    std::fs::write(path, text.replacen(from, to, 1))?;
    Ok(())
}

/// Writes an embedded directory to disk.
fn write_dir(dir: &Dir<'_>, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for file in dir.files() {
        let name = file.path().file_name().expect("embedded files have names");
        std::fs::write(to.join(name), file.contents())?;
    }
    for sub in dir.dirs() {
        let name = sub
            .path()
            .file_name()
            .expect("embedded directories have names");
        write_dir(sub, &to.join(name))?;
    }
    Ok(())
}
