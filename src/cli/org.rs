//! `git sfsync org add|list|remove`: the orgs of `sfsync.toml` and their credentials.

use super::{CommandError, ExitKind, Ui};
use sfsync::config::{Config, OrgConfig};
use sfsync::org::{self, CredentialStore, Credentials, OrgUrl};
use std::path::{Path, PathBuf};

pub const AFTER_HELP: &str = "\
Org URLs:
  https://<domain>.my.salesforce.com   a real org (or sandbox)
  http://127.0.0.1:<port>              a running `git sfsync emulator`
  local:<dir>                          an emulated org in <dir>, started on demand

Credentials go to .git/sfsync/credentials.toml (mode 0600), never to sfsync.toml.
Without stored credentials, SFSYNC_AUTH_URL or SFSYNC_ACCESS_TOKEN are used.";

#[derive(Debug, clap::Args)]
pub struct OrgArgs {
    #[command(subcommand)]
    pub command: OrgCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum OrgCommand {
    /// Add an org (or replace its URL and credentials)
    Add(AddArgs),
    /// List the configured orgs
    List(ListArgs),
    /// Remove an org and its stored credentials
    Remove(RemoveArgs),
}

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("auth").multiple(false))]
pub struct AddArgs {
    /// Name of the org (its branch is orgs/<alias>)
    pub alias: String,
    /// Where the org is: https://..., http://127.0.0.1:<port> or local:<dir>
    #[arg(long)]
    pub url: String,
    /// Read an SFDX auth URL (force://...) from this file (.json: sf's --json output)
    #[arg(long, value_name = "FILE", group = "auth")]
    pub auth_url_file: Option<PathBuf>,
    /// Read the access token from this environment variable at each use
    #[arg(long, value_name = "VAR", group = "auth")]
    pub access_token_env: Option<String>,
    /// Import the org from this Salesforce CLI alias (needs `sf`)
    #[arg(long, value_name = "ALIAS", group = "auth")]
    pub sf_alias: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Connect to each org and report whether the session works
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, clap::Args)]
pub struct RemoveArgs {
    /// Name of the org to remove
    pub alias: String,
}

/// Folds an org error into a command error with the right exit code.
pub fn org_error(error: org::Error) -> CommandError {
    let kind = match &error {
        org::Error::InvalidUrl { .. } | org::Error::Input { .. } => ExitKind::Input,
        org::Error::Io { .. } => ExitKind::Internal,
        _ => ExitKind::Org,
    };
    CommandError::new(kind, error)
}

fn config_error(error: sfsync::config::Error) -> CommandError {
    CommandError::new(ExitKind::Input, error)
}

/// Returns the project root (work tree) and the git directory.
fn repository() -> Result<(PathBuf, PathBuf), CommandError> {
    let repo = git2::Repository::open_from_env().map_err(|e| {
        CommandError::input(
            format!("not in a git repository: {}", e.message()),
            "run this inside the project's repository (or pass -C <dir>)",
        )
    })?;
    let root = repo
        .workdir()
        .ok_or_else(|| {
            CommandError::input(
                "the repository has no work tree",
                "run this in a non-bare clone",
            )
        })?
        .to_path_buf();
    Ok((root, repo.path().to_path_buf()))
}

pub fn run(ui: &Ui, args: OrgArgs) -> Result<(), CommandError> {
    let (root, git_dir) = repository()?;
    match args.command {
        OrgCommand::Add(args) => add(ui, &root, &git_dir, args),
        OrgCommand::List(args) => list(ui, &root, &git_dir, args),
        OrgCommand::Remove(args) => remove(ui, &root, &git_dir, args),
    }
}

fn valid_alias(alias: &str) -> bool {
    !alias.is_empty()
        && alias
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !alias.starts_with(['.', '-'])
        && !alias.contains("..")
}

fn add(ui: &Ui, root: &Path, git_dir: &Path, args: AddArgs) -> Result<(), CommandError> {
    if !valid_alias(&args.alias) {
        return Err(CommandError::input(
            format!("'{}' is not a usable org alias", args.alias),
            "use letters, digits, '-', '_' and '.' (it becomes the branch orgs/<alias>)",
        ));
    }
    let url = OrgUrl::parse(&args.url, root).map_err(org_error)?;
    let credentials = if let Some(file) = &args.auth_url_file {
        Some(Credentials::from_auth_url_file(file).map_err(org_error)?)
    } else if let Some(var) = &args.access_token_env {
        Some(Credentials {
            instance_url: Some(args.url.trim_end_matches('/').to_string()),
            access_token_env: Some(var.clone()),
            ..Credentials::default()
        })
    } else if let Some(alias) = &args.sf_alias {
        Some(Credentials::from_sf_alias(alias).map_err(org_error)?)
    } else {
        None
    };
    let mut config = Config::load(root).map_err(config_error)?;
    let previous = config.orgs.get(&args.alias).cloned();
    config.orgs.insert(
        args.alias.clone(),
        OrgConfig {
            url: args.url.clone(),
            branch: previous.as_ref().and_then(|p| p.branch.clone()),
            deploy_branch: previous.and_then(|p| p.deploy_branch),
        },
    );
    config.save(root).map_err(config_error)?;
    let path = CredentialStore::path_in(git_dir);
    let mut store = CredentialStore::load(&path).map_err(org_error)?;
    match credentials {
        Some(credentials) => {
            store.set(&args.alias, credentials);
            store.save().map_err(org_error)?;
        }
        None => {
            if store.remove(&args.alias).is_some() {
                store.save().map_err(org_error)?;
            }
            if !matches!(url, OrgUrl::Local(_)) {
                ui.warn(format!(
                    "no credentials stored for '{}': set {} or {}, or run `git sfsync org add` again with --auth-url-file, --access-token-env or --sf-alias",
                    args.alias,
                    org::auth::ENV_AUTH_URL,
                    org::auth::ENV_ACCESS_TOKEN
                ));
            }
        }
    }
    ui.line(format!("added org '{}' ({})", args.alias, args.url));
    Ok(())
}

