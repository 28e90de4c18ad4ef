//! Printing: colour, quiet mode, JSON, and how errors are rendered.

use super::{use_color, CommandError, GlobalArgs};
use std::io::Write;
use std::process::ExitCode;

/// `--quiet` for the whole process, so that reporters far from the `Ui`
/// (progress inside async org calls) stay silent too.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Returns true when `--quiet` was given.
pub fn is_quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// What every command needs to talk to the person (or script) that ran it.
pub struct Ui {
    pub json: bool,
    pub quiet: bool,
    pub color: bool,
}

impl Ui {
    pub fn new(global: &GlobalArgs) -> Self {
        let color = use_color(global.color);
        let theme = if color {
            miette::GraphicalTheme::unicode()
        } else {
            miette::GraphicalTheme::unicode_nocolor()
        };
        // Ignoring the error: the hook can only be set once per process, and a
        // second Ui (tests) keeps the first one's theme.
        let _ = miette::set_hook(Box::new(move |_| {
            Box::new(miette::GraphicalReportHandler::new_themed(theme.clone()))
        }));
        QUIET.store(global.quiet, std::sync::atomic::Ordering::Relaxed);
        Ui {
            json: global.json,
            quiet: global.quiet,
            color,
        }
    }

    /// Prints a line of normal output (suppressed by `--quiet`). A closed pipe
    /// (`git sfsync ... | head`) is not an error.
    pub fn line(&self, text: impl std::fmt::Display) {
        if !self.quiet {
            let _ = writeln!(std::io::stdout().lock(), "{text}");
        }
    }

    /// Prints data the user asked for (never suppressed).
    pub fn data(&self, text: impl std::fmt::Display) {
        let _ = writeln!(std::io::stdout().lock(), "{text}");
    }

    /// Prints a value as pretty JSON.
    pub fn json(&self, value: &impl serde::Serialize) -> Result<(), CommandError> {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| CommandError::internal(format!("cannot serialise JSON output: {e}")))?;
        self.data(text);
        Ok(())
    }

    /// Prints a one-line warning on stderr (suppressed by `--quiet`).
    pub fn warn(&self, text: impl std::fmt::Display) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr().lock(), "warning: {text}");
        }
    }

    /// Wraps text in an ANSI colour when colour is on.
    pub fn paint(&self, ansi: &str, text: impl std::fmt::Display) -> String {
        if self.color {
            format!("\x1b[{ansi}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Renders a failed command's error and returns its exit code.
    pub fn report_error(&self, err: CommandError) -> ExitCode {
        // An empty report means the command already told the user what happened.
        if !err.report.to_string().is_empty() {
            let _ = writeln!(std::io::stderr().lock(), "{:?}", err.report);
        }
        ExitCode::from(err.kind.code())
    }
}
