//! Org backends: the Metadata API client, the org emulator, and the [`Org`]
//! trait every command talks to.
//!
//! An org URL picks the backend: `https://...` is a real org,
//! `http://127.0.0.1:<port>` a running emulator, and `local:<dir>` an emulator
//! started in-process on a loopback port. All three go through the same HTTP
//! client ([`client::Client`]), so every test exercises the real protocol.
//!
//! Module map: [`soap`] (envelopes and WSDL types), [`client`] (sessions,
//! retries, polling), [`auth`] (credentials), [`zip`] (defensive archives),
//! [`format`] (source <-> metadata format seam), [`layout`] (where a type's
//! files live), [`emulator`] (the local org).

pub mod auth;
pub mod client;
pub mod emulator;
mod error;
pub mod format;
pub mod layout;
pub mod soap;
pub mod zip;

pub use auth::{CredentialStore, Credentials, Secret};
pub use client::{Client, ClientOptions, Identity};
pub use error::Error;
pub use format::Files;
pub use layout::ComponentKey;
pub use soap::{
    DeployMessage, DeployOptions, DeployResult, DescribeMetadataObject, FileProperties,
    ListMetadataQuery, Package, PackageTypeMembers, TestLevel,
};

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};

/// Where an org is, from its URL in `sfsync.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgUrl {
    /// `https://<domain>.my.salesforce.com`: a real org.
    Remote(String),
    /// `http://127.0.0.1:<port>`: a running emulator.
    Emulator(String),
    /// `local:<dir>`: an emulator started in-process over `<dir>`.
    Local(PathBuf),
}

impl OrgUrl {
    /// Parses an org URL; a relative `local:` directory is relative to `base`.
    pub fn parse(url: &str, base: &Path) -> Result<OrgUrl, Error> {
        let invalid = |message: &str| Error::InvalidUrl {
            url: url.to_string(),
            message: message.to_string(),
        };
        if let Some(dir) = url.strip_prefix("local:") {
            if dir.is_empty() {
                return Err(invalid("local: needs a directory"));
            }
            let dir = Path::new(dir);
            return Ok(OrgUrl::Local(if dir.is_absolute() {
                dir.to_path_buf()
            } else {
                base.join(dir)
            }));
        }
        let trimmed = url.trim_end_matches('/').to_string();
        if let Some(host) = trimmed.strip_prefix("http://") {
            if auth::is_loopback_host(host) {
                return Ok(OrgUrl::Emulator(trimmed));
            }
            return Err(invalid(
                "plain http is only allowed for an emulator on 127.0.0.1; real orgs use https",
            ));
        }
        if let Some(host) = trimmed.strip_prefix("https://") {
            if host.is_empty() || host.contains('/') {
                return Err(invalid("expected https://<host> without a path"));
            }
            return Ok(OrgUrl::Remote(trimmed));
        }
        Err(invalid("unknown scheme"))
    }
}

/// What a retrieve brought back, converted to source format.
#[derive(Debug, Clone, Default)]
pub struct RetrievedSource {
    /// Source files by repository-relative path.
    pub files: Files,
    /// One entry per returned component (plus the `Package` entry).
    pub properties: Vec<FileProperties>,
    /// Problems the org reported for requested components ("cannot be found").
    pub messages: Vec<String>,
}

/// The outcome of a deploy (possibly split into several).
#[derive(Debug, Clone, Default)]
pub struct DeployOutcome {
    /// One result per deploy sent, in order; the last one decides.
    pub results: Vec<DeployResult>,
    /// Metadata-format file name -> source path, to show failures where the user edits.
    pub source_paths: BTreeMap<String, String>,
}

impl DeployOutcome {
    /// Returns true when every deploy succeeded (fully).
    pub fn succeeded(&self) -> bool {
        !self.results.is_empty() && self.results.iter().all(|r| r.status == "Succeeded")
    }

    /// Returns the component failures with the source path they came from.
    pub fn failures(&self) -> Vec<(Option<String>, &DeployMessage)> {
        self.results
            .iter()
            .flat_map(|r| r.component_failures.iter())
            .map(|m| (self.source_paths.get(&m.file_name).cloned(), m))
            .collect()
    }
}

/// An org, real or emulated: everything commands need from it.
pub trait Org {
    /// Returns the metadata types the org knows.
    fn describe(&self) -> impl Future<Output = Result<Vec<DescribeMetadataObject>, Error>> + Send;