/// Describes stored credentials without revealing them.
fn credential_kind(credentials: Option<&Credentials>, url: &str) -> &'static str {
    if url.starts_with("local:") {
        return "embedded";
    }
    match credentials {
        Some(c) if c.refresh_token.is_some() => "refresh token",
        Some(c) if c.access_token_env.is_some() => "access token (environment)",
        Some(c) if c.access_token.is_some() => "access token",
        Some(_) | None => "environment",
    }
}

fn list(ui: &Ui, root: &Path, git_dir: &Path, args: ListArgs) -> Result<(), CommandError> {
    let config = Config::load(root).map_err(config_error)?;
    let store = CredentialStore::load(&CredentialStore::path_in(git_dir)).map_err(org_error)?;
    let runtime = if args.check {
        Some(
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| {
                    CommandError::internal(format!("cannot start the async runtime: {e}"))
                })?,
        )
    } else {
        None
    };
    let mut rows = Vec::new();
    let mut failed = 0;
    for (alias, org_config) in &config.orgs {
        let check = runtime.as_ref().map(|rt| {
            rt.block_on(async {
                let org = org::open(alias, org_config, root, git_dir, None).await?;
                org.client().identity().await
            })
        });
        let (status, detail) = match &check {
            None => (None, None),
            Some(Ok(identity)) => (
                Some("ok"),
                Some(format!(
                    "org {} as {}",
                    identity.organization_id, identity.username
                )),
            ),
            Some(Err(e)) => {
                failed += 1;
                (Some("failed"), Some(e.to_string()))
            }
        };
        rows.push(serde_json::json!({
            "alias": alias,
            "url": org_config.url,
            "branch": org_config.branch_name(alias),
            "credentials": credential_kind(store.get(alias), &org_config.url),
            "status": status,
            "detail": detail,
        }));
    }
    if ui.json {
        ui.json(&rows)?;
    } else if rows.is_empty() {
        ui.line("no orgs configured; add one with `git sfsync org add <alias> --url <url>`");
    } else {
        for row in &rows {
            let field = |name: &str| row[name].as_str().unwrap_or_default().to_string();
            let mut line = format!(
                "{}\t{}\t{}\t{}",
                field("alias"),
                field("url"),
                field("branch"),
                field("credentials")
            );
            if args.check {
                let status = match field("status").as_str() {
                    "ok" => ui.paint("32", "ok"),
                    other => ui.paint("31", other),
                };
                line.push_str(&format!("\t{status}: {}", field("detail")));
            }
            ui.data(line);
        }
    }
    if failed > 0 {
        return Err(CommandError::new(
            ExitKind::Org,
            miette::miette!(
                code = "sfsync::org::check",
                help = "fix the URL or re-authenticate with `git sfsync org add <alias> --url <url> --auth-url-file <file>`",
                "{failed} org(s) failed the connection check"
            ),
        ));
    }
    Ok(())
}

fn remove(ui: &Ui, root: &Path, git_dir: &Path, args: RemoveArgs) -> Result<(), CommandError> {
    let mut config = Config::load(root).map_err(config_error)?;
    if config.orgs.remove(&args.alias).is_none() {
        return Err(config_error(sfsync::config::Error::UnknownOrg {
            alias: args.alias,
        }));
    }
    if config.pipeline.contains(&args.alias) {
        ui.warn(format!(
            "'{}' is still in the pipeline in sfsync.toml; edit the pipeline if it is gone for good",
            args.alias
        ));
    }
    config.save(root).map_err(config_error)?;
    let path = CredentialStore::path_in(git_dir);
    let mut store = CredentialStore::load(&path).map_err(org_error)?;
    if store.remove(&args.alias).is_some() {
        store.save().map_err(org_error)?;
    }
    ui.line(format!(
        "removed org '{}' (its branch {} is kept)",
        args.alias,
        sfsync::config::ORG_BRANCH_PREFIX.to_string() + &args.alias
    ));
    Ok(())
}
