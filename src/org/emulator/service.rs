//! The Metadata API calls of the emulated org, without HTTP: what each call
//! does to the org directory and what it answers.

use super::store::{self, Store};
use super::validate;
use crate::org::layout::{registry, Adapter, ComponentKey};
use crate::org::soap::{
    AsyncResult, DeployMessage, DeployOptions, DeployResult, DescribeMetadataObject,
    DescribeMetadataResult, FileProperties, ListMetadataQuery, Package, PackageTypeMembers,
    RetrieveMessage, RetrieveRequest, RetrieveResult, TestLevel,
};
use crate::org::{format, zip, Error};

/// The package directory new components are written to in the org directory.
pub const ORG_PACKAGE_DIR: &str = "force-app";
use base64::Engine as _;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A fault the HTTP layer sends as HTTP 500.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub code: String,
    pub message: String,
}

impl Fault {
    pub fn new(code: &str, message: impl std::fmt::Display) -> Fault {
        Fault {
            code: format!("sf:{code}"),
            message: format!("{code}: {message}"),
        }
    }
}

impl From<Error> for Fault {
    fn from(error: Error) -> Fault {
        Fault::new("UNKNOWN_EXCEPTION", error)
    }
}

/// A component's source files: (repository-relative path, content).
type SourceFiles = Vec<(String, Vec<u8>)>;

struct RetrieveJob {
    polls: u32,
    result: RetrieveResult,
    zip: Option<String>,
    handed_out: bool,
}

struct DeployJob {
    polls: u32,
    zip: Option<Vec<u8>>,
    options: DeployOptions,
    result: DeployResult,
}

/// One emulated org: its directory and its asynchronous jobs.
pub struct Org {
    store: Store,
    retrieves: HashMap<String, RetrieveJob>,
    deploys: HashMap<String, DeployJob>,
    next_async: u64,
    /// How many status checks answer "in progress" before the job is done.
    pub polls_before_done: u32,
}

/// Returns the component a package.xml member names: a member of an
/// in-folder type without a `/` is the folder (`Report` member `Sales`).
fn member_key(type_: &str, member: &str) -> ComponentKey {
    if let Some(info) = registry().get(type_) {
        if info.in_folder && !member.contains('/') {
            if let Some(folder) = &info.folder_type {
                return ComponentKey::new(folder, member);
            }
        }
    }
    ComponentKey::new(type_, member)
}

/// The file name a component is reported under in metadata format
/// (`classes/A.cls`, `lwc/hello`, `objects/A.object` for a field of A).
fn file_name_of(key: &ComponentKey) -> String {
    let r = registry();
    let (key, info) = match (r.get(&key.type_), format::parent_of(key)) {
        (_, Some(parent)) => match r.get(&parent.type_) {
            Some(info) => (parent, info),
            None => return key.full_name.clone(),
        },
        (Some(info), None) => (key.clone(), info),
        (None, None) => return key.full_name.clone(),
    };
    match (info.adapter, info.suffix.as_deref()) {
        (Adapter::Bundle, _) | (_, None) => format!("{}/{}", info.directory_name, key.full_name),
        _ if info.folder_content_type.is_some() => {
            format!("{}/{}", info.directory_name, key.full_name)
        }
        (_, Some(suffix)) => format!("{}/{}.{suffix}", info.directory_name, key.full_name),
    }
}

impl Org {
    pub fn open(dir: &std::path::Path) -> Result<Org, Error> {
        Ok(Org {
            store: Store::open(dir)?,
            retrieves: HashMap::new(),
            deploys: HashMap::new(),
            next_async: 0,
            polls_before_done: 1,
        })
    }

    fn async_id(&mut self, prefix: &str) -> String {
        self.next_async += 1;
        format!("{prefix}{:012}AAA", self.next_async)
    }

