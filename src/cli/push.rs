//! `git sfsync push <alias> [<rev>]`: deploy the selection as it is at a
//! revision, record the outcome as a note on that commit, and on success
//! record the org's new state on its org branch.

use super::orgs;
use super::selection::{selects_path, SelectionArgs};
use super::{CommandError, ExitKind, Ui};
use sfsync::config::Config;
use sfsync::git::commit::{self, Committed, FileChanges};
use sfsync::git::history::{TRAILER_KIND, TRAILER_ORG};
use sfsync::git::notes::{self, Activity, Outcome, Record};
use sfsync::metadata::project::Project;
use sfsync::org::{format, ComponentKey, DeployOptions, DeployOutcome, Files, Org, TestLevel};
use sfsync::selection::Selection;
use std::collections::BTreeSet;

pub const AFTER_HELP: &str = "\
Deploys the selected files as they are at <rev> (default HEAD), read from
git's object database: the working tree is not involved. Components whose
files all disappeared between the org's last snapshot (orgs/<alias>) and <rev>
are deleted in the org; without a snapshot nothing is deleted.

The outcome is recorded as a note on the deployed commit (refs/notes/sfsync),
shown by `git sfsync log` and `status`. A successful deploy (not
--check-only) also commits the deployed files on the org branch, trailers
Sfsync-Kind: deploy and Sfsync-Deployed-From, so that the branch stays the
org's truth; when the org has no snapshot yet, run `git sfsync snapshot` first.

Component failures are printed as path:line:column: problem. Exit 1 when
the deploy fails, 3 when the org cannot be reached.

Examples:
  git sfsync push uat --dry-run
  git sfsync push uat main --component 'ApexClass:Invoice*' --check-only
  git sfsync push prod v1.4 --test-level RunLocalTests";

/// Trailer naming the commit a deploy commit on an org branch came from.
pub const TRAILER_DEPLOYED_FROM: &str = "Sfsync-Deployed-From";

/// Attempts to write the org branch when another writer keeps moving it.
const CAS_ATTEMPTS: usize = 5;

#[derive(Debug, clap::Args)]
pub struct PushArgs {
    /// The org to deploy to, by alias
    pub alias: String,
    /// The revision to deploy
    #[arg(default_value = "HEAD")]
    pub rev: String,
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Validate only: compile and run tests, change nothing in the org
    #[arg(long)]
    pub check_only: bool,
    /// Which tests to run: NoTestRun, RunSpecifiedTests, RunLocalTests, RunAllTestsInOrg
    #[arg(long, value_name = "LEVEL", value_parser = parse_test_level)]
    pub test_level: Option<TestLevel>,
    /// Test classes to run, comma-separated (implies RunSpecifiedTests)
    #[arg(long, value_name = "CLASS", value_delimiter = ',')]
    pub tests: Vec<String>,
    /// Print what would be deployed and deleted, send nothing
    #[arg(long)]
    pub dry_run: bool,
}

fn parse_test_level(text: &str) -> Result<TestLevel, String> {
    TestLevel::parse(text).ok_or_else(|| {
        format!("'{text}' is not a test level: use NoTestRun, RunSpecifiedTests, RunLocalTests or RunAllTestsInOrg")
    })
}

/// One component failure, where the user edits it.
#[derive(Debug, Clone, serde::Serialize)]
pub(super) struct Failure {
    path: String,
    line: Option<i64>,
    column: Option<i64>,
    component: String,
    problem: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, "{}:{line}:{column}: ", self.path)?,
            (Some(line), None) => write!(f, "{}:{line}: ", self.path)?,
            _ => write!(f, "{}: ", self.path)?,
        }
        write!(f, "{}", self.problem)
    }
}

/// What a push did, for `--json`.
#[derive(serde::Serialize)]
struct Report<'a> {
    org: &'a str,
    rev: &'a str,
    commit: String,
    dry_run: bool,
    check_only: bool,
    deployed: Vec<String>,
    deleted: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    succeeded: Option<bool>,
    failures: Vec<Failure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    org_commit: Option<String>,
}

