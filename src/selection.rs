//! Which components a command acts on: `--component TYPE:NAME` (with `*`
//! wildcards), `--manifest package.xml`, and `-- <paths>`, shared by every
//! command that takes a selection. An empty selection selects everything.

use crate::metadata::component::Component;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("'{0}' is not a component: expected TYPE:NAME, e.g. ApexClass:InvoiceService or ApexClass:Invoice*")]
    #[diagnostic(code(sfsync::selection::component), help("the type is the Metadata API name (ApexClass, CustomField, Profile...); `git sfsync components` lists what the project holds"))]
    BadComponent(String),
    #[error("cannot read the manifest {path}: {message}")]
    #[diagnostic(
        code(sfsync::selection::manifest),
        help("pass a package.xml in Metadata API format")
    )]
    Manifest { path: String, message: String },
}

/// A `TYPE:NAME` pattern where either part may contain `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentPattern {
    pub kind: String,
    pub name: String,
}

impl ComponentPattern {
    pub fn parse(text: &str) -> Result<ComponentPattern, Error> {
        match text.split_once(':') {
            Some((kind, name)) if !kind.is_empty() && !name.is_empty() => Ok(ComponentPattern {
                kind: kind.to_string(),
                name: name.to_string(),
            }),
            _ => Err(Error::BadComponent(text.to_string())),
        }
    }

    pub fn matches(&self, component: &Component) -> bool {
        wildcard_match(&self.kind, component.kind.name())
            && wildcard_match_ci(&self.name, &component.full_name)
    }
}

/// The selection of a command.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub components: Vec<ComponentPattern>,
    /// Repository-relative paths (files or folders).
    pub paths: Vec<String>,
}

impl Selection {
    /// Builds a selection from `--component` values, `-- <paths>` and a manifest's text.
    pub fn new(
        components: &[String],
        paths: &[String],
        manifest: Option<(&str, &str)>,
    ) -> Result<Selection, Error> {
        let mut selection = Selection {
            components: components
                .iter()
                .map(|c| ComponentPattern::parse(c))
                .collect::<Result<_, _>>()?,
            paths: paths
                .iter()
                .map(|p| p.trim_end_matches('/').trim_start_matches("./").to_string())
                .collect(),
        };
        if let Some((path, text)) = manifest {
            let manifest =
                crate::convert::Manifest::parse(text.as_bytes()).map_err(|e| Error::Manifest {
                    path: path.to_string(),
                    message: e.to_string(),
                })?;
            for (kind, members) in &manifest.types {
                for member in members {
                    selection.components.push(ComponentPattern {
                        kind: kind.clone(),
                        name: member.clone(),
                    });
                }
            }
        }
        Ok(selection)
    }

    pub fn is_everything(&self) -> bool {
        self.components.is_empty() && self.paths.is_empty()
    }

    /// Returns true when the file at `path`, part of `component`, is selected.
    pub fn selects(&self, component: &Component, path: &str) -> bool {
        if self.is_everything() {
            return true;
        }
        let by_path = self
            .paths
            .iter()
            .any(|p| p.is_empty() || path == p || path.starts_with(&format!("{p}/")));
        let by_component = self.components.iter().any(|pattern| {
            pattern.matches(component)
                || component
                    .parent()
                    .is_some_and(|parent| pattern.matches(&parent))
        });
        by_path || by_component
    }
}

fn wildcard_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(at) = rest.find(part) {
            rest = &rest[at + part.len()..];
        } else {
            return false;
        }
    }
    true
}

/// Component names are case-insensitive in Salesforce (Apex class names, API names).
fn wildcard_match_ci(pattern: &str, text: &str) -> bool {
    wildcard_match(&pattern.to_ascii_lowercase(), &text.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_prefixes_suffixes_and_middles() {
        assert!(wildcard_match("Invoice*", "InvoiceService"));
        assert!(wildcard_match("*Test", "InvoiceServiceTest"));
        assert!(wildcard_match("A*c*e", "Account.Tier__c.More.e"));
        assert!(!wildcard_match("Invoice*", "AccountTrigger"));
        assert!(wildcard_match("*", ""));
    }

    #[test]
    fn patterns_need_a_type_and_a_name() {
        assert!(ComponentPattern::parse("ApexClass:Invoice*").is_ok());
        assert!(ComponentPattern::parse("InvoiceService").is_err());
        assert!(ComponentPattern::parse(":x").is_err());
    }
}
