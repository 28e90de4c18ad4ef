//! A Salesforce DX project: `sfdx-project.json` and `.forceignore`.
//!
//! A project is built from file contents, not from a directory, so that the
//! same code reads it from the working tree or from a git revision.

use super::component::{resolve_source_paths, SourceComponent};
use super::Error;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The project file every Salesforce DX project has at its root.
pub const PROJECT_FILE: &str = "sfdx-project.json";
/// The ignore file of a project, in gitignore syntax.
pub const FORCEIGNORE_FILE: &str = ".forceignore";

/// What source-deploy-retrieve ignores even without a `.forceignore` line.
const BUILTIN_IGNORES: &[&str] = &[
    "**/*.dup",
    "**/package2-descriptor.json",
    "**/package2-manifest.json",
];

/// One entry of `packageDirectories`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageDir {
    /// Repo-relative path with `/` separators and no trailing slash (`force-app`).
    pub path: String,
    pub default: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProject {
    package_directories: Vec<RawPackageDir>,
    source_api_version: Option<String>,
}

#[derive(Deserialize)]
struct RawPackageDir {
    path: String,
    #[serde(default)]
    default: bool,
}

/// A parsed project: package directories, API version and ignore rules.
#[derive(Debug, Clone)]
pub struct Project {
    root: PathBuf,
    package_dirs: Vec<PackageDir>,
    source_api_version: Option<String>,
    ignore: Gitignore,
}

impl Project {
    /// Finds `sfdx-project.json` in `dir` or its ancestors and loads the project there.
    pub fn discover(dir: &Path) -> Result<Project, Error> {
        let mut current = Some(dir);
        while let Some(candidate) = current {
            let file = candidate.join(PROJECT_FILE);
            if file.is_file() {
                let json = std::fs::read(&file).map_err(|source| Error::Read {
                    path: file.clone(),
                    source,
                })?;
                let forceignore_path = candidate.join(FORCEIGNORE_FILE);
                let forceignore = match std::fs::read(&forceignore_path) {
                    Ok(bytes) => Some(bytes),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                    Err(source) => {
                        return Err(Error::Read {
                            path: forceignore_path,
                            source,
                        })
                    }
                };
                return Project::load(candidate, &json, forceignore.as_deref());
            }
            current = candidate.parent();
        }
        Err(Error::NoProject {
            dir: dir.to_path_buf(),
        })
    }

    /// Builds a project from the contents of its `sfdx-project.json` and `.forceignore`.
    ///
    /// `root` only names the project in messages; nothing is read from it.
    pub fn load(
        root: &Path,
        project_json: &[u8],
        forceignore: Option<&[u8]>,
    ) -> Result<Project, Error> {
        let raw: RawProject =
            serde_json::from_slice(project_json).map_err(|source| Error::BadProjectFile {
                path: root.join(PROJECT_FILE),
                source,
            })?;
        if raw.package_directories.is_empty() {
            return Err(Error::NoPackageDirectories {
                path: root.join(PROJECT_FILE),
            });
        }
        let package_dirs = raw
            .package_directories
            .into_iter()
            .map(|d| PackageDir {
                path: normalize_dir(&d.path),
                default: d.default,
            })
            .collect();
        let mut builder = GitignoreBuilder::new(root);
        for line in BUILTIN_IGNORES {
            builder
                .add_line(None, line)
                .expect("the built-in ignore patterns are valid globs");
        }
        if let Some(bytes) = forceignore {
            let text = String::from_utf8_lossy(bytes);
            for line in text.lines() {
                // A bad glob in .forceignore is skipped, as node-ignore does.
                let _ = builder.add_line(Some(root.join(FORCEIGNORE_FILE)), line);
            }
        }
        let ignore = builder.build().map_err(|e| Error::BadForceignore {
            path: root.join(FORCEIGNORE_FILE),
            message: e.to_string(),
        })?;
        Ok(Project {
            root: root.to_path_buf(),
            package_dirs,
            source_api_version: raw.source_api_version,
            ignore,
        })
    }