/// What to send: files by path, components to delete.
#[derive(Debug, Default)]
struct Plan {
    files: Files,
    deletions: Vec<ComponentKey>,
    /// Selected files no metadata type claims: kept in git, never deployed.
    skipped: Vec<String>,
}

impl Plan {
    /// Returns the deployed components as `TYPE:Name`, sorted.
    fn deployed(&self) -> Vec<String> {
        self.files
            .keys()
            .filter_map(|p| format::component_of(p))
            .map(|k| k.to_string())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    fn deleted(&self) -> Vec<String> {
        self.deletions.iter().map(ToString::to_string).collect()
    }
}

pub fn run(ui: &Ui, args: PushArgs) -> Result<(), CommandError> {
    let repo = sfsync::git::open().map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let root = sfsync::git::workdir(&repo).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let config = Config::load(&root).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let org_config = config
        .org(&args.alias)
        .map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let project = Project::discover(&root).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let selection = args.selection.selection()?;
    let commit = super::revision::commit(&repo, &args.rev)?;
    let branch = org_config.branch_name(&args.alias);
    let snapshot = repo
        .find_reference(&format!("refs/heads/{branch}"))
        .ok()
        .and_then(|r| r.peel_to_commit().ok());

    let plan = plan(
        &repo,
        &project,
        &selection,
        &commit.tree()?,
        snapshot.as_ref().map(|c| c.tree()).transpose()?.as_ref(),
    )?;
    for path in &plan.skipped {
        ui.warn(format!("{path}: not a metadata file, not deployed"));
    }
    if plan.files.is_empty() && plan.deletions.is_empty() {
        return Err(CommandError::input(
            format!(
                "nothing to deploy: the selection holds no component at {}",
                args.rev
            ),
            "check the selection with `git sfsync components <rev> --component ... -- <paths>`",
        ));
    }

    let mut report = Report {
        org: &args.alias,
        rev: &args.rev,
        commit: commit.id().to_string(),
        dry_run: args.dry_run,
        check_only: args.check_only,
        deployed: plan.deployed(),
        deleted: plan.deleted(),
        succeeded: None,
        failures: Vec::new(),
        org_commit: None,
    };
    if args.dry_run {
        if ui.json {
            return ui.json(&report);
        }
        for component in &report.deployed {
            ui.data(format!("deploy {component}"));
        }
        for component in &report.deleted {
            ui.data(format!("delete {component}"));
        }
        ui.line(format!(
            "dry run: would deploy {} and delete {} component(s) of {} to {}; nothing sent",
            report.deployed.len(),
            report.deleted.len(),
            short(commit.id()),
            args.alias
        ));
        return Ok(());
    }

    let options = DeployOptions {
        check_only: args.check_only,
        test_level: match (args.test_level, args.tests.is_empty()) {
            (Some(level), _) => Some(level),
            (None, false) => Some(TestLevel::RunSpecifiedTests),
            (None, true) => None,
        },
        run_tests: args.tests.clone(),
        ..DeployOptions::default()
    };
    if !ui.json {
        ui.line(format!(
            "{} {} component(s){} of {} to {}...",
            if args.check_only {
                "validating"
            } else {
                "deploying"
            },
            report.deployed.len(),
            if plan.deletions.is_empty() {
                String::new()
            } else {
                format!(" and {} deletion(s)", plan.deletions.len())
            },
            short(commit.id()),
            args.alias
        ));
    }
    let runtime = orgs::runtime()?;
    let outcome = runtime.block_on(async {
        let org = orgs::connect(&repo, &config, &root, &args.alias).await?;
        org.deploy(&plan.files, &plan.deletions, &options)
            .await
            .map_err(orgs::org_error)
    })?;

    let succeeded = outcome.succeeded();
    report.succeeded = Some(succeeded);
    report.failures = failures(&outcome);
    let signature = repo
        .signature()
        .or_else(|_| git2::Signature::now("git-sfsync", "git-sfsync@localhost"))?;
    if succeeded && !args.check_only {
        match &snapshot {
            // The deploy happened whatever befalls the branch: say so, record
            // the note, and let the next snapshot bring the branch up to date.
            Some(_) => {
                match record_on_branch(&repo, &branch, &args.alias, &commit, &plan, &signature) {
                    Ok(oid) => report.org_commit = oid.map(|o| o.to_string()),
                    Err(e) => ui.warn(format!(
                        "the deploy succeeded but {branch} was not updated ({e}); run `git sfsync snapshot {}`",
                        args.alias
                    )),
                }
            }
            None => ui.warn(format!(
                "{branch} does not exist: the deploy is not recorded on it; run `git sfsync snapshot {}` to start the org's history",
                args.alias
            )),
        }
    }
    let record = Record {
        activity: if args.check_only {
            Activity::Validation
        } else {
            Activity::Deploy
        },
        outcome: if succeeded {
            Outcome::Succeeded
        } else {
            Outcome::Failed
        },
        target: args.alias.clone(),
        source: source_name(&repo, &args.rev),
        at: jiff::Timestamp::now().to_string(),
        components: report
            .deployed
            .iter()
            .cloned()
            .chain(report.deleted.iter().cloned())
            .collect(),
        errors: error_lines(&outcome, &report.failures),
        forced: false,
        result_commit: report.org_commit.clone(),
    };
    notes::append(&repo, commit.id(), &record, &signature)
        .map_err(|e| CommandError::new(ExitKind::Internal, e))?;

    if ui.json {
        ui.json(&report)?;
    } else {
        for failure in &report.failures {
            eprintln!("{failure}");
        }
        for line in &record.errors[report.failures.len().min(record.errors.len())..] {
            eprintln!("{line}");
        }
        let verb = if args.check_only {
            "validation"
        } else {
            "deploy"
        };
        if succeeded {
            ui.line(format!(
                "{}: {verb} of {} succeeded{}",
                args.alias,
                short(commit.id()),
                report
                    .org_commit
                    .as_deref()
                    .map(|o| format!(" ({branch} {})", &o[..10]))
                    .unwrap_or_default()
            ));
        } else {
            eprintln!(
                "{}: {verb} of {} failed: nothing was changed in the org",
                args.alias,
                short(commit.id())
            );
        }
    }
    if succeeded {
        Ok(())
    } else {
        Err(CommandError::reported(ExitKind::Found))
    }
}

/// Names what was deployed for the record: the branch HEAD is on rather
/// than `HEAD`, which means nothing once HEAD moves.
fn source_name(repo: &git2::Repository, rev: &str) -> String {
    if rev == "HEAD" {
        if let Some(branch) = repo
            .head()
            .ok()
            .filter(git2::Reference::is_branch)
            .and_then(|h| h.shorthand().ok().map(str::to_string))
        {
            return branch;
        }
    }
    rev.to_string()
}

fn short(oid: git2::Oid) -> String {
    oid.to_string()[..10].to_string()
}

/// Lists the selected project files at `tree` with their content, and the
/// components to delete: those the snapshot had (selected) and `tree` has no
/// file of. A child whose parent is deleted too goes with its parent.
fn plan(
    repo: &git2::Repository,
    project: &Project,
    selection: &Selection,
    tree: &git2::Tree<'_>,
    snapshot: Option<&git2::Tree<'_>>,
) -> Result<Plan, CommandError> {
    let wanted = |path: &str| project.is_source(path) && selects_path(selection, path);
    let at_rev = blobs(repo, tree, &wanted)?;
    let mut plan = Plan::default();
    let mut present: BTreeSet<ComponentKey> = BTreeSet::new();
    for (path, content) in at_rev {
        // A file no metadata type claims cannot be deployed; it stays in git only.
        let Some(key) = format::component_of(&path) else {
            plan.skipped.push(path);
            continue;
        };
        present.insert(key);
        plan.files.insert(path, content);
    }
    // Every component present at rev, selected or not, so that a component
    // moved out of the selection's paths is not deleted.
    let everything = blobs_paths(tree)?;
    present.extend(everything.iter().filter_map(|p| format::component_of(p)));
    if let Some(snapshot) = snapshot {
        let mut gone: BTreeSet<ComponentKey> = BTreeSet::new();
        for path in blobs_paths(snapshot)? {
            if !wanted(&path) {
                continue;
            }
            if let Some(key) = format::component_of(&path) {
                if !present.contains(&key) {
                    gone.insert(key);
                }
            }
        }
        plan.deletions = gone
            .iter()
            .filter(|k| format::parent_of(k).is_none_or(|p| !gone.contains(&p)))
            .cloned()
            .collect();
    }
    Ok(plan)
}

/// Returns the paths of every file in `tree`.
fn blobs_paths(tree: &git2::Tree<'_>) -> Result<Vec<String>, git2::Error> {
    let mut out = Vec::new();
    tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        if entry.kind() == Some(git2::ObjectType::Blob) {
            out.push(format!(
                "{dir}{}",
                String::from_utf8_lossy(entry.name_bytes())
            ));
        }
        git2::TreeWalkResult::Ok
    })?;
    Ok(out)
}

