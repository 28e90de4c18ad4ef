//! `git sfsync promote` and `git sfsync backpromote`: move exactly the chosen
//! components between branches and orgs, with overwrite safeguards.

use super::orgs;
use super::{CommandError, ExitKind, Ui};
use sfsync::config::Config;
use sfsync::git::notes::{self, Activity, Outcome, Record};
use sfsync::merge::MergeOptions;
use sfsync::org::{DeployOptions, Org};
use sfsync::promote::{self, Action, Plan, Side};
use sfsync::selection::Selection;
use std::collections::BTreeMap;
use std::path::PathBuf;

pub const PROMOTE_HELP: &str = "\
Source: any revision (branch, commit, tag, snapshot, orgs/prod) or org:<alias> (live).
Target: a branch, or org:<alias> (the result is validated, deployed, and recorded on orgs/<alias>).

Per component: unchanged when the target means the same; update when the target's
version appears in the source's history (the target is behind); otherwise the target
has changes the source never saw, and the component is merged semantically with the
newest common version as base. A conflict stops the promotion before anything is
written or deployed, naming the units and who changed the target. --force overwrites
(and says so in the record); --auto promotes what merges cleanly and skips the rest.

Exit: 0 promoted (or nothing to do), 1 conflicts (blocked, or skipped with --auto),
2 bad input, 3 org error.";

/// Which components to promote, shared by promote and backpromote.
#[derive(Debug, Clone, clap::Args)]
pub struct PromoteSelection {
    #[command(flatten)]
    pub base: super::selection::SelectionArgs,
    /// The components this commit touched (can be repeated)
    #[arg(long = "commit", value_name = "REV")]
    pub commits: Vec<String>,
    /// The components touched by the source's commits whose message mentions this ID (e.g. JIRA-142)
    #[arg(long, value_name = "ID")]
    pub story: Option<String>,
}