    /// Answers describeMetadata from the bundled describe snapshot and registry children.
    pub fn describe(&self) -> DescribeMetadataResult {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Snapshot {
            name: String,
            #[serde(default)]
            directory_name: Option<String>,
            #[serde(default)]
            suffix: Option<String>,
            #[serde(default)]
            in_folder: bool,
            #[serde(default)]
            meta_file: bool,
        }
        let snapshot: BTreeMap<String, Snapshot> =
            serde_json::from_str(include_str!("data/sdr-describeMetadata-snapshot.json"))
                .expect("the bundled describe snapshot is valid JSON (checked by a unit test)");
        let metadata_objects = snapshot
            .into_values()
            // Child types are described inside their parent, not on their own.
            .filter(|o| o.directory_name.as_deref().is_some_and(|d| !d.is_empty()))
            .map(|o| DescribeMetadataObject {
                child_xml_names: registry()
                    .get(&o.name)
                    .map(|t| t.children.iter().map(|c| c.name.clone()).collect())
                    .unwrap_or_default(),
                directory_name: o.directory_name.unwrap_or_default(),
                in_folder: o.in_folder,
                meta_file: o.meta_file,
                suffix: o.suffix.filter(|s| !s.is_empty()),
                xml_name: o.name,
            })
            .collect();
        DescribeMetadataResult {
            metadata_objects,
            organization_namespace: String::new(),
            partial_save_allowed: true,
            test_required: false,
        }
    }

    /// Answers listMetadata (at most three queries).
    pub fn list_metadata(
        &mut self,
        queries: &[ListMetadataQuery],
    ) -> Result<Vec<FileProperties>, Fault> {
        if queries.len() > 3 {
            return Err(Fault::new(
                "INVALID_OPERATION",
                format!(
                    "listMetadata accepts at most 3 queries, got {}",
                    queries.len()
                ),
            ));
        }
        let components = self.store.scan()?;
        let mut out = Vec::new();
        for query in queries {
            for (key, files) in self.matching(&components, &query.type_, query.folder.as_deref()) {
                let name = file_name_of(&key);
                out.push(self.store.properties(&key, &files, name));
            }
        }
        self.store.flush()?;
        Ok(out)
    }

    /// Returns the components (and child components) of a type, optionally in one folder.
    fn matching(
        &self,
        components: &BTreeMap<ComponentKey, Vec<String>>,
        type_: &str,
        folder: Option<&str>,
    ) -> Vec<(ComponentKey, Vec<String>)> {
        let in_folder = registry().get(type_).is_some_and(|t| t.in_folder);
        if let Some(parent) = registry().parent_of(type_) {
            // Decomposed children are in the directory as components; the
            // others live inside their parent's file.
            let mut out: Vec<(ComponentKey, Vec<String>)> = components
                .iter()
                .filter(|(k, _)| k.type_ == type_)
                .map(|(k, f)| (k.clone(), f.clone()))
                .collect();
            out.extend(
                components
                    .iter()
                    .filter(|(k, _)| k.type_ == parent.name)
                    .flat_map(|(k, files)| self.store.children(k, files))
                    .filter(|c| c.key.type_ == type_)
                    .map(|c| (c.key, c.files)),
            );
            return out;
        }
        components
            .iter()
            .filter(|(k, _)| k.type_ == type_)
            .filter(|(k, _)| {
                !in_folder
                    || folder.is_some_and(|f| {
                        k.full_name.rsplit_once('/').is_some_and(|(kf, _)| kf == f)
                    })
            })
            .map(|(k, f)| (k.clone(), f.clone()))
            .collect()
    }

    /// Starts a retrieve; the result is computed now and handed out by checkRetrieveStatus.
    pub fn retrieve(&mut self, request: &RetrieveRequest) -> Result<AsyncResult, Fault> {
        let id = self.async_id("09S");
        let result = match self.build_retrieve(request, &id) {
            Ok((result, zip)) => RetrieveJob {
                polls: 0,
                result,
                zip: Some(zip),
                handed_out: false,
            },
            Err(message) => RetrieveJob {
                polls: 0,
                result: RetrieveResult {
                    done: true,
                    error_message: Some(message),
                    error_status_code: Some("UNKNOWN_EXCEPTION".into()),
                    id: id.clone(),
                    status: "Failed".into(),
                    ..RetrieveResult::default()
                },
                zip: None,
                handed_out: false,
            },
        };
        self.retrieves.insert(id.clone(), result);
        Ok(AsyncResult {
            done: false,
            id,
            state: "Queued".into(),
            ..AsyncResult::default()
        })
    }