    /// Returns the directory the project was loaded from.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Returns the package directories in the order the project file lists them.
    pub fn package_dirs(&self) -> &[PackageDir] {
        &self.package_dirs
    }

    /// Returns the default package directory (the one marked `default`, else the first).
    pub fn default_package_dir(&self) -> &PackageDir {
        self.package_dirs
            .iter()
            .find(|d| d.default)
            .unwrap_or(&self.package_dirs[0])
    }

    /// Returns `sourceApiVersion`, if the project sets one.
    pub fn source_api_version(&self) -> Option<&str> {
        self.source_api_version.as_deref()
    }

    /// Returns the package directory a repo-relative path lies in.
    pub fn package_dir_of(&self, path: &str) -> Option<&PackageDir> {
        self.package_dirs.iter().find(|d| is_under(path, &d.path))
    }

    /// Returns true when a repo-relative file path is project source:
    /// inside a package directory and not ignored.
    pub fn is_source(&self, path: &str) -> bool {
        self.package_dir_of(path).is_some() && !self.is_ignored(path)
    }

    /// Returns true when `.forceignore` or the built-in rules exclude a repo-relative file path.
    pub fn is_ignored(&self, path: &str) -> bool {
        let mut rel = Path::new(path);
        if rel.has_root() {
            // The matcher only takes paths below the project root.
            match rel.strip_prefix(&self.root) {
                Ok(stripped) => rel = stripped,
                Err(_) => return false,
            }
        }
        if rel
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
        {
            return true;
        }
        self.ignore
            .matched_path_or_any_parents(rel, false)
            .is_ignore()
    }

    /// Returns the project-relative paths of the files on disk in the package directories, sorted.
    pub fn working_tree_files(&self) -> Result<Vec<String>, Error> {
        let mut files = Vec::new();
        for dir in &self.package_dirs {
            let rel = if dir.path == "." {
                ""
            } else {
                dir.path.as_str()
            };
            walk(&self.root.join(rel), rel, &mut files)?;
        }
        files.sort();
        files.dedup();
        Ok(files)
    }

    /// Groups the project's files among `files` (repo-relative paths) into components.
    ///
    /// Files outside the package directories or ignored are left out; files
    /// no type claims are `Unknown` components. Sorted by type name, then name.
    pub fn components<I, S>(&self, files: I) -> Vec<SourceComponent>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let paths: Vec<String> = files
            .into_iter()
            .filter(|p| self.is_source(p.as_ref()))
            .map(|p| p.as_ref().to_string())
            .collect();
        resolve_source_paths(paths)
    }
}

/// Appends the files below `dir` (project-relative `rel`) to `out`, skipping dot entries.
fn walk(dir: &Path, rel: &str, out: &mut Vec<String>) -> Result<(), Error> {
    let read_err = |source| Error::Read {
        path: dir.to_path_buf(),
        source,
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        // A package directory listed in the project file but not created yet holds no files.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(read_err(e)),
    };
    for entry in entries {
        let entry = entry.map_err(read_err)?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let child_rel = if rel.is_empty() {
            name.to_string()
        } else {
            format!("{rel}/{name}")
        };
        let file_type = entry.file_type().map_err(read_err)?;
        if file_type.is_dir() {
            walk(&entry.path(), &child_rel, out)?;
        } else {
            out.push(child_rel);
        }
    }
    Ok(())
}

fn normalize_dir(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.trim_start_matches("./");
    path.trim_end_matches('/').to_string()
}

