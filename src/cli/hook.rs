//! `git sfsync hook pre-push <remote> <url>`: the overwrite guard git runs before a push.

use super::{CommandError, ExitKind, Ui};
use sfsync::config::Config;
use sfsync::guard::{self, PushedRef};
use std::io::Read;

pub const AFTER_HELP: &str = "\
Called by the hooks `git sfsync init` installs; git passes the pushed refs on stdin.
For each pushed branch that CI deploys to an org (deploy_branch in sfsync.toml),
the push is blocked (exit 1) when it would overwrite changes the org has that the
pushed commit does not contain. Pushes that touch no org pass at once.
Override: SFSYNC_SKIP_HOOK=1 git push ..., or git push --no-verify.";

#[derive(Debug, clap::Args)]
pub struct HookArgs {
    #[command(subcommand)]
    pub hook: Hook,
}

#[derive(Debug, clap::Subcommand)]
pub enum Hook {
    /// Check a push for org overwrites (git passes the refs on stdin)
    PrePush {
        /// Name of the remote being pushed to
        remote: Option<String>,
        /// URL of the remote
        url: Option<String>,
    },
}

pub fn run(ui: &Ui, args: HookArgs) -> Result<(), CommandError> {
    match args.hook {
        Hook::PrePush { .. } => pre_push(ui),
    }
}

fn pre_push(ui: &Ui) -> Result<(), CommandError> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    if std::env::var_os(guard::ENV_SKIP_HOOK).is_some_and(|v| v != "0" && !v.is_empty()) {
        ui.warn(format!(
            "{}=1: the org overwrite check is skipped for this push",
            guard::ENV_SKIP_HOOK
        ));
        return Ok(());
    }
    let pushed = PushedRef::parse_all(&input).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let repo = sfsync::git::open().map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let Ok(root) = sfsync::git::workdir(&repo) else {
        return Ok(());
    };
    let config = Config::load(&root).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    // The fast path: most pushes (feature branches) deploy nowhere.
    if !pushed
        .iter()
        .any(|p| guard::org_for_ref(&config, &p.remote_ref).is_some())
    {
        return Ok(());
    }
    if config.hooks.pre_push.live {
        // The org may have changed since its last snapshot: the check below
        // only knows what the org branch recorded, so look at the live org first.
        let mut aliases: Vec<String> = pushed
            .iter()
            .filter_map(|p| guard::org_for_ref(&config, &p.remote_ref).map(str::to_string))
            .collect();
        aliases.sort();
        aliases.dedup();
        let (reports, failed) = super::drift::detect(&repo, &aliases, false, false)?;
        if let Some(kind) = failed {
            eprintln!(
                "git-sfsync: push blocked: the live org check failed (hooks.pre_push.live = true)"
            );
            for r in reports.iter().filter(|r| r.error.is_some()) {
                eprintln!("  {}: {}", r.org, r.error.as_deref().unwrap_or_default());
            }
            eprintln!(
                "To push anyway: {}=1 git push (or git push --no-verify).",
                guard::ENV_SKIP_HOOK
            );
            return Err(CommandError::reported(kind));
        }
        let drifted: Vec<_> = reports.iter().filter(|r| r.drifted).collect();
        if !drifted.is_empty() {
            eprintln!("git-sfsync: push blocked: the org changed since its last snapshot\n");
            for r in &drifted {
                for c in &r.components {
                    let who = c
                        .changed_by
                        .as_deref()
                        .map(|w| {
                            format!(
                                " (changed by {w}{})",
                                c.changed_at
                                    .as_deref()
                                    .map(|a| format!(", {a}"))
                                    .unwrap_or_default()
                            )
                        })
                        .unwrap_or_default();
                    eprintln!("  {}: {}{who}", r.org, c.component);
                }
            }
            let org = &drifted[0].org;
            eprintln!(
                "\nRecord the org's changes and bring them in first:\n  git sfsync snapshot {org}\n  git merge orgs/{org}\n\
                 To push anyway: {}=1 git push (or git push --no-verify).",
                guard::ENV_SKIP_HOOK
            );
            return Err(CommandError::found());
        }
    }
    let overwrites = guard::check(&repo, &config, &pushed)
        .map_err(|e| CommandError::new(ExitKind::Internal, e))?;
    if overwrites.is_empty() {
        return Ok(());
    }
    if ui.json {
        ui.json(&overwrites)?;
    } else {
        eprintln!("git-sfsync: push blocked: it would overwrite changes made in the org\n");
        for o in &overwrites {
            let who = match (&o.changed_by, &o.changed_at) {
                (Some(who), Some(when)) => format!(" (changed by {who}, {when})"),
                (Some(who), None) => format!(" (changed by {who})"),
                _ => String::new(),
            };
            eprintln!("  {}: {} ({}){who}", o.org, o.component, o.path.display());
        }
        let first = &overwrites[0];
        let mut components: Vec<&str> = overwrites.iter().map(|o| o.component.as_str()).collect();
        components.dedup();
        let flags: Vec<String> = components
            .iter()
            .map(|c| format!("--component '{c}'"))
            .collect();
        eprintln!(
            "\nBack promote the org's changes into {branch} first (they merge semantically with yours):\n  \
             git sfsync promote --from orgs/{org} --to {branch} {flags}\n\
             To push anyway: SFSYNC_SKIP_HOOK=1 git push (or git push --no-verify).",
            branch = first.branch,
            org = first.org,
            flags = flags.join(" ")
        );
    }
    Err(CommandError::found())
}