    fn build_retrieve(
        &mut self,
        request: &RetrieveRequest,
        id: &str,
    ) -> Result<(RetrieveResult, String), String> {
        if let Some(name) = request.package_names.first() {
            return Err(format!(
                "INVALID_CROSS_REFERENCE_KEY: No package named '{name}' found"
            ));
        }
        let package = request.unpackaged.clone().unwrap_or_default();
        let version = if package.version.is_empty() {
            request.api_version.clone()
        } else {
            package.version.clone()
        };
        let prefix = if request.single_package {
            ""
        } else {
            "unpackaged/"
        };
        let components = self.store.scan().map_err(|e| e.to_string())?;
        let mut selected: BTreeMap<ComponentKey, Vec<String>> = BTreeMap::new();
        let mut messages = Vec::new();
        for types in &package.types {
            let known = crate::metadata::Registry::get()
                .type_by_name(&types.name)
                .is_some();
            for member in &types.members {
                if member == "*" {
                    let in_folder = registry().get(&types.name).is_some_and(|t| t.in_folder);
                    if in_folder {
                        // Real orgs ignore wildcards for in-folder types.
                        continue;
                    }
                    for (key, files) in self.matching(&components, &types.name, None) {
                        selected.insert(key, files);
                    }
                    continue;
                }
                let key = member_key(&types.name, member);
                let found = if let Some(files) = components.get(&key) {
                    Some(files.clone())
                } else {
                    self.matching(&components, &types.name, None)
                        .into_iter()
                        .find(|(k, _)| k == &key)
                        .map(|(_, f)| f)
                };
                match found {
                    Some(files) if known => {
                        selected.insert(key, files);
                    }
                    _ => messages.push(RetrieveMessage {
                        file_name: format!("{prefix}package.xml"),
                        problem: format!(
                            "Entity of type '{}' named '{member}' cannot be found",
                            types.name
                        ),
                    }),
                }
            }
        }
        // A parent goes with its decomposed children (an object with its fields).
        let child_files: Vec<(ComponentKey, Vec<String>)> = components
            .iter()
            .filter_map(|(k, f)| Some((format::parent_of(k)?, f.clone())))
            .collect();
        for (parent, files) in child_files {
            if let Some(selected_files) = selected.get_mut(&parent) {
                selected_files.extend(files);
            }
        }
        let mut entries = Vec::new();
        let mut file_properties = Vec::new();
        let mut returned: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        // Whole files first, children after: a child whose files are already
        // in the zip (a field of a retrieved object, a label of the labels
        // file) is reported but not converted twice.
        let mut ordered: Vec<(&ComponentKey, &Vec<String>)> = selected.iter().collect();
        ordered.sort_by_key(|(k, _)| registry().parent_of(&k.type_).is_some());
        // One conversion for the whole request: children of the same parent
        // (fields of one object) recompose into one file.
        let mut source = format::Files::new();
        for (key, files) in ordered {
            for file in files {
                if !source.contains_key(file) {
                    source.insert(
                        file.clone(),
                        self.store.read(file).map_err(|e| e.to_string())?,
                    );
                }
            }
            let name = format!("{prefix}{}", file_name_of(key));
            file_properties.push(self.store.properties(key, files, name));
            returned
                .entry(key.type_.clone())
                .or_default()
                .insert(key.full_name.clone());
        }
        let (mapped, _) = format::to_mdapi(&source, &version).map_err(|e| e.to_string())?;
        entries.extend(mapped.into_iter().map(|(p, c)| (format!("{prefix}{p}"), c)));
        self.store.flush().map_err(|e| e.to_string())?;
        let manifest = Package {
            types: returned
                .into_iter()
                .map(|(name, members)| PackageTypeMembers {
                    members: members.into_iter().collect(),
                    name,
                })
                .collect(),
            version,
        };
        entries.insert(
            0,
            (
                format!("{prefix}package.xml"),
                manifest.to_manifest().into_bytes(),
            ),
        );
        let time = store::now();
        file_properties.push(FileProperties {
            created_by_id: store::API_USER_ID.into(),
            created_by_name: store::API_USER_NAME.into(),
            created_date: time.clone(),
            file_name: format!("{prefix}package.xml"),
            full_name: format!("{prefix}package.xml"),
            id: String::new(),
            last_modified_by_id: store::API_USER_ID.into(),
            last_modified_by_name: store::API_USER_NAME.into(),
            last_modified_date: time,
            manageable_state: Some("unmanaged".into()),
            namespace_prefix: None,
            type_: "Package".into(),
        });
        let zip = zip::write(&entries).map_err(|e| e.to_string())?;
        let result = RetrieveResult {
            done: true,
            file_properties,
            id: id.to_string(),
            messages,
            status: "Succeeded".into(),
            success: true,
            ..RetrieveResult::default()
        };
        Ok((
            result,
            base64::engine::general_purpose::STANDARD.encode(zip),
        ))
    }