/// How to promote, shared by promote and backpromote.
#[derive(Debug, Clone, clap::Args)]
pub struct PromoteMode {
    /// Print the plan and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Overwrite conflicting components with the source's version (recorded as forced)
    #[arg(long)]
    pub force: bool,
    /// For CI: no prompts; promote what merges cleanly, skip and report conflicts
    #[arg(long)]
    pub auto: bool,
    /// Write a Markdown summary here (default with --auto: $GITHUB_STEP_SUMMARY when set)
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct PromoteArgs {
    /// Where the components come from: a revision or org:<alias>
    #[arg(long, required_unless_present_any = ["continue_", "abort"])]
    pub from: Option<String>,
    /// Where they go: a branch or org:<alias>
    #[arg(long, required_unless_present_any = ["continue_", "abort"])]
    pub to: Option<String>,
    /// Finish a promotion stopped on conflicts, once they are resolved and `git add`ed
    #[arg(long = "continue", conflicts_with_all = ["from", "to", "abort"])]
    pub continue_: bool,
    /// Abandon a promotion stopped on conflicts and restore the conflicted files
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub abort: bool,
    #[command(flatten)]
    pub selection: PromoteSelection,
    #[command(flatten)]
    pub mode: PromoteMode,
}

#[derive(Debug, clap::Args)]
pub struct BackPromoteArgs {
    /// The org whose deployed state goes down the pipeline
    pub from: String,
    /// Target orgs (default: every org below it in the pipeline); can be repeated
    #[arg(long = "to", value_name = "ALIAS")]
    pub to: Vec<String>,
    #[command(flatten)]
    pub selection: PromoteSelection,
    #[command(flatten)]
    pub mode: PromoteMode,
}

/// What one promotion did, for `--json` and the Markdown summary.
#[derive(Debug, serde::Serialize)]
pub struct Report {
    pub source: String,
    pub target: String,
    pub components: Vec<promote::ComponentPlan>,
    /// `dry_run`, `promoted`, `nothing_to_do`, `blocked`, `partial` (some skipped), `failed`.
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

pub fn run_promote(ui: &Ui, args: PromoteArgs) -> Result<(), CommandError> {
    let repo = sfsync::git::open().map_err(|e| CommandError::new(ExitKind::Input, e))?;
    if args.abort {
        return abort(ui, &repo);
    }
    if args.continue_ {
        let report = resume(ui, &repo, &args.mode)?;
        return finish(ui, &args.mode, vec![report]);
    }
    if stopped_state_path(&repo).exists() {
        return Err(CommandError::input(
            "a promotion stopped on conflicts is in progress",
            "finish it with `git sfsync promote --continue` or drop it with `git sfsync promote --abort`",
        ));
    }
    let (from, to) = (args.from.unwrap_or_default(), args.to.unwrap_or_default());
    let report = promote_one(
        ui,
        &repo,
        &from,
        &to,
        &args.selection,
        &args.mode,
        Activity::Promotion,
    )?;
    finish(ui, &args.mode, vec![report])
}

pub fn run_backpromote(ui: &Ui, args: BackPromoteArgs) -> Result<(), CommandError> {
    let repo = sfsync::git::open().map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let root = sfsync::git::workdir(&repo).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let config = Config::load(&root).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let from = config
        .org(&args.from)
        .map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let targets: Vec<String> = if args.to.is_empty() {
        let position = config
            .pipeline
            .iter()
            .position(|a| a == &args.from)
            .ok_or_else(|| {
                CommandError::input(
                    format!("'{}' is not in the pipeline of sfsync.toml", args.from),
                    "name the targets with --to, or add the org to `pipeline`",
                )
            })?;
        config.pipeline[..position].iter().rev().cloned().collect()
    } else {
        args.to.clone()
    };
    if targets.is_empty() {
        return Err(CommandError::input(
            format!("no org below '{}' in the pipeline", args.from),
            "name the targets with --to",
        ));
    }
    let source = from.branch_name(&args.from);
    let mut reports = Vec::new();
    for target in targets {
        reports.push(promote_one(
            ui,
            &repo,
            &source,
            &format!("org:{target}"),
            &args.selection,
            &args.mode,
            Activity::BackPromotion,
        )?);
    }
    finish(ui, &args.mode, reports)
}

/// Prints the reports, writes the summary, and picks the exit code.
fn finish(ui: &Ui, mode: &PromoteMode, reports: Vec<Report>) -> Result<(), CommandError> {
    if ui.json {
        ui.json(&reports)?;
    }
    let summary_path = mode.summary.clone().or_else(|| {
        mode.auto
            .then(|| std::env::var_os("GITHUB_STEP_SUMMARY").map(PathBuf::from))
            .flatten()
    });
    if let Some(path) = summary_path {
        let mut text = std::fs::read_to_string(&path).unwrap_or_default();
        text.push_str(&markdown(&reports));
        std::fs::write(&path, text).map_err(|e| {
            CommandError::input(
                format!("cannot write the summary {}: {e}", path.display()),
                "pass a writable --summary path",
            )
        })?;
    }
    if reports.iter().any(|r| r.outcome == "failed") {
        return Err(CommandError::reported(ExitKind::Org));
    }
    if reports
        .iter()
        .any(|r| matches!(r.outcome.as_str(), "blocked" | "partial"))
    {
        return Err(CommandError::found());
    }
    Ok(())
}

/// Renders the reports as Markdown for a CI job page.
pub fn markdown(reports: &[Report]) -> String {
    let mut out = String::new();
    for r in reports {
        out.push_str(&format!(
            "### Promotion {} → {}: {}\n\n",
            r.source,
            r.target,
            r.outcome.replace('_', " ")
        ));
        out.push_str("| component | action | detail |\n|---|---|---|\n");
        for c in &r.components {
            let detail = match (&c.target_changed_by, &c.target_changed_at) {
                _ if !c.conflicting_units.is_empty() => {
                    format!("conflicts: {}", c.conflicting_units.join(", "))
                }
                (Some(who), Some(when)) if c.action != Action::Update => {
                    format!("target changed by {who}, {when}")
                }
                _ => String::new(),
            };
            out.push_str(&format!(
                "| `{}` | {} | {} |\n",
                c.component,
                action_name(c.action),
                detail
            ));
        }
        for e in &r.errors {
            out.push_str(&format!("\n> {e}\n"));
        }
        out.push('\n');
    }
    out
}

fn action_name(action: Action) -> &'static str {
    match action {
        Action::Unchanged => "unchanged",
        Action::Update => "update",
        Action::Merge => "merge",
        Action::Conflict => "conflict",
        Action::TargetOnly => "target only",
    }
}

/// A resolved side of a promotion.
struct Resolved<'r> {
    side: Side<'r>,
    label: String,
    /// The org alias when the side is `org:<alias>`.
    org: Option<String>,
    /// The branch written when the side is a target.
    branch: Option<String>,
}

