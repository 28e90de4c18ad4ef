//! What `git sfsync init` installs into a repository, as pure functions over
//! file contents so that idempotence and chaining can be tested without git.
//!
//! Three things make a clone use git-sfsync: `.gitattributes` routes Apex and
//! XML metadata to the `sfsync` merge driver, `.git/config` says how to run the
//! driver, and the hooks directory holds the pre-push shim. Installing twice
//! changes nothing; a user's own hook is kept and chained, never overwritten.

use std::path::Path;

/// The merge driver's name in `.gitattributes` (`merge=sfsync`).
pub const DRIVER: &str = "sfsync";
/// Git config key holding the driver's description.
pub const DRIVER_NAME_KEY: &str = "merge.sfsync.name";
/// Git config key holding the driver's command line.
pub const DRIVER_COMMAND_KEY: &str = "merge.sfsync.driver";
/// Description written to `merge.sfsync.name`.
pub const DRIVER_DESCRIPTION: &str = "git-sfsync semantic merge for Apex and Salesforce metadata";
/// Files routed to the driver: Apex and every source-format XML file.
pub const ATTRIBUTE_PATTERNS: &[&str] = &["*.cls", "*.trigger", "*-meta.xml"];
/// The pre-push hook shipped in `hooks/pre-push`.
pub const PRE_PUSH_HOOK: &str = include_str!("../hooks/pre-push");
/// Text that identifies a hook as ours.
pub const HOOK_MARKER: &str = "git-sfsync pre-push hook";
/// Suffix under which a user's own hook is kept and chained.
pub const CHAINED_SUFFIX: &str = ".user";

/// Returns the driver command line for `binary` (already shell-quoted).
/// `%L` passes the conflict marker size so nested merges keep working.
pub fn driver_command(binary: &str) -> String {
    format!("{binary} merge-driver %O %A %B %P %L")
}

/// Quotes `path` for the POSIX shell git runs drivers and hooks with.
pub fn shell_quote(path: &str) -> String {
    if !path.is_empty()
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+".contains(&b))
    {
        path.to_string()
    } else {
        format!("'{}'", path.replace('\'', r"'\''"))
    }
}

/// A `.gitattributes` pattern routed elsewhere, which we do not take over
/// without `--force`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignDriver {
    pub pattern: String,
    pub line: String,
}

/// The outcome of planning `.gitattributes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributesPlan {
    /// The new file content, or `None` when nothing needs to change.
    pub content: Option<String>,
    /// Patterns we added.
    pub added: Vec<String>,
    /// Patterns another merge driver owns (left alone unless forced).
    pub foreign: Vec<ForeignDriver>,
}

/// Plans the `.gitattributes` content: every pattern gets `merge=sfsync`,
/// existing lines are kept, and a pattern another driver owns is left alone
/// unless `force` (then our line is appended after it, and later lines win).
pub fn plan_attributes(existing: &str, force: bool) -> AttributesPlan {
    let mut added = Vec::new();
    let mut foreign = Vec::new();
    for pattern in ATTRIBUTE_PATTERNS {
        let mut ours = false;
        let mut other = None;
        for line in existing.lines() {
            let mut words = line.split_whitespace();
            if words.next() != Some(*pattern) {
                continue;
            }
            for attr in words {
                if attr == "merge=sfsync" {
                    ours = true;
                    other = None;
                } else if attr.starts_with("merge=") || attr == "-merge" || attr == "merge" {
                    ours = false;
                    other = Some(line.to_string());
                }
            }
        }
        match (ours, other) {
            (true, _) => {}
            (false, Some(line)) if !force => foreign.push(ForeignDriver {
                pattern: pattern.to_string(),
                line,
            }),
            _ => added.push(pattern.to_string()),
        }
    }
    let content = (!added.is_empty()).then(|| {
        let mut text = existing.to_string();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        if !existing.contains("# git-sfsync") {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str("# git-sfsync: merge Apex and Salesforce metadata semantically\n");
        }
        for pattern in &added {
            text.push_str(&format!("{pattern} merge={DRIVER}\n"));
        }
        text
    });
    AttributesPlan {
        content,
        added,
        foreign,
    }
}