/// Reads the files of `tree` that `wanted` accepts, from the object database.
fn blobs(
    repo: &git2::Repository,
    tree: &git2::Tree<'_>,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<Files, CommandError> {
    let mut out = Files::new();
    let mut ids = Vec::new();
    tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        if entry.kind() == Some(git2::ObjectType::Blob) {
            let path = format!("{dir}{}", String::from_utf8_lossy(entry.name_bytes()));
            if wanted(&path) {
                ids.push((path, entry.id()));
            }
        }
        git2::TreeWalkResult::Ok
    })?;
    for (path, id) in ids {
        out.insert(path, repo.find_blob(id)?.content().to_vec());
    }
    Ok(out)
}

/// Returns the component failures, placed at the source file they came from.
pub(super) fn failures(outcome: &DeployOutcome) -> Vec<Failure> {
    outcome
        .failures()
        .into_iter()
        .map(|(source, message)| Failure {
            path: source.unwrap_or_else(|| message.file_name.clone()),
            line: message.line_number,
            column: message.column_number,
            component: format!("{}:{}", message.component_type, message.full_name),
            problem: message
                .problem
                .clone()
                .unwrap_or_else(|| "deploy failed".into()),
        })
        .collect()
}

/// Returns the errors to record: the failures, then what the org said about
/// the deploy as a whole when no component was blamed.
pub(super) fn error_lines(outcome: &DeployOutcome, failures: &[Failure]) -> Vec<String> {
    let mut lines: Vec<String> = failures.iter().map(ToString::to_string).collect();
    if !outcome.succeeded() && failures.is_empty() {
        let last = outcome.results.last();
        lines.push(match last {
            Some(result) => result.error_message.clone().unwrap_or_else(|| {
                format!(
                    "the deploy ended {} ({} test error(s))",
                    result.status, result.number_test_errors
                )
            }),
            None => "the org returned no deploy result".to_string(),
        });
    }
    lines
}