fn resolve_source<'r>(
    repo: &'r git2::Repository,
    config: &Config,
    spec: &str,
) -> Result<Resolved<'r>, CommandError> {
    if let Some(alias) = spec.strip_prefix("org:") {
        config
            .org(alias)
            .map_err(|e| CommandError::new(ExitKind::Input, e))?;
        let (tree, tip, _) = super::snapshot::live_tree(repo, alias)?;
        return Ok(Resolved {
            side: Side {
                tree,
                history: tip.map(|c| c.id()),
            },
            label: spec.to_string(),
            org: Some(alias.to_string()),
            branch: None,
        });
    }
    let commit = super::revision::commit(repo, spec)?;
    Ok(Resolved {
        side: Side {
            tree: commit.tree()?,
            history: Some(commit.id()),
        },
        label: spec.to_string(),
        org: None,
        branch: None,
    })
}

fn resolve_target<'r>(
    repo: &'r git2::Repository,
    config: &Config,
    spec: &str,
) -> Result<Resolved<'r>, CommandError> {
    let (branch, org) = match spec.strip_prefix("org:") {
        Some(alias) => {
            let org = config
                .org(alias)
                .map_err(|e| CommandError::new(ExitKind::Input, e))?;
            (org.branch_name(alias), Some(alias.to_string()))
        }
        None => (spec.to_string(), None),
    };
    let commit = repo.revparse_single(&format!("refs/heads/{branch}")).and_then(|o| o.peel_to_commit()).map_err(|_| {
        match &org {
            Some(alias) => CommandError::input(
                format!("org '{alias}' has no snapshot yet (no branch {branch})"),
                format!("run `git sfsync snapshot {alias}` first, so that promotion can see what the org holds"),
            ),
            None => CommandError::input(format!("'{branch}' is not a local branch"), "promote into an existing branch, or org:<alias>"),
        }
    })?;
    Ok(Resolved {
        side: Side {
            tree: commit.tree()?,
            history: Some(commit.id()),
        },
        label: spec.to_string(),
        org,
        branch: Some(branch),
    })
}

/// Builds the selection from the flags: components, manifest, paths, and the
/// files touched by `--commit` revisions and `--story` commits.
fn selection(
    repo: &git2::Repository,
    flags: &PromoteSelection,
    source_history: Option<git2::Oid>,
) -> Result<Selection, CommandError> {
    let mut selection = flags.base.selection()?;
    let mut paths = Vec::new();
    let touched =
        |commit: &git2::Commit<'_>, paths: &mut Vec<String>| -> Result<(), CommandError> {
            let parent_tree = commit.parent(0).ok().map(|p| p.tree()).transpose()?;
            let diff = repo.diff_tree_to_tree(parent_tree.as_ref(), Some(&commit.tree()?), None)?;
            for delta in diff.deltas() {
                if let Some(p) = delta.new_file().path().or_else(|| delta.old_file().path()) {
                    paths.push(p.to_string_lossy().into_owned());
                }
            }
            Ok(())
        };
    for rev in &flags.commits {
        touched(&super::revision::commit(repo, rev)?, &mut paths)?;
    }
    let mut story_matched = false;
    if let (Some(story), Some(tip)) = (&flags.story, source_history) {
        let mut walk = repo.revwalk()?;
        walk.push(tip)?;
        for oid in walk.take(20_000) {
            let commit = repo.find_commit(oid?)?;
            if commit.message().is_ok_and(|m| m.contains(story.as_str())) {
                story_matched = true;
                touched(&commit, &mut paths)?;
            }
        }
        if !story_matched {
            return Err(CommandError::input(
                format!("no commit of the source mentions '{story}'"),
                "check the story ID, or the source you promote from",
            ));
        }
    }
    if (!flags.commits.is_empty() || story_matched) && paths.is_empty() {
        return Err(CommandError::input(
            "the selected commits touch no files",
            "pick commits that change metadata",
        ));
    }
    // Files a commit touched select their whole component.
    for path in paths {
        let (component, _) = sfsync::metadata::component::resolve_source_path(&path);
        if component.kind.def().is_some() {
            selection
                .components
                .push(sfsync::selection::ComponentPattern {
                    kind: component.kind.name().to_string(),
                    name: component.full_name.clone(),
                });
        } else {
            selection.paths.push(path);
        }
    }
    Ok(selection)
}

