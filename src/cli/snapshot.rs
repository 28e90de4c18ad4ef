//! `git sfsync snapshot <alias>...`: retrieve orgs and commit their state on their org branches.

use super::orgs;
use super::{CommandError, ExitKind, Ui};
use sfsync::config::Config;
use sfsync::metadata::project::Project;
use sfsync::org::{Org, RetrievedSource};
use sfsync::snapshot::{self, Facts};

pub const AFTER_HELP: &str = "\
Retrieves what the project tracks (every component under the package
directories of the base branch, plus anything new of the same types) and
commits the full source tree on the org's branch (orgs/<alias>) if and only if
something changed. The commit message names the changed components; trailers
record the org, its id, the API version and the time. Several orgs are
retrieved concurrently. The work tree and index are never touched.";

#[derive(Debug, clap::Args)]
pub struct SnapshotArgs {
    /// Orgs to snapshot, by alias
    #[arg(required_unless_present = "all")]
    pub aliases: Vec<String>,
    /// Snapshot every org of sfsync.toml
    #[arg(long, conflicts_with = "aliases")]
    pub all: bool,
}

/// One org's result, for `--json`.
#[derive(serde::Serialize)]
struct Report {
    org: String,
    branch: String,
    commit: Option<String>,
    summary: String,
    components: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// One org's retrieve: the source files, the org id and the API version.
pub type Retrieved = (RetrievedSource, Option<String>, String);

/// The orgs' current state, retrieved for what the project tracks.
pub struct Retrieval<'r> {
    pub repo: &'r git2::Repository,
    pub config: Config,
    pub package_dirs: Vec<String>,
    /// The tree the first snapshot of an org starts from (sfdx-project.json & co.).
    pub seed: git2::Tree<'r>,
    /// Per alias: the retrieved source, the org id and the API version, or why not.
    pub results: Vec<(String, Result<Retrieved, CommandError>)>,
}

/// Retrieves `aliases` (all orgs when `all`) concurrently.
pub fn retrieve_orgs<'r>(
    repo: &'r git2::Repository,
    aliases: &[String],
    all: bool,
) -> Result<Retrieval<'r>, CommandError> {
    let root = sfsync::git::workdir(repo).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let config = Config::load(&root).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let project = Project::discover(&root).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let aliases: Vec<String> = if all {
        config.orgs.keys().cloned().collect()
    } else {
        aliases.to_vec()
    };
    if aliases.is_empty() {
        return Err(CommandError::input(
            "no orgs to work on",
            "name orgs by alias, or add some with `git sfsync org add`",
        ));
    }
    for alias in &aliases {
        config
            .org(alias)
            .map_err(|e| CommandError::new(ExitKind::Input, e))?;
    }
    let package_dirs: Vec<String> = project
        .package_dirs()
        .iter()
        .map(|d| d.path.clone())
        .collect();
    let default_dir = project.default_package_dir().path.clone();
    let api_version = project
        .source_api_version()
        .unwrap_or(sfsync::org::client::DEFAULT_API_VERSION)
        .to_string();

    // What the project tracks: the base branch's package directories (HEAD when there is no base branch yet).
    let seed_rev = if repo.revparse_single(&config.base_branch).is_ok() {
        config.base_branch.clone()
    } else {
        "HEAD".to_string()
    };
    let seed = super::revision::tree(repo, &seed_rev)?;
    let tracked: Vec<String> = sfsync::git::tree::RevTree::resolve(repo, &seed_rev)
        .and_then(|t| t.files())
        .map_err(|e| CommandError::new(ExitKind::Input, e))?
        .into_iter()
        .filter(|p| project.is_source(p) && !project.is_ignored(p))
        .collect();
    let manifest = snapshot::tracked_manifest(&tracked, &api_version);

    let runtime = orgs::runtime()?;
    let results = runtime.block_on(async {
        let tasks = aliases.iter().map(|alias| {
            let (config, root, manifest, default_dir, tracked) =
                (&config, &root, &manifest, &default_dir, &tracked);
            async move {
                let result = async {
                    let org = orgs::connect(repo, config, root, alias).await?;
                    let org_id = org
                        .client()
                        .identity()
                        .await
                        .ok()
                        .map(|i| i.organization_id);
                    let version = org.client().api_version().to_string();
                    let source = org
                        .retrieve(manifest, default_dir, tracked)
                        .await
                        .map_err(orgs::org_error)?;
                    Ok((source, org_id, version))
                }
                .await;
                (alias.clone(), result)
            }
        });
        futures_util::future::join_all(tasks).await
    });
    Ok(Retrieval {
        repo,
        config,
        package_dirs,
        seed,
        results,
    })
}

