//! `git sfsync init`: set a Salesforce DX repository up for git-sfsync.

use super::{CommandError, ExitKind, Ui};
use sfsync::config::{Config, CONFIG_FILE};
use sfsync::install::{self, HookState};
use std::path::{Path, PathBuf};

pub const AFTER_HELP: &str = "\
Installs, idempotently:
  .gitattributes     *.cls, *.trigger and *-meta.xml use merge=sfsync
  .git/config        merge.sfsync.name and merge.sfsync.driver
  hooks/pre-push     the overwrite guard (a user's own hook is kept as pre-push.user and chained)
  sfsync.toml        the shared configuration, if missing
With --check nothing changes; exit 1 when something is missing.";

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Report what is missing without changing anything (exit 1 if something is)
    #[arg(long)]
    pub check: bool,
    /// Route patterns to sfsync even where another merge driver owns them
    #[arg(long)]
    pub force: bool,
}

/// One thing init would do or did.
struct Step {
    what: String,
}

pub fn run(ui: &Ui, args: InitArgs) -> Result<(), CommandError> {
    let repo = sfsync::git::open().map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let root = sfsync::git::workdir(&repo).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let project_file = root.join("sfdx-project.json");
    let project_text = std::fs::read_to_string(&project_file).map_err(|_| {
        CommandError::input(
            format!("{} has no sfdx-project.json: git-sfsync works on Salesforce DX projects", root.display()),
            "run `git sfsync init` at the root of a Salesforce DX project (create one with `sf project generate`, or add an sfdx-project.json listing your packageDirectories)",
        )
    })?;
    let package_dirs = install::package_directories(&project_text).map_err(|e| {
        CommandError::input(
            format!("sfdx-project.json is not valid JSON: {e}"),
            "fix the file; it must contain \"packageDirectories\": [{\"path\": \"force-app\", \"default\": true}]",
        )
    })?;

    let mut steps: Vec<Step> = Vec::new();

    // .gitattributes
    let attributes_path = root.join(".gitattributes");
    let existing = std::fs::read_to_string(&attributes_path).unwrap_or_default();
    let plan = install::plan_attributes(&existing, args.force);
    for foreign in &plan.foreign {
        ui.warn(format!(
            ".gitattributes routes {} to another merge driver ({}); left as is (use --force to take it over)",
            foreign.pattern,
            foreign.line.trim()
        ));
    }
    if let Some(content) = &plan.content {
        steps.push(Step {
            what: format!(
                ".gitattributes: route {} to merge=sfsync",
                plan.added.join(", ")
            ),
        });
        if !args.check {
            std::fs::write(&attributes_path, content)?;
        }
    }

    // .git/config
    let binary = driver_binary();
    let driver = install::driver_command(&binary.quoted);
    let mut config = repo.config()?.open_level(git2::ConfigLevel::Local)?;
    for (key, value) in [
        (install::DRIVER_NAME_KEY, install::DRIVER_DESCRIPTION),
        (install::DRIVER_COMMAND_KEY, driver.as_str()),
    ] {
        if config.get_string(key).ok().as_deref() != Some(value) {
            steps.push(Step {
                what: format!("git config {key} = {value}"),
            });
            if !args.check {
                config.set_str(key, value)?;
            }
        }
    }

    // hooks
    let hooks_dir =
        sfsync::git::hooks_dir(&repo).map_err(|e| CommandError::new(ExitKind::Input, e))?;
    let wanted = install::pre_push_hook((!binary.on_path).then_some(binary.quoted.as_str()));
    let hook_path = hooks_dir.join("pre-push");
    let existing_hook = std::fs::read_to_string(&hook_path).ok();
    match install::hook_state(existing_hook.as_deref(), &wanted) {
        HookState::Current => {}
        state => {
            let chained = chained_path(&hook_path);
            if state == HookState::Foreign {
                if chained.exists() {
                    return Err(CommandError::input(
                        format!("{} is not git-sfsync's and {} already exists", hook_path.display(), chained.display()),
                        "merge the two hooks by hand into one of them, remove the other, and run `git sfsync init` again",
                    ));
                }
                steps.push(Step {
                    what: format!(
                        "keep your pre-push hook as {} and chain it",
                        chained.display()
                    ),
                });
            }
            steps.push(Step {
                what: format!("install the pre-push hook in {}", hooks_dir.display()),
            });
            if !args.check {
                std::fs::create_dir_all(&hooks_dir)?;
                if state == HookState::Foreign {
                    std::fs::rename(&hook_path, &chained)?;
                }
                write_executable(&hook_path, &wanted)?;
            }
        }
    }

    // sfsync.toml
    if !root.join(CONFIG_FILE).exists() {
        steps.push(Step {
            what: format!(
                "create {CONFIG_FILE} (package directories: {})",
                package_dirs.join(", ")
            ),
        });
        if !args.check {
            // HEAD may point at an unborn branch in a new repository: read the symbolic name.
            let base_branch = repo
                .find_reference("HEAD")
                .ok()
                .and_then(|head| head.symbolic_target().ok().flatten().map(str::to_string))
                .and_then(|target| target.strip_prefix("refs/heads/").map(str::to_string))
                .unwrap_or_else(|| "main".to_string());
            let config = Config {
                package_directories: package_dirs,
                base_branch,
                ..Config::default()
            };
            config
                .save(&root)
                .map_err(|e| CommandError::new(ExitKind::Internal, e))?;
        }
    }

    if args.check {
        if steps.is_empty() {
            ui.line("git-sfsync is set up in this repository");
            return Ok(());
        }
        ui.data("missing:");
        for step in &steps {
            ui.data(format!("  {}", step.what));
        }
        ui.line("run `git sfsync init` to set them up");
        return Err(CommandError::found());
    }
    if steps.is_empty() {
        ui.line("git-sfsync is already set up in this repository");
    } else {
        for step in &steps {
            ui.line(format!("{} {}", ui.paint("32", "✓"), step.what));
        }
        ui.line(format!(
            "commit .gitattributes and {CONFIG_FILE} so that every clone merges the same way"
        ));
    }
    Ok(())
}

/// How the driver line and hook reach this binary.
struct DriverBinary {
    /// Shell-quoted command: `git-sfsync` when PATH finds this very binary,
    /// otherwise its absolute path.
    quoted: String,
    on_path: bool,
}

fn driver_binary() -> DriverBinary {
    let exe = std::env::current_exe().ok();
    let on_path = exe.as_deref().is_some_and(|exe| {
        std::env::var_os("PATH").is_some_and(|paths| {
            std::env::split_paths(&paths)
                .any(|dir| install::is_same_file(&dir.join("git-sfsync"), exe))
        })
    });
    match (on_path, exe) {
        (false, Some(exe)) => DriverBinary {
            quoted: install::shell_quote(&exe.to_string_lossy()),
            on_path: false,
        },
        _ => DriverBinary {
            quoted: "git-sfsync".to_string(),
            on_path: true,
        },
    }
}

fn chained_path(hook: &Path) -> PathBuf {
    let mut name = hook.file_name().unwrap_or_default().to_os_string();
    name.push(install::CHAINED_SUFFIX);
    hook.with_file_name(name)
}

fn write_executable(path: &Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}
