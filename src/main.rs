//! The `git-sfsync` binary: parse, run, map the outcome to an exit code.

mod cli;

fn main() -> std::process::ExitCode {
    cli::install_panic_hook();
    cli::main()
}