/// Retrieves the org `alias` and returns its live state as a tree (the org
/// branch's tree, or the project's for an org never snapshotted, with the
/// package directories replaced by what the org holds), the org branch's tip,
/// and the package directories.
pub fn live_tree<'r>(
    repo: &'r git2::Repository,
    alias: &str,
) -> Result<(git2::Tree<'r>, Option<git2::Commit<'r>>, Vec<String>), CommandError> {
    let retrieval = retrieve_orgs(repo, &[alias.to_string()], false)?;
    let Retrieval {
        config,
        package_dirs,
        seed,
        results,
        ..
    } = retrieval;
    let (_, result) = results
        .into_iter()
        .next()
        .expect("one org asked, one result");
    let (source, _, _) = result?;
    let branch = config.orgs[alias].branch_name(alias);
    let tip = repo
        .revparse_single(&format!("refs/heads/{branch}"))
        .and_then(|o| o.peel_to_commit())
        .ok();
    let start = match &tip {
        Some(c) => c.tree()?,
        None => seed,
    };
    let tree = snapshot::build_tree(repo, Some(&start), &package_dirs, &source.files)
        .map_err(|e| CommandError::new(ExitKind::Internal, e))?;
    Ok((repo.find_tree(tree)?, tip, package_dirs))
}

/// Records one retrieved org as a snapshot.
pub fn record(
    retrieval: &Retrieval<'_>,
    alias: &str,
    source: &RetrievedSource,
    org_id: Option<String>,
    api_version: String,
) -> Result<snapshot::Outcome, CommandError> {
    let repo = retrieval.repo;
    let committer = repo
        .signature()
        .or_else(|_| git2::Signature::now("git-sfsync", "git-sfsync@localhost"))?;
    let branch = retrieval.config.orgs[alias].branch_name(alias);
    let facts = Facts {
        alias: alias.to_string(),
        org_id,
        api_version,
        retrieved_at: jiff::Timestamp::now().to_string(),
    };
    snapshot::record(
        repo,
        &branch,
        &retrieval.package_dirs,
        &source.files,
        &source.properties,
        &facts,
        Some(&retrieval.seed),
        &committer,
    )
    .map_err(|e| CommandError::new(ExitKind::Internal, e))
}

pub fn run(ui: &Ui, args: SnapshotArgs) -> Result<(), CommandError> {
    let repo = sfsync::git::open().map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let retrieval = retrieve_orgs(&repo, &args.aliases, args.all)?;
    let mut reports = Vec::new();
    let mut failed = None;
    for (alias, result) in &retrieval.results {
        let branch = retrieval.config.orgs[alias].branch_name(alias);
        match result {
            Err(err) => {
                reports.push(Report {
                    org: alias.clone(),
                    branch,
                    commit: None,
                    summary: "retrieve failed: nothing recorded".into(),
                    components: vec![],
                    error: Some(format!("{:?}", err.report)),
                });
                if !ui.json {
                    eprintln!("{alias}: retrieve failed, nothing recorded");
                    eprintln!("{:?}", err.report);
                }
                failed = Some(err.kind);
            }
            Ok((source, org_id, version)) => {
                let outcome = record(&retrieval, alias, source, org_id.clone(), version.clone())?;
                if !ui.json {
                    match outcome.commit {
                        Some(oid) => ui.line(format!(
                            "{alias}: {} ({} {})",
                            outcome.summary,
                            branch,
                            &oid.to_string()[..10]
                        )),
                        None => ui.line(format!("{alias}: no changes since the last snapshot")),
                    }
                }
                reports.push(Report {
                    org: alias.clone(),
                    branch,
                    commit: outcome.commit.map(|o| o.to_string()),
                    summary: outcome.summary,
                    components: outcome
                        .changes
                        .iter()
                        .map(|c| c.component.clone())
                        .collect(),
                    error: None,
                });
            }
        }
    }
    if ui.json {
        ui.json(&reports)?;
    }
    match failed {
        Some(kind) => Err(CommandError::reported(kind)),
        None => Ok(()),
    }
}