/// Plans and carries out one promotion.
fn promote_one(
    ui: &Ui,
    repo: &git2::Repository,
    from: &str,
    to: &str,
    flags: &PromoteSelection,
    mode: &PromoteMode,
    activity: Activity,
) -> Result<Report, CommandError> {
    let root = sfsync::git::workdir(repo).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let config = Config::load(&root).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let source = resolve_source(repo, &config, from)?;
    let target = resolve_target(repo, &config, to)?;
    let mut selection = selection(repo, flags, source.side.history)?;
    let package_dirs = config.package_directories.clone();
    if selection.is_everything() {
        // "Everything that differs" means metadata, not the project's own files.
        selection.paths = if package_dirs.is_empty() {
            vec![String::new()]
        } else {
            package_dirs.clone()
        };
    }
    let plan = promote::plan(
        repo,
        &source.side,
        &target.side,
        &selection,
        &MergeOptions::default(),
    )
    .map_err(|e| CommandError::new(ExitKind::Internal, e))?;
    let mut report = Report {
        source: source.label.clone(),
        target: target.label.clone(),
        components: plan.components.clone(),
        outcome: String::new(),
        commit: None,
        skipped: Vec::new(),
        errors: Vec::new(),
    };
    if !ui.json {
        print_plan(ui, &source.label, &target.label, &plan);
    }
    let conflicts: Vec<String> = plan.conflicts().map(|c| c.component.clone()).collect();
    if mode.dry_run {
        report.outcome = "dry_run".into();
        if !ui.json {
            ui.line("dry run: nothing was written or deployed");
        }
        return Ok(report);
    }
    if !plan.has_work() {
        report.outcome = "nothing_to_do".into();
        if !ui.json {
            ui.line("nothing to promote: the target already has every selected component");
        }
        return Ok(report);
    }
    if !conflicts.is_empty() && !mode.force && !mode.auto {
        report.outcome = "blocked".into();
        let details: Vec<String> = plan
            .conflicts()
            .map(|c| {
                format!(
                    "conflict in {}: {}",
                    c.component,
                    c.conflicting_units.join(", ")
                )
            })
            .collect();
        record(
            repo,
            &source,
            &target,
            activity,
            Outcome::Blocked,
            &plan,
            &details,
            false,
            None,
        );
        if activity == Activity::Promotion && !mode.dry_run {
            let stopped =
                stop_with_conflicts(repo, &source, &target, &plan, flags.story.as_deref())?;
            if !ui.json {
                eprintln!(
                    "\npromotion stopped: {} component(s) would overwrite changes the target has. Nothing was written or deployed.\n\
                     The conflicted files are in the working tree, markers around the conflicting units only:",
                    conflicts.len()
                );
                for path in &stopped {
                    eprintln!("  {path}");
                }
                eprintln!(
                    "Resolve them, `git add` them, then run `git sfsync promote --continue` (or `--abort`).\n\
                     Or promote the other components with --auto, or overwrite with --force."
                );
            }
        } else if !ui.json {
            eprintln!(
                "\npromotion stopped: {} component(s) would overwrite changes the target has. Nothing was written or deployed.\n\
                 Resolve by bringing the target's changes into {} first (e.g. `git sfsync backpromote` or `git merge`),\n\
                 promote the other components with --auto, or overwrite with --force.",
                conflicts.len(),
                source.label
            );
        }
        return Ok(report);
    }
    // With --force the source's version wins on conflicts; with --auto they are skipped.
    let mut force_source = BTreeMap::new();
    if mode.force {
        for c in plan.conflicts() {
            for f in &c.files {
                let blob = source
                    .side
                    .tree
                    .get_path(std::path::Path::new(&f.path))
                    .ok()
                    .and_then(|e| repo.find_blob(e.id()).ok())
                    .map(|b| b.content().to_vec());
                force_source.insert(f.path.clone(), blob);
            }
        }
    } else {
        report.skipped = conflicts.clone();
    }
    let changes = plan.file_changes(&force_source, mode.force);
    let promoted: Vec<String> = plan
        .components
        .iter()
        .filter(|c| {
            matches!(c.action, Action::Update | Action::Merge)
                || (mode.force && c.action == Action::Conflict)
        })
        .map(|c| c.component.clone())
        .collect();
    apply(
        ui,
        repo,
        &config,
        &root,
        &source,
        &target,
        &plan,
        &changes,
        &promoted,
        mode,
        activity,
        flags.story.as_deref(),
        report,
    )
}