    /// Lists components with their lastModifiedDate / lastModifiedByName.
    fn list(
        &self,
        queries: &[ListMetadataQuery],
    ) -> impl Future<Output = Result<Vec<FileProperties>, Error>> + Send;

    /// Retrieves the components of a manifest as source files. Components
    /// present among `existing` (source paths) are placed where they are, new
    /// ones under `<target_package_dir>/main/default/`.
    fn retrieve(
        &self,
        package: &Package,
        target_package_dir: &str,
        existing: &[String],
    ) -> impl Future<Output = Result<RetrievedSource, Error>> + Send;

    /// Deploys source files and deletes components, and waits for the outcome.
    fn deploy(
        &self,
        files: &Files,
        deletions: &[ComponentKey],
        options: &DeployOptions,
    ) -> impl Future<Output = Result<DeployOutcome, Error>> + Send;

    /// Cancels a running deploy; true when it was canceled at once.
    fn cancel(&self, deploy_id: &str) -> impl Future<Output = Result<bool, Error>> + Send;
}

/// The one [`Org`] implementation: the Metadata API client, plus the
/// in-process emulator it talks to for `local:` URLs.
#[derive(Debug)]
pub struct MetadataOrg {
    client: Client,
    emulator: Option<emulator::Running>,
}

impl MetadataOrg {
    /// Connects to an org. `credentials` are required for remote orgs and
    /// running emulators; a `local:` org makes its own.
    pub async fn connect(
        url: &OrgUrl,
        credentials: Option<Credentials>,
        options: Option<ClientOptions>,
    ) -> Result<MetadataOrg, Error> {
        match url {
            OrgUrl::Local(dir) => {
                let running = emulator::start(emulator::Options::new(dir)).await?;
                let mut credentials = Credentials::from_sfdx_auth_url(&running.auth_url())?;
                credentials.access_token = Some(Secret::new(running.access_token.clone()));
                let client = Client::connect(
                    &running.url,
                    credentials,
                    options.unwrap_or_else(ClientOptions::local),
                )
                .await?;
                Ok(MetadataOrg {
                    client,
                    emulator: Some(running),
                })
            }
            OrgUrl::Emulator(base) | OrgUrl::Remote(base) => {
                let credentials = credentials.ok_or_else(|| Error::Credentials {
                    alias: String::new(),
                    message: format!("no credentials for {base}"),
                })?;
                let default = if matches!(url, OrgUrl::Emulator(_)) {
                    ClientOptions::local()
                } else {
                    ClientOptions::remote()
                };
                let client = Client::connect(base, credentials, options.unwrap_or(default)).await?;
                Ok(MetadataOrg {
                    client,
                    emulator: None,
                })
            }
        }
    }

    /// Returns the underlying client (identity checks, raw calls).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Returns the URL of the in-process emulator of a `local:` org.
    pub fn emulator_url(&self) -> Option<&str> {
        self.emulator.as_ref().map(|e| e.url.as_str())
    }

    /// Lists every component of the given types, expanding in-folder types
    /// folder by folder (their folders are listed first).
    pub async fn list_types(&self, types: &[&str]) -> Result<Vec<FileProperties>, Error> {
        let mut queries = Vec::new();
        let mut folder_queries = Vec::new();
        for type_ in types {
            match layout::registry().get(type_) {
                Some(info) if info.in_folder => {
                    if let Some(folder_type) = &info.folder_type {
                        folder_queries.push((type_.to_string(), folder_type.clone()));
                    }
                }
                _ => queries.push(ListMetadataQuery {
                    folder: None,
                    type_: type_.to_string(),
                }),
            }
        }
        let mut out = self.client.list_metadata(&queries).await?;
        for (content, folder_type) in folder_queries {
            let folders = self
                .client
                .list_metadata(&[ListMetadataQuery {
                    folder: None,
                    type_: folder_type,
                }])
                .await?;
            let queries: Vec<ListMetadataQuery> = folders
                .iter()
                .map(|f| ListMetadataQuery {
                    folder: Some(f.full_name.clone()),
                    type_: content.clone(),
                })
                .collect();
            out.extend(folders);
            out.extend(self.client.list_metadata(&queries).await?);
        }
        Ok(out)
    }
}