/// Returns our pre-push hook, calling `binary` (shell-quoted) when the binary
/// is not reachable as `git sfsync` from PATH.
pub fn pre_push_hook(binary: Option<&str>) -> String {
    match binary {
        None => PRE_PUSH_HOOK.to_string(),
        Some(bin) => PRE_PUSH_HOOK.replace("git sfsync hook", &format!("{bin} hook")),
    }
}

/// What is in the hooks directory where our hook goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookState {
    Missing,
    /// Ours, byte for byte what we would install.
    Current,
    /// Ours, from another version or binary path: rewritten in place.
    Outdated,
    /// The user's own hook: moved to `<name>.user` and chained.
    Foreign,
}

/// Classifies the hook file `existing` (None if absent) against `wanted`.
pub fn hook_state(existing: Option<&str>, wanted: &str) -> HookState {
    match existing {
        None => HookState::Missing,
        Some(text) if text == wanted => HookState::Current,
        Some(text) if text.contains(HOOK_MARKER) => HookState::Outdated,
        Some(_) => HookState::Foreign,
    }
}

/// Returns the package directories listed in `sfdx-project.json`'s text.
pub fn package_directories(sfdx_project_json: &str) -> Result<Vec<String>, serde_json::Error> {
    #[derive(serde::Deserialize)]
    struct Project {
        #[serde(rename = "packageDirectories", default)]
        package_directories: Vec<PackageDirectory>,
    }
    #[derive(serde::Deserialize)]
    struct PackageDirectory {
        path: String,
    }
    let project: Project = serde_json::from_str(sfdx_project_json)?;
    Ok(project
        .package_directories
        .into_iter()
        .map(|d| d.path)
        .collect())
}

/// Returns true when `path` names the same file as the running binary (so
/// `git-sfsync` on PATH is us and the driver line can use the short name).
pub fn is_same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_added_once_and_user_lines_kept() {
        let plan = plan_attributes("*.png binary\n", false);
        let text = plan.content.expect("something to add");
        assert!(text.starts_with("*.png binary\n"));
        assert!(
            text.contains("*.cls merge=sfsync\n*.trigger merge=sfsync\n*-meta.xml merge=sfsync\n")
        );
        let again = plan_attributes(&text, false);
        assert_eq!(again.content, None, "installing twice changes nothing");
    }

    #[test]
    fn another_drivers_pattern_is_not_taken_without_force() {
        let plan = plan_attributes("*-meta.xml merge=salesforce-source\n", false);
        assert_eq!(plan.foreign.len(), 1);
        assert!(!plan.content.unwrap().contains("*-meta.xml merge=sfsync"));
        let forced = plan_attributes("*-meta.xml merge=salesforce-source\n", true);
        assert!(forced
            .content
            .unwrap()
            .ends_with("*-meta.xml merge=sfsync\n"));
    }

    #[test]
    fn quoting_protects_spaces_and_quotes() {
        assert_eq!(shell_quote("/usr/bin/git-sfsync"), "/usr/bin/git-sfsync");
        assert_eq!(
            shell_quote("/opt/my tools/it's"),
            r"'/opt/my tools/it'\''s'"
        );
    }

    #[test]
    fn hooks_are_classified() {
        let ours = pre_push_hook(None);
        assert_eq!(hook_state(None, &ours), HookState::Missing);
        assert_eq!(hook_state(Some(&ours), &ours), HookState::Current);
        assert_eq!(
            hook_state(Some(&pre_push_hook(Some("/x/git-sfsync"))), &ours),
            HookState::Outdated
        );
        assert_eq!(
            hook_state(Some("#!/bin/sh\nmake lint\n"), &ours),
            HookState::Foreign
        );
    }

    #[test]
    fn package_directories_are_read() {
        let dirs = package_directories(
            r#"{"packageDirectories":[{"path":"force-app","default":true},{"path":"unpackaged"}]}"#,
        )
        .unwrap();
        assert_eq!(dirs, ["force-app", "unpackaged"]);
    }
}