    /// Answers checkRetrieveStatus: in progress for a few polls, then the
    /// result; the zip goes out once.
    pub fn check_retrieve_status(
        &mut self,
        id: &str,
        include_zip: bool,
    ) -> Result<RetrieveResult, Fault> {
        let polls_before_done = self.polls_before_done;
        let job = self
            .retrieves
            .get_mut(id)
            .ok_or_else(|| Fault::new("INVALID_ID_FIELD", format!("invalid id: {id}")))?;
        if job.polls < polls_before_done {
            job.polls += 1;
            return Ok(RetrieveResult {
                done: false,
                id: id.to_string(),
                status: if job.polls == 1 {
                    "Pending"
                } else {
                    "InProgress"
                }
                .into(),
                ..RetrieveResult::default()
            });
        }
        let mut result = job.result.clone();
        if include_zip && job.zip.is_some() {
            if job.handed_out {
                return Err(Fault::new(
                    "INVALID_ID_FIELD",
                    "Retrieve result has been deleted.",
                ));
            }
            job.handed_out = true;
            result.zip_file = job.zip.take();
        }
        Ok(result)
    }

    /// Queues a deploy; it runs when its status is checked.
    pub fn deploy(
        &mut self,
        zip_base64: &str,
        options: DeployOptions,
    ) -> Result<AsyncResult, Fault> {
        let compact: String = zip_base64.split_whitespace().collect();
        let zip = base64::engine::general_purpose::STANDARD
            .decode(compact)
            .map_err(|e| Fault::new("INVALID_OPERATION", format!("ZipFile is not base64: {e}")))?;
        if options.test_level == Some(TestLevel::RunSpecifiedTests) && options.run_tests.is_empty()
        {
            return Err(Fault::new(
                "INVALID_OPERATION",
                "runTests must name at least one test class when testLevel is RunSpecifiedTests",
            ));
        }
        let id = self.async_id("0Af");
        let time = store::now();
        let result = DeployResult {
            check_only: options.check_only,
            created_by: store::API_USER_ID[..15].to_string(),
            created_by_name: store::API_USER_NAME.into(),
            created_date: time.clone(),
            id: id.clone(),
            ignore_warnings: options.ignore_warnings,
            last_modified_date: Some(time),
            rollback_on_error: options.rollback_on_error,
            run_tests_enabled: options
                .test_level
                .is_some_and(|l| l != TestLevel::NoTestRun),
            status: "Pending".into(),
            ..DeployResult::default()
        };
        self.deploys.insert(
            id.clone(),
            DeployJob {
                polls: 0,
                zip: Some(zip),
                options,
                result,
            },
        );
        Ok(AsyncResult {
            done: false,
            id,
            state: "Queued".into(),
            ..AsyncResult::default()
        })
    }