/// Connects to the org `alias` of `sfsync.toml`: its URL (relative `local:`
/// directories are relative to the project `root`) and the credentials stored
/// in `<git_dir>/sfsync/credentials.toml` or given by the environment.
pub async fn open(
    alias: &str,
    org: &crate::config::OrgConfig,
    root: &Path,
    git_dir: &Path,
    options: Option<ClientOptions>,
) -> Result<MetadataOrg, Error> {
    let url = OrgUrl::parse(&org.url, root)?;
    let credentials = match &url {
        OrgUrl::Local(_) => None,
        OrgUrl::Emulator(base) | OrgUrl::Remote(base) => {
            let store = CredentialStore::load(&CredentialStore::path_in(git_dir))?;
            let resolved = auth::resolve(store.get(alias), base);
            Some(resolved.ok_or_else(|| Error::Credentials {
                alias: alias.to_string(),
                message: format!(
                    "none stored and neither {} nor {} is set",
                    auth::ENV_AUTH_URL,
                    auth::ENV_ACCESS_TOKEN
                ),
            })?)
        }
    };
    MetadataOrg::connect(&url, credentials, options)
        .await
        .map_err(|e| match e {
            Error::Credentials { message, .. } => Error::Credentials {
                alias: alias.to_string(),
                message,
            },
            other => other,
        })
}

/// Splits a manifest so that no retrieve names more than `limit` members,
/// keeping children with their parent (the fields of an object come back in
/// the object's one file, so they must come back in the same zip).
fn split_package(package: &Package, limit: usize) -> Vec<Package> {
    let mut groups: BTreeMap<ComponentKey, Vec<(String, String)>> = BTreeMap::new();
    for t in &package.types {
        for member in &t.members {
            let key = ComponentKey::new(&t.name, member);
            let group = format::parent_of(&key).unwrap_or(key);
            groups
                .entry(group)
                .or_default()
                .push((t.name.clone(), member.clone()));
        }
    }
    let mut batches: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for members in groups.into_values() {
        let current = batches.last_mut().expect("there is always a batch");
        if !current.is_empty() && current.len() + members.len() > limit {
            batches.push(Vec::new());
        }
        batches
            .last_mut()
            .expect("there is always a batch")
            .extend(members);
    }
    batches
        .into_iter()
        .map(|batch| {
            let mut by_type: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (type_, member) in batch {
                by_type.entry(type_).or_default().push(member);
            }
            Package {
                types: by_type
                    .into_iter()
                    .map(|(name, members)| PackageTypeMembers { members, name })
                    .collect(),
                version: package.version.clone(),
            }
        })
        .collect()
}

/// Returns the metadata-format name -> source path map for failures.
fn source_path_map(source: &Files, mdapi: &Files) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for m in mdapi.keys() {
        let direct = source
            .keys()
            .find(|p| p.ends_with(&format!("/{m}")))
            .or_else(|| {
                source
                    .keys()
                    .find(|p| p.ends_with(&format!("/{m}-meta.xml")))
            });
        let found = direct.or_else(|| {
            let key = format::mdapi_component(m)?;
            source.keys().find(|p| {
                format::component_of(p)
                    .is_some_and(|c| c == key || format::parent_of(&c).as_ref() == Some(&key))
            })
        });
        if let Some(path) = found {
            out.insert(m.clone(), path.clone());
        }
    }
    out
}

impl Org for MetadataOrg {
    async fn describe(&self) -> Result<Vec<DescribeMetadataObject>, Error> {
        Ok(self.client.describe_metadata().await?.metadata_objects)
    }

    async fn list(&self, queries: &[ListMetadataQuery]) -> Result<Vec<FileProperties>, Error> {
        self.client.list_metadata(queries).await
    }

    async fn retrieve(
        &self,
        package: &Package,
        target_package_dir: &str,
        existing: &[String],
    ) -> Result<RetrievedSource, Error> {
        let mut mdapi = Files::new();
        let mut out = RetrievedSource::default();
        for part in split_package(package, zip::MAX_FILES) {
            let retrieved = self.client.retrieve(&part).await?;
            mdapi.extend(retrieved.entries);
            out.properties.extend(retrieved.file_properties);
            out.messages
                .extend(retrieved.messages.into_iter().map(|m| m.problem));
        }
        mdapi.remove("package.xml");
        out.files = format::to_source(&mdapi, target_package_dir, existing)?;
        Ok(out)
    }