/// Carries out a promotion whose plan has no unresolved conflicts left:
/// deploys (validated first) into an org, or commits onto a branch, and
/// records the outcome.
#[allow(clippy::too_many_arguments)] // the promotion's resolved state, each used once
fn apply(
    ui: &Ui,
    repo: &git2::Repository,
    config: &Config,
    root: &std::path::Path,
    source: &Resolved<'_>,
    target: &Resolved<'_>,
    plan: &Plan,
    changes: &BTreeMap<String, Option<Vec<u8>>>,
    promoted: &[String],
    mode: &PromoteMode,
    activity: Activity,
    story: Option<&str>,
    mut report: Report,
) -> Result<Report, CommandError> {
    let signature = repo
        .signature()
        .or_else(|_| git2::Signature::now("git-sfsync", "git-sfsync@localhost"))?;
    let kind = if activity == Activity::BackPromotion {
        "back_promotion"
    } else {
        "promotion"
    };

    if let Some(alias) = &target.org {
        // Deploy what the merge produced, validated first, then record it on the org branch.
        let deploy_files = component_files(repo, &target.side.tree, changes, promoted)?;
        let deletions: Vec<_> = changes
            .iter()
            .filter(|(_, c)| c.is_none())
            .filter_map(|(p, _)| sfsync::org::format::component_of(p))
            .collect();
        let runtime = orgs::runtime()?;
        let outcome = runtime.block_on(async {
            let org = orgs::connect(repo, config, root, alias).await?;
            let validation = org
                .deploy(
                    &deploy_files,
                    &deletions,
                    &DeployOptions {
                        check_only: true,
                        ..DeployOptions::default()
                    },
                )
                .await
                .map_err(orgs::org_error)?;
            if !validation.succeeded() {
                return Ok::<_, CommandError>(validation);
            }
            org.deploy(&deploy_files, &deletions, &DeployOptions::default())
                .await
                .map_err(orgs::org_error)
        });
        // A connection error and a failed deploy end the same way: recorded, nothing on the branch.
        let errors = match outcome {
            Ok(outcome) if outcome.succeeded() => None,
            Ok(outcome) => Some(super::push::error_lines(
                &outcome,
                &super::push::failures(&outcome),
            )),
            Err(err) => Some(vec![err.report.to_string()]),
        };
        if let Some(errors) = errors {
            report.outcome = "failed".into();
            report.errors = errors;
            record(
                repo,
                source,
                target,
                activity,
                Outcome::Failed,
                plan,
                &report.errors,
                mode.force,
                None,
            );
            if !ui.json {
                eprintln!("deploy to {alias} failed; nothing was recorded on its branch:");
                for e in &report.errors {
                    eprintln!("  {e}");
                }
            }
            return Ok(report);
        }
    }
    let branch = target.branch.clone().expect("targets always have a branch");
    let checked_out = repo
        .head()
        .ok()
        .and_then(|h| h.shorthand().ok().map(str::to_string))
        .is_some_and(|b| b == branch);
    if checked_out && target.org.is_none() {
        let dirty = repo.statuses(None)?.iter().any(|s| {
            !s.status().is_wt_new()
                && !s.status().is_ignored()
                && s.status() != git2::Status::CURRENT
        });
        if dirty {
            return Err(CommandError::input(
                format!("{branch} is checked out with uncommitted changes"),
                "commit or stash them, or promote into a branch that is not checked out",
            ));
        }
    }
    // The story travels in the subject, so that the next stage can be promoted by story too.
    let subject_source = match &story {
        Some(story) => format!("{} ({story})", source.label),
        None => source.label.clone(),
    };
    let commit = promote::commit_to_branch(
        repo,
        &branch,
        changes,
        promoted,
        &subject_source,
        source.side.history,
        kind,
        mode.force,
        &signature,
    )
    .map_err(|e| CommandError::new(ExitKind::Internal, e))?;
    if checked_out && target.org.is_none() {
        repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))?;
    }
    record(
        repo,
        source,
        target,
        activity,
        Outcome::Succeeded,
        plan,
        &[],
        mode.force,
        commit,
    );
    report.commit = commit.map(|c| c.to_string());
    report.outcome = if report.skipped.is_empty() {
        "promoted".into()
    } else {
        "partial".into()
    };
    if !ui.json {
        match commit {
            Some(oid) => ui.line(format!(
                "promoted {} component(s) into {} ({branch} {})",
                promoted.len(),
                target.label,
                &oid.to_string()[..10]
            )),
            None => ui.line(format!("{} already had the result", target.label)),
        }
        if !report.skipped.is_empty() {
            ui.line(format!(
                "skipped (conflicts): {}",
                report.skipped.join(", ")
            ));
        }
    }
    Ok(report)
}