/// Commits the org branch's tree with the deployed files applied and the
/// deleted components removed. Returns the new commit, or None when the
/// branch already held exactly this.
fn record_on_branch(
    repo: &git2::Repository,
    branch: &str,
    alias: &str,
    from: &git2::Commit<'_>,
    plan: &Plan,
    signature: &git2::Signature<'_>,
) -> Result<Option<git2::Oid>, commit::Error> {
    let deployed: BTreeSet<ComponentKey> = plan
        .files
        .keys()
        .filter_map(|p| format::component_of(p))
        .collect();
    let deleted: BTreeSet<&ComponentKey> = plan.deletions.iter().collect();
    let summary = format!(
        "Deploy {} to {alias}: {}",
        short(from.id()),
        summary(&plan.deployed(), &plan.deleted())
    );
    let message = commit::with_trailers(
        &summary,
        &[
            (TRAILER_KIND, "deploy".to_string()),
            (TRAILER_ORG, alias.to_string()),
            (TRAILER_DEPLOYED_FROM, from.id().to_string()),
        ],
    );
    for _ in 0..CAS_ATTEMPTS {
        let tip = repo
            .find_reference(&format!("refs/heads/{branch}"))?
            .peel_to_commit()?;
        let base = tip.tree()?;
        let mut changes = FileChanges::new();
        // A deployed component replaces all of its files, wherever the
        // snapshot had them; a deleted one (with its children) loses them all.
        for path in blobs_paths(&base)? {
            let Some(key) = format::component_of(&path) else {
                continue;
            };
            let parent = format::parent_of(&key);
            if deployed.contains(&key)
                || deleted.contains(&key)
                || parent.as_ref().is_some_and(|p| deleted.contains(p))
            {
                changes.insert(path, None);
            }
        }
        for (path, content) in &plan.files {
            changes.insert(path.clone(), Some(content.clone()));
        }
        let tree = commit::apply_to_tree(repo, Some(&base), &changes)?;
        match commit::commit_on_branch(
            repo,
            branch,
            tree,
            &message,
            signature,
            signature,
            Some(tip.id()),
        ) {
            Ok(Committed::New(oid)) => return Ok(Some(oid)),
            Ok(Committed::Unchanged(_)) => return Ok(None),
            Err(commit::Error::Concurrent { .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(commit::Error::Git(git2::Error::from_str(&format!(
        "{branch} kept moving while the deploy was being recorded; run `git sfsync snapshot {alias}`"
    ))))
}

fn summary(deployed: &[String], deleted: &[String]) -> String {
    let mut parts = Vec::new();
    let list = |items: &[String]| match items.len() {
        0..=3 => items.join(", "),
        n => format!("{}, ... ({n} components)", items[..3].join(", ")),
    };
    if !deployed.is_empty() {
        parts.push(list(deployed));
    }
    if !deleted.is_empty() {
        parts.push(format!("deleted {}", list(deleted)));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const CLASSES: &str = "force-app/main/default/classes";
    const OBJECT: &str = "force-app/main/default/objects/Obj__c";

    fn files(paths: &[&str]) -> BTreeMap<String, Vec<u8>> {
        paths
            .iter()
            .map(|p| (p.to_string(), b"<x/>".to_vec()))
            .collect()
    }

    #[test]
    fn deletions_are_components_gone_since_the_snapshot_children_with_their_parent() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("sfdx-project.json"),
            r#"{"packageDirectories":[{"path":"force-app","default":true}]}"#,
        )
        .expect("write project");
        let repo = git2::Repository::init(dir.path()).expect("init");
        let project = Project::discover(dir.path()).expect("project");
        let a = [
            format!("{CLASSES}/A.cls"),
            format!("{CLASSES}/A.cls-meta.xml"),
        ];
        let snapshot_paths = [
            a[0].clone(),
            a[1].clone(),
            format!("{CLASSES}/B.cls"),
            format!("{CLASSES}/B.cls-meta.xml"),
            format!("{OBJECT}/Obj__c.object-meta.xml"),
            format!("{OBJECT}/fields/F__c.field-meta.xml"),
            "README.md".to_string(),
        ];
        let refs: Vec<&str> = snapshot_paths.iter().map(String::as_str).collect();
        let snapshot = commit::write_tree(&repo, &files(&refs)).expect("snapshot tree");
        let rev = commit::write_tree(&repo, &files(&[&a[0], &a[1], "README.md"])).expect("tree");
        let (snapshot, rev) = (
            repo.find_tree(snapshot).expect("tree"),
            repo.find_tree(rev).expect("tree"),
        );

        let everything = plan(
            &repo,
            &project,
            &Selection::default(),
            &rev,
            Some(&snapshot),
        )
        .expect("plan");
        assert_eq!(everything.deployed(), ["ApexClass:A"]);
        assert_eq!(everything.deleted(), ["ApexClass:B", "CustomObject:Obj__c"]);

        let classes = Selection::new(&[], &[CLASSES.to_string()], None).expect("selection");
        let only_classes = plan(&repo, &project, &classes, &rev, Some(&snapshot)).expect("plan");
        assert_eq!(only_classes.deleted(), ["ApexClass:B"]);

        let no_snapshot = plan(&repo, &project, &Selection::default(), &rev, None).expect("plan");
        assert!(no_snapshot.deletions.is_empty());
    }
}