    /// Answers checkDeployStatus, running the deploy once its polls are spent.
    pub fn check_deploy_status(&mut self, id: &str) -> Result<DeployResult, Fault> {
        let polls_before_done = self.polls_before_done;
        let job = self
            .deploys
            .get_mut(id)
            .ok_or_else(|| Fault::new("INVALID_ID_FIELD", format!("invalid id: {id}")))?;
        if job.result.done {
            return Ok(job.result.clone());
        }
        if job.result.status == "Canceling" {
            job.result.status = "Canceled".into();
            job.result.done = true;
            job.result.completed_date = Some(store::now());
            job.zip = None;
            return Ok(job.result.clone());
        }
        if job.polls < polls_before_done {
            job.polls += 1;
            job.result.status = "InProgress".into();
            job.result.start_date = Some(store::now());
            return Ok(job.result.clone());
        }
        let zip = job.zip.take().unwrap_or_default();
        let options = job.options.clone();
        let mut result = job.result.clone();
        self.run_deploy(&zip, &options, &mut result)?;
        result.done = true;
        let time = store::now();
        result.completed_date = Some(time.clone());
        result.last_modified_date = Some(time);
        if result.start_date.is_none() {
            result.start_date = result.completed_date.clone();
        }
        if let Some(job) = self.deploys.get_mut(id) {
            job.result = result.clone();
        }
        Ok(result)
    }

    /// Cancels a deploy: at once while pending, through Canceling otherwise.
    pub fn cancel_deploy(&mut self, id: &str) -> Result<(bool, String), Fault> {
        let job = self
            .deploys
            .get_mut(id)
            .ok_or_else(|| Fault::new("INVALID_ID_FIELD", format!("invalid id: {id}")))?;
        if job.result.done {
            return Err(Fault::new(
                "INVALID_ID_FIELD",
                format!("deploy {id} is already done ({})", job.result.status),
            ));
        }
        let cancel_now = job.result.status == "Pending";
        job.result.canceled_by = Some(store::API_USER_ID[..15].to_string());
        job.result.canceled_by_name = Some(store::API_USER_NAME.into());
        if cancel_now {
            job.result.status = "Canceled".into();
            job.result.done = true;
            job.zip = None;
        } else {
            job.result.status = "Canceling".into();
        }
        Ok((cancel_now, id.to_string()))
    }

