//! Credentials, as Salesforce users already have them: an access token in the
//! environment, an SFDX auth URL (refresh-token flow), or an `sf` CLI alias.
//!
//! Credentials live in `.git/sfsync/credentials.toml` (created with mode 0600,
//! outside the work tree so they can never be committed) or in the
//! environment, never in `sfsync.toml`. Every secret is a [`Secret`], whose
//! `Debug` and `Display` print `<redacted>`, so a token cannot reach a log.

use super::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Credentials file, relative to the git directory.
pub const CREDENTIALS_FILE: &str = "sfsync/credentials.toml";
/// Environment variable with an access token used when an org has no stored credentials.
pub const ENV_ACCESS_TOKEN: &str = "SFSYNC_ACCESS_TOKEN";
/// Environment variable with an SFDX auth URL used when an org has no stored credentials.
pub const ENV_AUTH_URL: &str = "SFSYNC_AUTH_URL";
/// The OAuth client id of the Salesforce CLI, the default for refresh tokens.
pub const DEFAULT_CLIENT_ID: &str = "PlatformCLI";

/// A secret string: printable only on purpose, through [`Secret::expose`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// Returns the secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How to authenticate to one org.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// Where the org's APIs are (`instance_url` of the token response).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_url: Option<String>,
    /// A current access token (session id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<Secret>,
    /// Read the access token from this environment variable at each use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_env: Option<String>,
    /// Refresh token of the refresh-token flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    /// Token endpoint base (the auth URL's host); defaults to the instance URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_url: Option<String>,
}

impl Credentials {
    /// Returns the access token: stored, or read from the named environment variable.
    pub fn current_access_token(&self) -> Option<Secret> {
        if let Some(var) = &self.access_token_env {
            if let Ok(value) = std::env::var(var) {
                if !value.trim().is_empty() {
                    return Some(Secret::new(value.trim()));
                }
            }
        }
        self.access_token.clone()
    }

    /// Returns true when a refresh is possible.
    pub fn can_refresh(&self) -> bool {
        self.refresh_token.is_some()
    }

    /// Parses an SFDX auth URL: `force://<clientId>:<clientSecret>:<refreshToken>@<host>`.
    pub fn from_sfdx_auth_url(text: &str) -> Result<Credentials, Error> {
        let invalid = |message: &str| {
            Error::Credentials {
            alias: String::new(),
            message: format!("not an SFDX auth URL ({message}); expected force://<clientId>:<clientSecret>:<refreshToken>@<host>"),
        }
        };
        let text = text.trim();
        let rest = text
            .strip_prefix("force://")
            .ok_or_else(|| invalid("it does not start with force://"))?;
        let (secrets, host) = rest.rsplit_once('@').ok_or_else(|| invalid("no @<host>"))?;
        let mut parts = secrets.splitn(3, ':');
        let client_id = parts.next().unwrap_or_default();
        let client_secret = parts
            .next()
            .ok_or_else(|| invalid("missing client secret field"))?;
        let refresh_token = parts
            .next()
            .ok_or_else(|| invalid("missing refresh token"))?;
        let token_chars = |s: &str| {
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '='))
        };
        if client_id.is_empty() || !token_chars(client_id) {
            return Err(invalid("bad client id"));
        }
        if !token_chars(client_secret) || refresh_token.is_empty() || !token_chars(refresh_token) {
            return Err(invalid("bad secret or refresh token characters"));
        }
        let host = host.trim_end_matches('/');
        if host.is_empty()
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '_' | '-'))
        {
            return Err(invalid("bad host"));
        }
        let scheme = if is_loopback_host(host) {
            "http"
        } else {
            "https"
        };
        let login_url = format!("{scheme}://{host}");
        Ok(Credentials {
            instance_url: Some(login_url.clone()),
            access_token: None,
            access_token_env: None,
            refresh_token: Some(Secret::new(refresh_token)),
            client_id: Some(client_id.to_string()),
            client_secret: (!client_secret.is_empty()).then(|| Secret::new(client_secret)),
            login_url: Some(login_url),
        })
    }

    /// Reads an auth URL file as `sf org login sfdx-url` does: plain text, or
    /// for `.json` files `result.sfdxAuthUrl` or `sfdxAuthUrl`.
    pub fn from_auth_url_file(path: &Path) -> Result<Credentials, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let url = if path.extension().is_some_and(|e| e == "json") {
            let value: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| Error::Credentials {
                    alias: String::new(),
                    message: format!("{} is not JSON: {e}", path.display()),
                })?;
            value
                .pointer("/result/sfdxAuthUrl")
                .or_else(|| value.get("sfdxAuthUrl"))
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .ok_or_else(|| Error::Credentials {
                    alias: String::new(),
                    message: format!("{} has no sfdxAuthUrl", path.display()),
                })?
        } else {
            text
        };
        Credentials::from_sfdx_auth_url(&url)
    }

    /// Imports an org authenticated in the Salesforce CLI:
    /// `sf org auth show-sfdx-auth-url --target-org <alias> --json`.
    pub fn from_sf_alias(alias: &str) -> Result<Credentials, Error> {
        let fail = |message: String| Error::Credentials {
            alias: alias.to_string(),
            message,
        };
        let output = std::process::Command::new("sf")
            .args([
                "org",
                "auth",
                "show-sfdx-auth-url",
                "--target-org",
                alias,
                "--json",
            ])
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| {
                fail(format!(
                    "cannot run the Salesforce CLI `sf`: {e}; install it or use --auth-url-file"
                ))
            })?;
        let value: serde_json::Value = serde_json::from_slice(&output.stdout).map_err(|e| {
            fail(format!(
                "`sf org auth show-sfdx-auth-url` did not print JSON: {e}"
            ))
        })?;
        match value
            .pointer("/result/sfdxAuthUrl")
            .and_then(|v| v.as_str())
        {
            Some(url) => Credentials::from_sfdx_auth_url(url).map_err(|e| fail(e.to_string())),
            None => {
                let message = value
                    .get("message")
                    .and_then(|v| v.as_str())
                    .unwrap_or("no sfdxAuthUrl in its answer (orgs logged in with a JWT or access token have none)");
                Err(fail(format!("sf: {message}")))
            }
        }
    }
}