/// What a promotion stopped on conflicts leaves in `.git/sfsync/promotion.json`.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Stopped {
    source: String,
    source_commit: Option<String>,
    target: String,
    /// The target's tip when the plan was made: the promotion only continues onto it.
    target_tip: String,
    story: Option<String>,
    /// Every component of the plan with its action.
    components: Vec<(String, Action)>,
    /// Changes of the components that merged cleanly: path -> blob id (None: delete).
    clean: BTreeMap<String, Option<String>>,
    /// Conflicted paths written to the work tree.
    conflicted: Vec<String>,
}

fn stopped_state_path(repo: &git2::Repository) -> PathBuf {
    sfsync::git::state_dir(repo).join("promotion.json")
}

/// Writes the conflicted files into the work tree and saves what `--continue` needs.
fn stop_with_conflicts(
    repo: &git2::Repository,
    source: &Resolved<'_>,
    target: &Resolved<'_>,
    plan: &Plan,
    story: Option<&str>,
) -> Result<Vec<String>, CommandError> {
    let root = sfsync::git::workdir(repo).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let mut conflicted = Vec::new();
    let mut clean = BTreeMap::new();
    for c in &plan.components {
        for f in &c.files {
            match c.action {
                Action::Conflict => conflicted.push((f.path.clone(), f.content.clone())),
                Action::Update | Action::Merge => {
                    let blob = f
                        .content
                        .as_ref()
                        .map(|bytes| repo.blob(bytes).map(|o| o.to_string()))
                        .transpose()?;
                    clean.insert(f.path.clone(), blob);
                }
                Action::Unchanged | Action::TargetOnly => {}
            }
        }
    }
    // Never write over the user's uncommitted work.
    for (path, _) in &conflicted {
        let status = repo
            .status_file(std::path::Path::new(path))
            .unwrap_or(git2::Status::CURRENT);
        if !(status.is_empty() || status == git2::Status::CURRENT) {
            return Err(CommandError::input(
                format!("{path} has uncommitted changes; the conflicts cannot be written there"),
                "commit or stash your changes and promote again",
            ));
        }
    }
    for (path, content) in &conflicted {
        let full = root.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&full, content.as_deref().unwrap_or_default())?;
    }
    let state = Stopped {
        source: source.label.clone(),
        source_commit: source.side.history.map(|o| o.to_string()),
        target: target.label.clone(),
        target_tip: target
            .side
            .history
            .map(|o| o.to_string())
            .unwrap_or_default(),
        story: story.map(str::to_string),
        components: plan
            .components
            .iter()
            .map(|c| (c.component.clone(), c.action))
            .collect(),
        clean,
        conflicted: conflicted.iter().map(|(p, _)| p.clone()).collect(),
    };
    let path = stopped_state_path(repo);
    std::fs::create_dir_all(path.parent().expect("state file has a directory"))?;
    std::fs::write(
        &path,
        serde_json::to_vec_pretty(&state).map_err(|e| CommandError::internal(e.to_string()))?,
    )?;
    Ok(state.conflicted)
}

fn load_stopped(repo: &git2::Repository) -> Result<Stopped, CommandError> {
    let path = stopped_state_path(repo);
    let text = std::fs::read(&path).map_err(|_| {
        CommandError::input(
            "no promotion is stopped on conflicts",
            "start one with `git sfsync promote --from <source> --to <target>`",
        )
    })?;
    serde_json::from_slice(&text).map_err(|e| {
        CommandError::internal(format!(
            "{} is damaged: {e}; remove it to start over",
            path.display()
        ))
    })
}

