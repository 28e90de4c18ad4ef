//! The command line: the only place that parses arguments, prints and exits.
//!
//! One file per command, each with an `XxxArgs` struct and a `run` function,
//! as in jj; this file holds the global flags, the `Command` enum and the one
//! dispatch `match`.

mod components;
mod demo;
mod diff;
mod drift;
mod emulator;
mod error;
mod hook;
mod init;
mod log;
mod merge_driver;
mod org;
mod orgs;
mod output;
mod promote;
mod pull;
mod push;
mod revision;
mod selection;
mod snapshot;
mod status;

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

pub use error::{CommandError, ExitKind};
pub use output::Ui;

/// Git as the source of truth for Salesforce: org branches, semantic diff and merge
#[derive(Debug, Parser)]
#[command(name = "git-sfsync", bin_name = "git sfsync", version, after_help = error::EXIT_CODES_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts.
#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// Run as if started in <DIR> (like `git -C`)
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub directory: Option<PathBuf>,
    /// Print machine-readable JSON where the output is data
    #[arg(long, global = true)]
    pub json: bool,
    /// Print only errors and the data asked for
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// When to use colour: auto honours NO_COLOR and non-terminal output
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build a playground on local emulated orgs and walk through the product
    #[command(after_help = demo::AFTER_HELP)]
    Demo(demo::DemoArgs),
    /// Show semantic differences between revisions, the working tree, orgs or two files
    #[command(after_help = diff::AFTER_HELP)]
    Diff(diff::DiffArgs),
    /// Show what changed in orgs since their last snapshot
    #[command(after_help = drift::AFTER_HELP)]
    Drift(drift::DriftArgs),
    /// Promote what an org holds down the pipeline, with the same safeguards
    #[command(after_help = promote::PROMOTE_HELP)]
    Backpromote(promote::BackPromoteArgs),
    /// Run a git hook's check (installed by init)
    #[command(after_help = hook::AFTER_HELP)]
    Hook(hook::HookArgs),
    /// Set this repository up: merge driver, .gitattributes, hooks, sfsync.toml
    #[command(after_help = init::AFTER_HELP)]
    Init(init::InitArgs),
    /// Show an org's snapshots, deployments and promotions
    Log(log::LogArgs),
    /// Promote exactly the chosen components from a source to a branch or org
    #[command(after_help = promote::PROMOTE_HELP)]
    Promote(promote::PromoteArgs),
    /// Retrieve an org's metadata into the working tree and show what changed
    #[command(after_help = pull::AFTER_HELP)]
    Pull(pull::PullArgs),
    /// Deploy a revision's components to an org and record the outcome
    #[command(after_help = push::AFTER_HELP)]
    Push(push::PushArgs),
    /// Retrieve orgs and commit their state on their org branches
    #[command(after_help = snapshot::AFTER_HELP)]
    Snapshot(snapshot::SnapshotArgs),
    /// Show the Branch State Diagram: which orgs hold the branch's changes
    #[command(after_help = status::AFTER_HELP)]
    Status(status::StatusArgs),
    /// Merge one file semantically (called by git as a merge driver)
    #[command(name = "merge-driver", after_help = merge_driver::AFTER_HELP)]
    MergeDriver(merge_driver::MergeDriverArgs),
    /// Serve a local emulated org over the Metadata API until Ctrl-C
    #[command(after_help = emulator::AFTER_HELP)]
    Emulator(emulator::EmulatorArgs),
    /// Add, list and remove orgs
    #[command(after_help = org::AFTER_HELP)]
    Org(org::OrgArgs),
    /// List the project's components and their files, in the working tree or at a revision
    #[command(after_help = components::AFTER_HELP)]
    Components(components::ComponentsArgs),
}

/// Parses the command line, runs the command and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();

    let ui = Ui::new(&cli.global);
    if let Some(dir) = &cli.global.directory {
        if let Err(error) = std::env::set_current_dir(dir) {
            let err = CommandError::input(
                format!("cannot change to directory {}: {error}", dir.display()),
                "pass an existing directory to -C",
            );
            return ui.report_error(err);
        }
    }
    let result = match cli.command {
        Command::Demo(args) => demo::run(&ui, args),
        Command::Diff(args) => diff::run(&ui, args),
        Command::Drift(args) => drift::run(&ui, args),
        Command::Backpromote(args) => promote::run_backpromote(&ui, args),
        Command::Hook(args) => hook::run(&ui, args),
        Command::Init(args) => init::run(&ui, args),
        Command::Log(args) => log::run(&ui, args),
        Command::Promote(args) => promote::run_promote(&ui, args),
        Command::Pull(args) => pull::run(&ui, args),
        Command::Push(args) => push::run(&ui, args),
        Command::Snapshot(args) => snapshot::run(&ui, args),
        Command::Status(args) => status::run(&ui, args),
        Command::MergeDriver(args) => merge_driver::run(&ui, args),
        Command::Emulator(args) => emulator::run(&ui, args),
        Command::Org(args) => org::run(&ui, args),
        Command::Components(args) => components::run(&ui, args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => ui.report_error(err),
    }
}

/// Makes a panic exit with 134 (as an abort would) in every build profile: a
/// merge driver that exits 101 would make git record a conflict instead of
/// failing the merge (gitattributes(5) reserves >128 for a crashed driver).
pub fn install_panic_hook() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default_hook(info);
        eprintln!("git-sfsync crashed: this is a bug, please report it with the message above");
        std::process::exit(134);
    }));
}

/// Returns true when stdout is a terminal that wants colour.
pub fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}
