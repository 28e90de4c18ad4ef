//! `git sfsync drift`: what changed in the orgs since their last snapshot.

use super::snapshot::{record, retrieve_orgs};
use super::{CommandError, ExitKind, Ui};
use sfsync::diff::{self, ComponentDiff};
use sfsync::status::Diagram;

pub const AFTER_HELP: &str = "\
Retrieves each org and compares it with its last snapshot (orgs/<alias>):
the components changed directly in the org since, with who changed them and
when. Exit 1 when any org drifted: meant for a schedule in CI (--json for
notifications). --snapshot records the drift as a new snapshot.";

#[derive(Debug, clap::Args)]
pub struct DriftArgs {
    /// Orgs to check, by alias
    #[arg(required_unless_present = "all")]
    pub aliases: Vec<String>,
    /// Check every org of sfsync.toml
    #[arg(long, conflicts_with = "aliases")]
    pub all: bool,
    /// Record the drift as a new snapshot
    #[arg(long)]
    pub snapshot: bool,
}

/// One drifted component.
#[derive(Debug, serde::Serialize)]
pub struct Drifted {
    pub component: String,
    pub status: diff::Status,
    pub changes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_at: Option<String>,
}

/// One org's drift report.
#[derive(Debug, serde::Serialize)]
pub struct Report {
    pub org: String,
    pub drifted: bool,
    pub components: Vec<Drifted>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Computes the drift of each org; `record_snapshot` also commits it.
pub fn detect(
    repo: &git2::Repository,
    aliases: &[String],
    all: bool,
    record_snapshot: bool,
) -> Result<(Vec<Report>, Option<ExitKind>), CommandError> {
    let retrieval = retrieve_orgs(repo, aliases, all)?;
    let mut reports = Vec::new();
    let mut failed = None;
    for (alias, result) in &retrieval.results {
        let (source, org_id, version) = match result {
            Ok(ok) => ok,
            Err(err) => {
                reports.push(Report {
                    org: alias.clone(),
                    drifted: false,
                    components: vec![],
                    snapshot: None,
                    error: Some(format!("{:?}", err.report)),
                });
                failed = Some(err.kind);
                continue;
            }
        };
        let branch = retrieval.config.orgs[alias].branch_name(alias);
        let Ok(last) = repo
            .revparse_single(&format!("refs/heads/{branch}"))
            .and_then(|o| o.peel_to_commit())
        else {
            reports.push(Report {
                org: alias.clone(),
                drifted: false,
                components: vec![],
                snapshot: None,
                error: Some(format!(
                    "{alias} has no snapshot yet: run `git sfsync snapshot {alias}` first"
                )),
            });
            failed.get_or_insert(ExitKind::Input);
            continue;
        };
        let last_tree = last.tree()?;
        let live = sfsync::snapshot::build_tree(
            repo,
            Some(&last_tree),
            &retrieval.package_dirs,
            &source.files,
        )
        .map_err(|e| CommandError::new(ExitKind::Internal, e))?;
        let live = repo.find_tree(live)?;
        let dirs = &retrieval.package_dirs;
        let in_package = |p: &str| {
            dirs.iter()
                .any(|d| p.starts_with(&format!("{}/", d.trim_end_matches('/'))))
        };
        let changed =
            diff::changed_between_trees(repo, Some(&last_tree), Some(&live), &in_package)?;
        let components: Vec<ComponentDiff> = diff::diff_files(changed, diff::Options::default());
        let drifted: Vec<Drifted> = components
            .iter()
            .map(|c| {
                let props = source.properties.iter().find(|p| {
                    p.type_ == c.kind && p.full_name == c.name
                        || sfsync::metadata::component::Component::parse(&c.component)
                            .and_then(|comp| comp.parent())
                            .is_some_and(|parent| {
                                p.type_ == parent.kind.name() && p.full_name == parent.full_name
                            })
                });
                Drifted {
                    component: c.component.clone(),
                    status: c.status,
                    changes: c
                        .files
                        .iter()
                        .flat_map(|f| f.changes.iter().map(|ch| ch.summary.clone()))
                        .collect(),
                    changed_by: props
                        .map(|p| p.last_modified_by_name.clone())
                        .filter(|s| !s.is_empty()),
                    changed_at: props
                        .map(|p| p.last_modified_date.clone())
                        .filter(|s| !s.is_empty()),
                }
            })
            .collect();
        let mut snapshot = None;
        if record_snapshot && !drifted.is_empty() {
            let outcome = record(&retrieval, alias, source, org_id.clone(), version.clone())?;
            snapshot = outcome.commit.map(|c| c.to_string());
        }
        reports.push(Report {
            org: alias.clone(),
            drifted: !drifted.is_empty(),
            components: drifted,
            snapshot,
            error: None,
        });
    }
    Ok((reports, failed))
}

pub fn run(ui: &Ui, args: DriftArgs) -> Result<(), CommandError> {
    let repo = sfsync::git::open().map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let (reports, failed) = detect(&repo, &args.aliases, args.all, args.snapshot)?;
    if ui.json {
        ui.json(&reports)?;
    } else {
        for report in &reports {
            if let Some(error) = &report.error {
                eprintln!("{}: {error}", report.org);
            } else if !report.drifted {
                ui.line(format!(
                    "{}: {}",
                    report.org,
                    ui.paint("32", "no drift since the last snapshot")
                ));
            } else {
                ui.data(format!(
                    "{}: {} component(s) changed in the org since the last snapshot",
                    report.org,
                    report.components.len()
                ));
                for c in &report.components {
                    let who = match (&c.changed_by, &c.changed_at) {
                        (Some(who), Some(when)) => format!(" (by {who}, {when})"),
                        (Some(who), None) => format!(" (by {who})"),
                        _ => String::new(),
                    };
                    let status = match c.status {
                        diff::Status::Added => "added",
                        diff::Status::Deleted => "deleted",
                        diff::Status::Modified => "modified",
                    };
                    ui.data(format!("  {} {status}{who}", ui.paint("1", &c.component)));
                    for change in &c.changes {
                        ui.data(format!("      {change}"));
                    }
                }
                if let Some(commit) = &report.snapshot {
                    ui.line(format!("  recorded as snapshot {}", &commit[..10]));
                }
            }
        }
    }
    if let Some(kind) = failed {
        return Err(CommandError::reported(kind));
    }
    if reports.iter().any(|r| r.drifted) {
        return Err(CommandError::found());
    }
    Ok(())
}

/// Marks each stage of a diagram with whether its org drifted (status --live).
pub fn annotate_drift(diagram: &mut Diagram, repo: &git2::Repository) -> Result<(), CommandError> {
    let aliases: Vec<String> = diagram
        .stages
        .iter()
        .filter(|s| s.snapshot.is_some())
        .map(|s| s.org.clone())
        .collect();
    if aliases.is_empty() {
        return Ok(());
    }
    let (reports, _) = detect(repo, &aliases, false, false)?;
    for report in reports {
        if let Some(stage) = diagram.stages.iter_mut().find(|s| s.org == report.org) {
            stage.drifted = report.error.is_none().then_some(report.drifted);
        }
    }
    Ok(())
}