/// Puts the conflicted paths back as HEAD has them, in the index and the work tree.
fn restore_paths(repo: &git2::Repository, paths: &[String]) -> Result<(), CommandError> {
    let root = sfsync::git::workdir(repo).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let head = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let head_tree = head.as_ref().map(|c| c.tree()).transpose()?;
    let mut index = repo.index()?;
    for path in paths {
        let in_head = head_tree
            .as_ref()
            .and_then(|t| t.get_path(std::path::Path::new(path)).ok());
        match in_head {
            Some(entry) => {
                let blob = repo.find_blob(entry.id())?;
                std::fs::write(root.join(path), blob.content())?;
                index.add_path(std::path::Path::new(path))?;
            }
            None => {
                let _ = std::fs::remove_file(root.join(path));
                let _ = index.remove_path(std::path::Path::new(path));
            }
        }
    }
    index.write()?;
    Ok(())
}

fn abort(ui: &Ui, repo: &git2::Repository) -> Result<(), CommandError> {
    let state = load_stopped(repo)?;
    restore_paths(repo, &state.conflicted)?;
    std::fs::remove_file(stopped_state_path(repo))?;
    ui.line(format!(
        "promotion {} → {} abandoned; the conflicted files are back as they were",
        state.source, state.target
    ));
    Ok(())
}

/// Finishes a stopped promotion with the resolutions staged in the index.
fn resume(ui: &Ui, repo: &git2::Repository, mode: &PromoteMode) -> Result<Report, CommandError> {
    let state = load_stopped(repo)?;
    let root = sfsync::git::workdir(repo).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let config = Config::load(&root).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let target = resolve_target(repo, &config, &state.target)?;
    if target
        .side
        .history
        .map(|o| o.to_string())
        .unwrap_or_default()
        != state.target_tip
    {
        return Err(CommandError::input(
            format!("{} moved since the promotion stopped", state.target),
            "run `git sfsync promote --abort` and promote again, so that the plan sees the target as it is now",
        ));
    }
    let source_commit = state
        .source_commit
        .as_deref()
        .and_then(|s| git2::Oid::from_str(s).ok());
    let source_tree = match source_commit {
        Some(oid) => repo.find_commit(oid)?.tree()?,
        None => target.side.tree.clone(),
    };
    let source = Resolved {
        side: Side {
            tree: source_tree,
            history: source_commit,
        },
        label: state.source.clone(),
        org: None,
        branch: None,
    };
    let mut changes: BTreeMap<String, Option<Vec<u8>>> = BTreeMap::new();
    for (path, blob) in &state.clean {
        let content = match blob {
            Some(id) => Some(repo.find_blob(git2::Oid::from_str(id)?)?.content().to_vec()),
            None => None,
        };
        changes.insert(path.clone(), content);
    }
    let index = repo.index()?;
    for path in &state.conflicted {
        let resolved = std::fs::read(root.join(path)).ok();
        let staged = index.get_path(std::path::Path::new(path), 0).map(|e| e.id);
        let staged_content = staged
            .map(|id| repo.find_blob(id).map(|b| b.content().to_vec()))
            .transpose()?;
        if staged_content.is_none() || staged_content != resolved {
            return Err(CommandError::input(
                format!("{path} is not resolved and staged"),
                format!("resolve the conflicts in {path}, run `git add {path}`, then `git sfsync promote --continue`"),
            ));
        }
        let content = staged_content.expect("checked above");
        if sfsync::merge::text::has_conflict_markers(&content, 7) {
            return Err(CommandError::input(
                format!("{path} still has conflict markers"),
                format!("edit {path} to keep what you want, `git add` it, and continue"),
            ));
        }
        changes.insert(path.clone(), Some(content));
    }
    let plan = Plan {
        components: state
            .components
            .iter()
            .map(|(component, action)| promote::ComponentPlan {
                component: component.clone(),
                action: if *action == Action::Conflict {
                    Action::Merge
                } else {
                    *action
                },
                files: Vec::new(),
                conflicting_units: Vec::new(),
                target_changed_by: None,
                target_changed_at: None,
            })
            .collect(),
    };
    let promoted: Vec<String> = plan
        .components
        .iter()
        .filter(|c| matches!(c.action, Action::Update | Action::Merge))
        .map(|c| c.component.clone())
        .collect();
    let report = Report {
        source: state.source.clone(),
        target: state.target.clone(),
        components: plan.components.clone(),
        outcome: String::new(),
        commit: None,
        skipped: Vec::new(),
        errors: Vec::new(),
    };
    let report = apply(
        ui,
        repo,
        &config,
        &root,
        &source,
        &target,
        &plan,
        &changes,
        &promoted,
        mode,
        Activity::Promotion,
        state.story.as_deref(),
        report,
    )?;
    if report.outcome != "failed" {
        restore_paths(repo, &state.conflicted)?;
        std::fs::remove_file(stopped_state_path(repo))?;
    }
    Ok(report)
}