    async fn deploy(
        &self,
        files: &Files,
        deletions: &[ComponentKey],
        options: &DeployOptions,
    ) -> Result<DeployOutcome, Error> {
        let version = self.client.api_version().to_string();
        // Batches of whole components under the file and size limits.
        let mut by_component: BTreeMap<ComponentKey, Files> = BTreeMap::new();
        for (path, content) in files {
            let key = format::component_of(path).ok_or_else(|| Error::Input {
                message: format!("{path}: not a metadata component file"),
            })?;
            by_component
                .entry(key)
                .or_default()
                .insert(path.clone(), content.clone());
        }
        let mut batches: Vec<Files> = vec![Files::new()];
        let mut size = 0usize;
        for component in by_component.into_values() {
            let component_size: usize = component.values().map(Vec::len).sum();
            let current = batches.last_mut().expect("there is always a batch");
            if !current.is_empty()
                && (current.len() + component.len() > zip::MAX_FILES
                    || size + component_size > zip::MAX_ZIP_BYTES)
            {
                batches.push(Files::new());
                size = 0;
            }
            size += component_size;
            batches
                .last_mut()
                .expect("there is always a batch")
                .extend(component);
        }
        let mut outcome = DeployOutcome::default();
        let last = batches.len() - 1;
        for (i, batch) in batches.into_iter().enumerate() {
            let (mdapi, package) = format::to_mdapi(&batch, &version)?;
            outcome.source_paths.extend(source_path_map(&batch, &mdapi));
            let mut entries: Vec<zip::Entry> = vec![(
                "package.xml".to_string(),
                package.to_manifest().into_bytes(),
            )];
            if i == last && !deletions.is_empty() {
                let mut members: BTreeMap<String, std::collections::BTreeSet<String>> =
                    BTreeMap::new();
                for key in deletions {
                    members
                        .entry(key.type_.clone())
                        .or_default()
                        .insert(key.full_name.clone());
                }
                let destructive = format::package_of(members, &version);
                entries.push((
                    "destructiveChanges.xml".to_string(),
                    destructive.to_manifest().into_bytes(),
                ));
            }
            entries.extend(mdapi);
            let zip = zip::write(&entries)?;
            let result = self.client.deploy(&zip, options).await?;
            let ok = result.status == "Succeeded";
            outcome.results.push(result);
            if !ok {
                break;
            }
        }
        Ok(outcome)
    }

    async fn cancel(&self, deploy_id: &str) -> Result<bool, Error> {
        self.client.cancel_deploy(deploy_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_org_urls() {
        let base = Path::new("/repo");
        assert_eq!(
            OrgUrl::parse("local:.sfsync/orgs/dev", base).unwrap(),
            OrgUrl::Local(PathBuf::from("/repo/.sfsync/orgs/dev"))
        );
        assert_eq!(
            OrgUrl::parse("http://127.0.0.1:8080/", base).unwrap(),
            OrgUrl::Emulator("http://127.0.0.1:8080".into())
        );
        assert_eq!(
            OrgUrl::parse("https://acme.my.salesforce.com", base).unwrap(),
            OrgUrl::Remote("https://acme.my.salesforce.com".into())
        );
        for bad in ["http://example.com", "ftp://x", "local:", "https://x/y"] {
            assert!(OrgUrl::parse(bad, base).is_err(), "{bad}");
        }
    }

    #[test]
    fn splits_packages_at_the_limit_keeping_children_with_parents() {
        let package = Package {
            types: vec![
                PackageTypeMembers {
                    members: vec!["A".into(), "B".into(), "C".into()],
                    name: "ApexClass".into(),
                },
                PackageTypeMembers {
                    members: vec!["Obj__c.F1__c".into(), "Obj__c.F2__c".into()],
                    name: "CustomField".into(),
                },
                PackageTypeMembers {
                    members: vec!["Obj__c".into()],
                    name: "CustomObject".into(),
                },
            ],
            version: "65.0".into(),
        };
        let parts = split_package(&package, 3);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].types[0].members, vec!["A", "B", "C"]);
        let names: Vec<&str> = parts[1].types.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, vec!["CustomField", "CustomObject"]);
        assert_eq!(split_package(&package, 10).len(), 1);
    }
}