    fn run_deploy(
        &mut self,
        zip_bytes: &[u8],
        options: &DeployOptions,
        result: &mut DeployResult,
    ) -> Result<(), Fault> {
        let time = store::now();
        let message = |file_name: &str, full_name: &str, type_: &str| DeployMessage {
            component_type: type_.to_string(),
            created_date: time.clone(),
            file_name: file_name.to_string(),
            full_name: full_name.to_string(),
            ..DeployMessage::default()
        };
        let fail = |result: &mut DeployResult, failure: DeployMessage| {
            result.component_failures = vec![failure];
            result.number_component_errors = 1;
            result.status = "Failed".into();
            result.success = false;
        };
        let entries = match zip::read(zip_bytes, zip::Limits::default()) {
            Ok(entries) => entries,
            Err(e) => {
                let mut failure = message("", "", "");
                failure.problem = Some(format!("The zip file is not valid: {e}"));
                failure.problem_type = Some("Error".into());
                fail(result, failure);
                return Ok(());
            }
        };
        // Find the package root: the zip root, or one directory per package.
        let root = if options.single_package {
            Some(String::new())
        } else {
            entries
                .iter()
                .filter_map(|(n, _)| n.strip_suffix("package.xml"))
                .find(|p| p.ends_with('/') && p.matches('/').count() == 1)
                .map(str::to_string)
        };
        let manifest = root.as_ref().and_then(|r| {
            entries
                .iter()
                .find(|(n, _)| *n == format!("{r}package.xml"))
        });
        let (Some(root), Some((_, manifest))) = (root.clone(), manifest) else {
            let mut failure = message("package.xml", "package.xml", "");
            failure.problem = Some("No package.xml found".into());
            failure.problem_type = Some("Error".into());
            fail(result, failure);
            return Ok(());
        };
        let package = match Package::from_manifest(manifest) {
            Ok(p) => p,
            Err(e) => {
                let mut failure = message(&format!("{root}package.xml"), "package.xml", "");
                failure.problem = Some(format!("Error parsing file: {e}"));
                failure.problem_type = Some("Error".into());
                fail(result, failure);
                return Ok(());
            }
        };
        let destructive = |name: &str| -> Result<Option<Package>, String> {
            entries
                .iter()
                .find(|(n, _)| *n == format!("{root}{name}"))
                .map(|(_, c)| Package::from_manifest(c).map_err(|e| e.to_string()))
                .transpose()
        };
        let mut failures = Vec::new();
        let mut successes = Vec::new();
        let mut manifests = Vec::new();
        for name in [
            "destructiveChangesPre.xml",
            "destructiveChanges.xml",
            "destructiveChangesPost.xml",
        ] {
            match destructive(name) {
                Ok(Some(p)) => manifests.push((name, p)),
                Ok(None) => {}
                Err(e) => {
                    let mut failure = message(&format!("{root}{name}"), name, "");
                    failure.problem = Some(format!("Error parsing file: {e}"));
                    failure.problem_type = Some("Error".into());
                    failures.push(failure);
                }
            }
        }

        // Group the zip's files by the component they most likely belong to.
        let mut groups: BTreeMap<ComponentKey, Vec<(String, String, Vec<u8>)>> = BTreeMap::new();
        for (name, content) in &entries {
            let Some(rel) = name.strip_prefix(root.as_str()) else {
                continue;
            };
            if rel == "package.xml" || rel.starts_with("destructiveChanges") {
                continue;
            }
            match format::mdapi_component(rel) {
                Some(key) => groups.entry(key).or_default().push((
                    name.clone(),
                    rel.to_string(),
                    content.clone(),
                )),
                None => {
                    let mut failure = message(name, rel, "");
                    failure.problem = Some(
                        "The emulator cannot place this file: unknown metadata type or layout"
                            .into(),
                    );
                    failure.problem_type = Some("Error".into());
                    failures.push(failure);
                }
            }
        }
        let existing = self.store.scan()?;
        let existing_paths: Vec<String> = existing.values().flatten().cloned().collect();
        // Validate and convert each group, then key the result by the
        // components its source files belong to.
        let mut incoming: BTreeMap<ComponentKey, (String, SourceFiles)> = BTreeMap::new();
        let mut failed: BTreeSet<ComponentKey> = BTreeSet::new();
        for (key, files) in &groups {
            let primary = files
                .iter()
                .find(|(n, _, _)| !n.ends_with("-meta.xml"))
                .or(files.first())
                .map(|(n, _, _)| n.clone())
                .unwrap_or_default();
            let problem = files
                .iter()
                .find_map(|(name, _, content)| validate::check(name, content).map(|p| (name, p)));
            if let Some((name, problem)) = problem {
                let mut failure = message(name, &key.full_name, &key.type_);
                failure.line_number = Some(problem.line);
                failure.column_number = Some(problem.column);
                failure.problem = Some(problem.message);
                failure.problem_type = Some("Error".into());
                failures.push(failure);
                failed.insert(key.clone());
                continue;
            }
            let mdapi: format::Files = files
                .iter()
                .map(|(_, rel, c)| (rel.clone(), c.clone()))
                .collect();
            match format::to_source(&mdapi, ORG_PACKAGE_DIR, &existing_paths) {
                Ok(source) => {
                    for (path, content) in source {
                        let real = format::component_of(&path).unwrap_or_else(|| key.clone());
                        incoming
                            .entry(real)
                            .or_insert_with(|| (primary.clone(), Vec::new()))
                            .1
                            .push((path, content));
                    }
                }
                Err(e) => {
                    let mut failure = message(&primary, &key.full_name, &key.type_);
                    failure.problem = Some(e.to_string());
                    failure.problem_type = Some("Error".into());
                    failures.push(failure);
                    failed.insert(key.clone());
                }
            }
        }
        // Only what package.xml names is deployed.
        let named = |key: &ComponentKey| -> bool {
            let member_of = |k: &ComponentKey| {
                package.types.iter().any(|t| {
                    t.members.iter().any(|m| {
                        (m == "*" || *m == k.full_name) && member_key(&t.name, m).type_ == k.type_
                            || (m == "*" && t.name == k.type_)
                    })
                })
            };
            member_of(key) || format::parent_of(key).is_some_and(|p| member_of(&p))
        };
        incoming.retain(|k, _| named(k));
        for types in &package.types {
            for member in &types.members {
                if member == "*" || options.allow_missing_files {
                    continue;
                }
                let key = member_key(&types.name, member);
                let present = incoming.contains_key(&key)
                    || format::parent_of(&key).is_some_and(|p| incoming.contains_key(&p));
                if !present && !failed.contains(&key) {
                    let mut failure = message(&format!("{root}package.xml"), member, &types.name);
                    failure.problem = Some(format!(
                        "An object '{member}' of type {} was named in package.xml, but was not found in zipped directory",
                        types.name
                    ));
                    failure.problem_type = Some("Error".into());
                    failures.push(failure);
                }
            }
        }
        let good: Vec<(ComponentKey, String, SourceFiles)> = incoming
            .into_iter()
            .map(|(k, (primary, files))| (k, primary, files))
            .collect();
        // Deletions that name nothing in the org are warnings.
        let mut deletions = Vec::new();
        for (manifest_name, manifest) in &manifests {
            for types in &manifest.types {
                for member in &types.members {
                    let key = member_key(&types.name, member);
                    if existing.contains_key(&key) {
                        deletions.push((*manifest_name, key));
                    } else {
                        let mut warning = message(
                            &format!("{root}{manifest_name}"),
                            manifest_name,
                            &types.name,
                        );
                        warning.problem = Some(format!("No {} named: {member} found", types.name));
                        warning.problem_type = Some("Warning".into());
                        failures.push(warning);
                    }
                }
            }
        }
        let blocking = failures
            .iter()
            .filter(|f| f.problem_type.as_deref() != Some("Warning") || !options.ignore_warnings)
            .count();
        let apply = !options.check_only && (blocking == 0 || !options.rollback_on_error);
        for (manifest_name, key) in deletions
            .iter()
            .filter(|(m, _)| *m != "destructiveChangesPost.xml")
        {
            if apply {
                let files = existing.get(key).cloned().unwrap_or_default();
                self.store.delete_component(key, &files)?;
            }
            let mut success = message(
                &format!("{root}{manifest_name}"),
                &key.full_name,
                &key.type_,
            );
            success.deleted = true;
            success.success = true;
            successes.push(success);
        }
        for (key, primary, source) in &good {
            let old = existing.get(key).cloned().unwrap_or_default();
            let changed = if apply {
                self.store.write_component(key, &old, source)?
            } else {
                true
            };
            let mut success = message(primary, &key.full_name, &key.type_);
            success.created = old.is_empty();
            success.changed = changed && !old.is_empty();
            success.id = self.store.id_of(key);
            success.success = true;
            successes.push(success);
        }
        for (manifest_name, key) in deletions
            .iter()
            .filter(|(m, _)| *m == "destructiveChangesPost.xml")
        {
            if apply {
                let files = existing.get(key).cloned().unwrap_or_default();
                self.store.delete_component(key, &files)?;
            }
            let mut success = message(
                &format!("{root}{manifest_name}"),
                &key.full_name,
                &key.type_,
            );
            success.deleted = true;
            success.success = true;
            successes.push(success);
        }
        let mut package_entry = message(&format!("{root}package.xml"), "package.xml", "");
        package_entry.changed = true;
        package_entry.success = true;
        successes.push(package_entry);

        result.number_components_total = (good.len() + failed.len() + deletions.len()) as i64;
        result.number_component_errors = blocking as i64;
        result.number_components_deployed = (good.len() + deletions.len()) as i64;
        if result.run_tests_enabled {
            result.number_tests_total = options.run_tests.len() as i64;
            result.number_tests_completed = options.run_tests.len() as i64;
        }
        result.status = if blocking == 0 {
            "Succeeded"
        } else if options.rollback_on_error {
            "Failed"
        } else {
            "SucceededPartial"
        }
        .into();
        result.success = blocking == 0 || !options.rollback_on_error;
        result.component_failures = failures;
        result.component_successes = successes;
        Ok(())
    }
}
