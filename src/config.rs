//! `sfsync.toml`: the team's shared configuration, committed at the project root.
//!
//! It names the orgs (alias, URL, branch), the pipeline from the lowest to the
//! highest org, and the project's package directories. It never holds
//! credentials: those live in `.git/sfsync/credentials.toml` (mode 0600) or the
//! environment, so that committing this file can never leak a token.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// File name of the shared configuration at the project root.
pub const CONFIG_FILE: &str = "sfsync.toml";

/// Default prefix of org branches: `orgs/<alias>`.
pub const ORG_BRANCH_PREFIX: &str = "orgs/";

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("cannot read {path}: {source}")]
    #[diagnostic(code(sfsync::config::read))]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid: {message}")]
    #[diagnostic(
        code(sfsync::config::invalid),
        help("fix the file by hand, or run `git sfsync init` to recreate a missing one")
    )]
    Invalid { path: PathBuf, message: String },
    #[error("no org named '{alias}' in {CONFIG_FILE}")]
    #[diagnostic(
        code(sfsync::config::unknown_org),
        help("`git sfsync org list` shows the configured orgs; `git sfsync org add` adds one")
    )]
    UnknownOrg { alias: String },
    #[error("cannot write {path}: {source}")]
    #[diagnostic(code(sfsync::config::write))]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The parsed `sfsync.toml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Orgs from lowest to highest (e.g. `["dev", "uat", "prod"]`): promotion
    /// goes up this list, back promotion down.
    #[serde(default)]
    pub pipeline: Vec<String>,
    /// The branch the pipeline starts from (feature branches leave it).
    #[serde(default = "default_base_branch")]
    pub base_branch: String,
    /// Package directories detected from `sfdx-project.json` at `init` time.
    #[serde(default)]
    pub package_directories: Vec<String>,
    /// Orgs by alias.
    #[serde(default)]
    pub orgs: BTreeMap<String, OrgConfig>,
    #[serde(default)]
    pub hooks: HooksConfig,
}

/// One org: where it is and which branch records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgConfig {
    /// `https://<domain>.my.salesforce.com`, `http://127.0.0.1:<port>` (a running
    /// emulator) or `local:<dir>` (an embedded emulated org).
    pub url: String,
    /// Branch recording the org's snapshots; default `orgs/<alias>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// Branch CI deploys to this org from, if any (used by the pre-push hook).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy_branch: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HooksConfig {
    #[serde(default)]
    pub pre_push: PrePushConfig,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrePushConfig {
    /// Check the live org for drift before allowing a push.
    #[serde(default)]
    pub live: bool,
}

fn default_base_branch() -> String {
    "main".to_string()
}

impl OrgConfig {
    /// Returns the branch that records this org (`orgs/<alias>` unless configured).
    pub fn branch_name(&self, alias: &str) -> String {
        self.branch
            .clone()
            .unwrap_or_else(|| format!("{ORG_BRANCH_PREFIX}{alias}"))
    }
}

impl Config {
    /// Parses the text of an `sfsync.toml`; `path` is only used in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, Error> {
        toml::from_str(text).map_err(|e| Error::Invalid {
            path: path.to_path_buf(),
            message: e.message().to_string(),
        })
    }

    /// Loads `<root>/sfsync.toml`; a missing file is an empty configuration.
    pub fn load(root: &Path) -> Result<Config, Error> {
        let path = root.join(CONFIG_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(Error::Read { path, source }),
        }
    }

    /// Writes the configuration to `<root>/sfsync.toml`.
    pub fn save(&self, root: &Path) -> Result<(), Error> {
        let path = root.join(CONFIG_FILE);
        let text = self.to_toml();
        std::fs::write(&path, text).map_err(|source| Error::Write { path, source })
    }

    /// Renders the file with a header that says what belongs in it.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string_pretty(self).expect("the config model always serialises");
        format!(
            "# git-sfsync shared configuration: commit this file.\n\
             # Credentials never go here (see `git sfsync org add --help`).\n\n{body}"
        )
    }

    /// Returns the org named `alias`.
    pub fn org(&self, alias: &str) -> Result<&OrgConfig, Error> {
        self.orgs.get(alias).ok_or_else(|| Error::UnknownOrg {
            alias: alias.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_toml() {
        let mut config = Config {
            pipeline: vec!["dev".into(), "prod".into()],
            base_branch: "main".into(),
            ..Config::default()
        };
        config.orgs.insert(
            "dev".into(),
            OrgConfig {
                url: "local:.sfsync/orgs/dev".into(),
                branch: None,
                deploy_branch: None,
            },
        );
        let text = config.to_toml();
        assert_eq!(
            Config::parse(&text, Path::new("sfsync.toml")).unwrap(),
            config
        );
        assert_eq!(config.orgs["dev"].branch_name("dev"), "orgs/dev");
    }

    #[test]
    fn unknown_keys_are_reported() {
        let err = Config::parse("pipelin = []\n", Path::new("sfsync.toml")).unwrap_err();
        assert!(err.to_string().contains("pipelin"), "{err}");
    }
}