/// Returns true when `path` is `dir` or lies below it.
pub(crate) fn is_under(path: &str, dir: &str) -> bool {
    if dir.is_empty() || dir == "." {
        return true;
    }
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = r#"{
        "packageDirectories": [
            {"path": "force-app", "default": true},
            {"path": "./unpackaged/"}
        ],
        "sourceApiVersion": "63.0"
    }"#;

    fn project(forceignore: Option<&str>) -> Project {
        Project::load(
            Path::new("/repo"),
            JSON.as_bytes(),
            forceignore.map(str::as_bytes),
        )
        .expect("valid project")
    }

    #[test]
    fn reads_package_directories_and_api_version() {
        let p = project(None);
        assert_eq!(p.package_dirs().len(), 2);
        assert_eq!(p.package_dirs()[1].path, "unpackaged");
        assert_eq!(p.default_package_dir().path, "force-app");
        assert_eq!(p.source_api_version(), Some("63.0"));
    }

    #[test]
    fn forceignore_and_builtin_defaults_exclude_files() {
        let p = project(Some(
            "# comment\n**/jsconfig.json\nforce-app/main/default/profiles/\n*.tmp\n!keep.tmp\n",
        ));
        assert!(p.is_source("force-app/main/default/classes/A.cls"));
        assert!(p.is_source("unpackaged/classes/A.cls"));
        assert!(!p.is_source("README.md"), "outside package dirs");
        assert!(!p.is_source("force-app-other/classes/A.cls"));
        assert!(p.is_ignored("force-app/main/default/lwc/jsconfig.json"));
        assert!(p.is_ignored("force-app/main/default/profiles/Admin.profile-meta.xml"));
        assert!(p.is_ignored("force-app/x.tmp"));
        assert!(!p.is_ignored("force-app/keep.tmp"));
        assert!(p.is_ignored("force-app/main/default/classes/A.cls.dup"));
        assert!(p.is_ignored("force-app/.eslintrc.json"));
        assert!(p.is_ignored("force-app/main/.hidden/A.cls"));
        assert!(p.is_ignored("force-app/package2-descriptor.json"));
        assert!(
            p.is_ignored("/repo/force-app/x.tmp"),
            "absolute paths below the root"
        );
        assert!(
            !p.is_ignored("/elsewhere/x.tmp"),
            "no panic outside the root"
        );
    }

    #[test]
    fn components_skip_ignored_and_foreign_files() {
        let p = project(Some("**/__tests__/**\n"));
        let components = p.components([
            "sfdx-project.json",
            "force-app/main/default/classes/A.cls",
            "force-app/main/default/classes/A.cls-meta.xml",
            "force-app/main/default/lwc/card/__tests__/card.test.js",
            "force-app/main/default/lwc/card/card.js",
            "force-app/main/default/notes.txt",
        ]);
        let names: Vec<String> = components.iter().map(|c| c.component.to_string()).collect();
        assert_eq!(
            names,
            [
                "ApexClass:A",
                "LightningComponentBundle:card",
                "Unknown:force-app/main/default/notes.txt"
            ]
        );
        assert_eq!(components[1].files.len(), 1);
    }

    #[test]
    fn bad_project_files_are_typed_errors() {
        let err = Project::load(Path::new("/r"), b"{not json", None).expect_err("bad json");
        assert!(matches!(err, Error::BadProjectFile { .. }), "{err}");
        let err = Project::load(Path::new("/r"), br#"{"packageDirectories": []}"#, None)
            .expect_err("no dirs");
        assert!(matches!(err, Error::NoPackageDirectories { .. }), "{err}");
    }

    #[test]
    fn discover_finds_the_project_in_an_ancestor_or_says_how_to_fix_it() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let err = Project::discover(tmp.path()).expect_err("no project");
        assert!(matches!(err, Error::NoProject { .. }));
        let help = miette::Diagnostic::help(&err)
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert!(help.contains("sfdx-project.json"), "{help}");
        std::fs::write(tmp.path().join(PROJECT_FILE), JSON).expect("write");
        let sub = tmp.path().join("force-app/main");
        std::fs::create_dir_all(&sub).expect("mkdir");
        std::fs::write(sub.join("x.txt"), "x").expect("write");
        std::fs::write(sub.join(".hidden"), "x").expect("write");
        let p = Project::discover(&sub).expect("found in ancestor");
        assert_eq!(p.root(), tmp.path());
        assert_eq!(
            p.working_tree_files().expect("walk"),
            ["force-app/main/x.txt"]
        );
    }
}