/// Returns true for `127.0.0.1[:port]`, `localhost[:port]` and `[::1]`.
pub fn is_loopback_host(host: &str) -> bool {
    let name = if host.starts_with('[') {
        host.split(']')
            .next()
            .map(|h| h.trim_start_matches('['))
            .unwrap_or(host)
    } else {
        host.split(':').next().unwrap_or(host)
    };
    matches!(name, "127.0.0.1" | "localhost" | "::1")
}

/// The credentials file: one table per org alias.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialStore {
    #[serde(default)]
    pub orgs: BTreeMap<String, Credentials>,
    #[serde(skip)]
    path: PathBuf,
}

impl CredentialStore {
    /// Returns the credentials path for a git directory (`.git`).
    pub fn path_in(git_dir: &Path) -> PathBuf {
        git_dir.join(CREDENTIALS_FILE)
    }

    /// Loads the file; a missing file is an empty store.
    pub fn load(path: &Path) -> Result<CredentialStore, Error> {
        let mut store: CredentialStore = match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| Error::Credentials {
                alias: String::new(),
                message: format!("{} is not valid: {}", path.display(), e.message()),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => CredentialStore::default(),
            Err(e) => return Err(Error::io(path, e)),
        };
        store.path = path.to_path_buf();
        Ok(store)
    }

    /// Writes the file through a temporary file created with mode 0600, so the
    /// secrets are never readable by others, not even for an instant.
    pub fn save(&self) -> Result<(), Error> {
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let text = format!(
            "# git-sfsync credentials: secrets, never commit or share this file.\n{}",
            toml::to_string_pretty(self).expect("the credentials model always serialises")
        );
        let tmp = dir.join(format!(".credentials.toml.{}.tmp", std::process::id()));
        write_private(&tmp, text.as_bytes())?;
        std::fs::rename(&tmp, &self.path).map_err(|e| Error::io(&self.path, e))
    }

    pub fn get(&self, alias: &str) -> Option<&Credentials> {
        self.orgs.get(alias)
    }

    pub fn set(&mut self, alias: &str, credentials: Credentials) {
        self.orgs.insert(alias.to_string(), credentials);
    }

    pub fn remove(&mut self, alias: &str) -> Option<Credentials> {
        self.orgs.remove(alias)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    file.write_all(bytes).map_err(|e| Error::io(path, e))
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

/// Returns the credentials for an org: the stored ones, else the environment
/// (`SFSYNC_AUTH_URL`, then `SFSYNC_ACCESS_TOKEN` with the org's URL).
pub fn resolve(stored: Option<&Credentials>, org_url: &str) -> Option<Credentials> {
    if let Some(c) = stored {
        return Some(c.clone());
    }
    if let Ok(url) = std::env::var(ENV_AUTH_URL) {
        if let Ok(c) = Credentials::from_sfdx_auth_url(&url) {
            return Some(c);
        }
    }
    std::env::var(ENV_ACCESS_TOKEN)
        .ok()
        .map(|token| Credentials {
            instance_url: Some(org_url.trim_end_matches('/').to_string()),
            access_token: Some(Secret::new(token.trim())),
            ..Credentials::default()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sfdx_auth_urls() {
        let c = Credentials::from_sfdx_auth_url(
            "force://PlatformCLI::5Aep861abc.def@acme.my.salesforce.com",
        )
        .unwrap();
        assert_eq!(c.client_id.as_deref(), Some("PlatformCLI"));
        assert_eq!(c.client_secret, None);
        assert_eq!(c.refresh_token.as_ref().unwrap().expose(), "5Aep861abc.def");
        assert_eq!(
            c.login_url.as_deref(),
            Some("https://acme.my.salesforce.com")
        );
        let local = Credentials::from_sfdx_auth_url("force://id:sec:tok@127.0.0.1:8080").unwrap();
        assert_eq!(local.login_url.as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(local.client_secret.as_ref().unwrap().expose(), "sec");
        for bad in [
            "https://x",
            "force://a:b@host",
            "force://:b:c@host",
            "force://a:b:c@",
            "force://a:b:c d@host",
        ] {
            assert!(Credentials::from_sfdx_auth_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        let c = Credentials::from_sfdx_auth_url(
            "force://PlatformCLI:topsecret:refresh123@acme.my.salesforce.com",
        )
        .unwrap();
        let c = Credentials {
            access_token: Some(Secret::new("00Dsession!xyz")),
            ..c
        };
        let text = format!("{c:?} {c:#?}");
        for secret in ["topsecret", "refresh123", "00Dsession!xyz"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains("<redacted>"));
    }

    #[cfg(unix)]
    #[test]
    fn credential_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let path = CredentialStore::path_in(tmp.path());
        let mut store = CredentialStore::load(&path).unwrap();
        store.set(
            "dev",
            Credentials {
                access_token: Some(Secret::new("tok")),
                ..Credentials::default()
            },
        );
        store.save().unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let back = CredentialStore::load(&path).unwrap();
        assert_eq!(
            back.get("dev")
                .unwrap()
                .access_token
                .as_ref()
                .unwrap()
                .expose(),
            "tok"
        );
    }
}