/// Returns every file of the promoted components as the target will hold them:
/// a deploy carries whole components (an Apex class needs its -meta.xml even
/// when only the code changed).
fn component_files(
    repo: &git2::Repository,
    target: &git2::Tree<'_>,
    changes: &BTreeMap<String, Option<Vec<u8>>>,
    promoted: &[String],
) -> Result<BTreeMap<String, Vec<u8>>, CommandError> {
    let tree = sfsync::git::commit::apply_to_tree(repo, Some(target), changes)
        .map_err(|e| CommandError::new(ExitKind::Internal, e))?;
    let tree = repo.find_tree(tree)?;
    let wanted: std::collections::BTreeSet<&str> = promoted.iter().map(String::as_str).collect();
    let mut files = BTreeMap::new();
    let mut error = None;
    tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        if entry.kind() != Some(git2::ObjectType::Blob) {
            return git2::TreeWalkResult::Ok;
        }
        let path = format!("{dir}{}", entry.name().unwrap_or_default());
        let (component, _) = sfsync::metadata::component::resolve_source_path(&path);
        let parent = component.parent().map(|p| p.to_string());
        if wanted.contains(component.to_string().as_str())
            || parent.as_deref().is_some_and(|p| wanted.contains(p))
        {
            match repo.find_blob(entry.id()) {
                Ok(blob) => {
                    files.insert(path, blob.content().to_vec());
                }
                Err(e) => error = Some(e),
            }
        }
        git2::TreeWalkResult::Ok
    })?;
    match error {
        Some(e) => Err(e.into()),
        None => Ok(files),
    }
}

/// Records the outcome as a note on the source commit (shown by status and log).
#[allow(clippy::too_many_arguments)] // a record's fields
fn record(
    repo: &git2::Repository,
    source: &Resolved<'_>,
    target: &Resolved<'_>,
    activity: Activity,
    outcome: Outcome,
    plan: &Plan,
    errors: &[String],
    forced: bool,
    result: Option<git2::Oid>,
) {
    let Some(on) = source.side.history else {
        return;
    };
    let Ok(signature) = repo
        .signature()
        .or_else(|_| git2::Signature::now("git-sfsync", "git-sfsync@localhost"))
    else {
        return;
    };
    let record = Record {
        activity,
        outcome,
        target: target.org.clone().unwrap_or_else(|| target.label.clone()),
        source: source.label.clone(),
        at: jiff::Timestamp::now().to_string(),
        components: plan
            .components
            .iter()
            .filter(|c| c.action != Action::Unchanged && c.action != Action::TargetOnly)
            .map(|c| c.component.clone())
            .collect(),
        errors: errors.to_vec(),
        forced,
        result_commit: result.map(|o| o.to_string()),
    };
    // A record that cannot be written must not undo a deployment that happened.
    let _ = notes::append(repo, on, &record, &signature);
}

fn print_plan(ui: &Ui, source: &str, target: &str, plan: &Plan) {
    ui.line(format!("Promotion {source} → {target}"));
    if plan.components.is_empty() {
        ui.line("  (no selected component differs)");
    }
    for c in &plan.components {
        let action = match c.action {
            Action::Unchanged => ui.paint("90", "unchanged"),
            Action::Update => ui.paint("32", "update   "),
            Action::Merge => ui.paint("36", "merge    "),
            Action::Conflict => ui.paint("31", "conflict "),
            Action::TargetOnly => ui.paint("90", "keep     "),
        };
        let who = match (&c.target_changed_by, &c.target_changed_at) {
            (Some(who), Some(when))
                if matches!(
                    c.action,
                    Action::Merge | Action::Conflict | Action::TargetOnly
                ) =>
            {
                format!(" (target changed by {who}, {when})")
            }
            _ => String::new(),
        };
        ui.line(format!("  {action} {}{who}", c.component));
        for unit in &c.conflicting_units {
            ui.line(format!("      conflict in {unit}"));
        }
    }
}
