//! The one error every command returns, and the exit code it maps to.
//!
//! Library modules have their own `thiserror` enums naming the user's problem;
//! commands convert them into a [`CommandError`] whose [`ExitKind`] decides the
//! exit code and whose miette report carries the code, help line and spans.

use std::fmt;

/// The documented exit codes of every failing command (README, `--help`);
/// success is `Ok(())` and exits 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    /// 1: found something: conflicts, differences with `--exit-code`, a blocked overwrite.
    Found = 1,
    /// 2: usage or input error (bad arguments, malformed files, bad revision, no project).
    Input = 2,
    /// 3: org or network error (unreachable org, expired session, failed deploy transport).
    Org = 3,
    /// 4: internal error (a bug, or the repository or file system failed under us).
    Internal = 4,
    /// 134: the merge driver could not run at all. Git reads a driver exit above
    /// 128 as a crash and fails the merge instead of recording a conflict.
    DriverFailure = 134,
}

impl ExitKind {
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// The help text appended to `--help`: one place states the exit codes.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  found something: conflicts, differences (with --exit-code), a blocked overwrite
  2  usage or input error: bad arguments, malformed XML or Apex, a bad revision
  3  org or network error: unreachable org, expired session, rejected credentials
  4  internal error: please report it";

/// A failed command: what went wrong, for the person, and which exit code it means.
pub struct CommandError {
    pub kind: ExitKind,
    pub report: miette::Report,
}

impl CommandError {
    pub fn new(kind: ExitKind, report: impl Into<miette::Report>) -> Self {
        CommandError {
            kind,
            report: report.into(),
        }
    }

    /// A usage or input problem with a plain message and a hint.
    pub fn input(message: impl fmt::Display, help: impl fmt::Display) -> Self {
        CommandError::new(
            ExitKind::Input,
            miette::miette!(code = "sfsync::input", help = help.to_string(), "{message}"),
        )
    }

    /// A failure we did not expect (I/O under us, a bug).
    pub fn internal(message: impl fmt::Display) -> Self {
        CommandError::new(
            ExitKind::Internal,
            miette::miette!(code = "sfsync::internal", "{message}"),
        )
    }

    /// An error the command already reported on its own: only the exit code remains.
    pub fn reported(kind: ExitKind) -> Self {
        CommandError::new(kind, miette::miette!(""))
    }

    /// "Found something": the command ran fine but its answer is exit 1, with
    /// nothing more to print (the output already said it).
    pub fn found() -> Self {
        CommandError::new(ExitKind::Found, miette::miette!(""))
    }
}

impl fmt::Debug for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {:?}", self.kind, self.report)
    }
}

impl From<std::io::Error> for CommandError {
    fn from(error: std::io::Error) -> Self {
        CommandError::internal(format!("I/O error: {error}"))
    }
}

impl From<git2::Error> for CommandError {
    fn from(error: git2::Error) -> Self {
        CommandError::new(
            ExitKind::Input,
            miette::miette!(code = "sfsync::git", "git: {}", error.message()),
        )
    }
}
