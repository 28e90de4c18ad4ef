//! The emulated org's state: a source-format directory plus a small JSON file
//! of what the directory cannot say (ids, who changed what and when).
//!
//! The directory is the truth, so a test can "change the org directly" by
//! editing it: a component whose files no longer match the fingerprint
//! recorded in the state file is reported as modified at its newest file's
//! mtime by [`DIRECT_EDIT_USER`].

use crate::org::layout::{registry, Adapter, ComponentKey};
use crate::org::soap::FileProperties;
use crate::org::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Directory (inside the org directory) holding the emulator's own state.
pub const STATE_DIR: &str = ".sfsync-emulator";
const STATE_FILE: &str = "state.json";

/// The user every API change is attributed to.
pub const API_USER_NAME: &str = "Admin User";
pub const API_USER_ID: &str = "005000000000001AAA";
/// The user a change found on disk is attributed to.
pub const DIRECT_EDIT_USER: &str = "Direct Edit";
pub const DIRECT_EDIT_USER_ID: &str = "005000000000002AAA";
/// The emulated org's id.
pub const ORG_ID: &str = "00D000000000001AAA";

/// Key prefixes of record ids (METADATA-API.md section 7).
const KEY_PREFIXES: &[(&str, &str)] = &[
    ("ApexClass", "01p"),
    ("ApexTrigger", "01q"),
    ("ApexPage", "066"),
    ("CustomObject", "01I"),
    ("CustomField", "00N"),
    ("Layout", "00h"),
    ("Profile", "00e"),
    ("PermissionSet", "0PS"),
    ("StaticResource", "081"),
    ("EmailTemplate", "00X"),
    ("Report", "00O"),
    ("Dashboard", "01Z"),
    ("Document", "015"),
    ("ReportFolder", "00l"),
    ("DashboardFolder", "00l"),
    ("DocumentFolder", "00l"),
    ("EmailFolder", "00l"),
];

/// What the state file remembers about one component.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    id: String,
    created_date: String,
    created_by_name: String,
    last_modified_date: String,
    last_modified_by_name: String,
    fingerprint: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StateFile {
    next_id: u64,
    components: BTreeMap<String, Record>,
}

/// A component found in the directory with its source files (relative, `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub key: ComponentKey,
    pub files: Vec<String>,
}

/// The org directory and its state file.
pub struct Store {
    dir: PathBuf,
    state: StateFile,
}

/// Returns the current time as Salesforce writes dateTimes.
pub fn now() -> String {
    format_timestamp(jiff::Timestamp::now())
}

fn format_timestamp(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// FNV-1a: a fingerprint that stays the same across builds (std's hasher may not).
fn fnv(hash: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *hash ^= u64::from(b);
        *hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
}

impl Store {
    /// Opens the org directory, creating it and reading the state file if any.
    pub fn open(dir: &Path) -> Result<Store, Error> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let path = dir.join(STATE_DIR).join(STATE_FILE);
        let state = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::Emulator {
                message: format!(
                    "{} is not valid: {e}; delete it to start over",
                    path.display()
                ),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => StateFile::default(),
            Err(e) => return Err(Error::io(path, e)),
        };
        Ok(Store {
            dir: dir.to_path_buf(),
            state,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn save(&self) -> Result<(), Error> {
        let dir = self.dir.join(STATE_DIR);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let path = dir.join(STATE_FILE);
        let text =
            serde_json::to_vec_pretty(&self.state).expect("the state model always serialises");
        std::fs::write(&path, text).map_err(|e| Error::io(path, e))
    }

    /// Returns every component in the directory, with its source files.
    pub fn scan(&self) -> Result<BTreeMap<ComponentKey, Vec<String>>, Error> {
        let mut files = Vec::new();
        walk(&self.dir, &self.dir, &mut files)?;
        let mut components: BTreeMap<ComponentKey, Vec<String>> = BTreeMap::new();
        for rel in files {
            if let Some(key) = crate::org::format::component_of(&rel) {
                components.entry(key).or_default().push(rel);
            }
        }
        for files in components.values_mut() {
            files.sort();
        }
        Ok(components)
    }

    /// Returns the child components (`CustomField Account.Industry`, `CustomLabel Greeting`)
    /// of a component, each with the files that hold it.
    pub fn children(&self, key: &ComponentKey, files: &[String]) -> Vec<Component> {
        let Some(info) = registry().get(&key.type_) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        match info.adapter {
            // Decomposed children are components of their own in the directory.
            Adapter::Decomposed => {}
            _ if !info.children.is_empty() => {
                for rel in files {
                    let Ok(bytes) = std::fs::read(self.dir.join(rel)) else {
                        continue;
                    };
                    let Ok(root) = crate::org::soap::parse(&bytes) else {
                        continue;
                    };
                    for child in &info.children {
                        for element in root.children_named(&child.xml_element_name) {
                            let name = element.string("fullName");
                            if name.is_empty() {
                                continue;
                            }
                            let full_name = if info.name == "CustomLabels" {
                                name
                            } else {
                                format!("{}.{name}", key.full_name)
                            };
                            out.push(Component {
                                key: ComponentKey::new(&child.name, full_name),
                                files: vec![rel.clone()],
                            });
                        }
                    }
                }
            }
            _ => {}
        }
        out
    }

    fn fingerprint(&self, files: &[String]) -> (String, Option<jiff::Timestamp>) {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let mut newest: Option<jiff::Timestamp> = None;
        for rel in files {
            let path = self.dir.join(rel);
            fnv(&mut hash, rel.as_bytes());
            fnv(&mut hash, &[0]);
            if let Ok(bytes) = std::fs::read(&path) {
                fnv(&mut hash, &bytes);
            }
            fnv(&mut hash, &[0]);
            let mtime = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| jiff::Timestamp::try_from(t).ok());
            if let Some(mtime) = mtime {
                newest = Some(newest.map_or(mtime, |n| n.max(mtime)));
            }
        }
        (format!("{hash:016x}"), newest)
    }

    fn new_id(&mut self, type_: &str) -> String {
        self.state.next_id += 1;
        let prefix = KEY_PREFIXES
            .iter()
            .find(|(t, _)| *t == type_)
            .map_or("0Xx", |(_, p)| p);
        format!("{prefix}{:012}AAA", self.state.next_id)
    }

    /// Returns the FileProperties of a component, reconciling the state file
    /// with what is on disk (new files get their mtime, edited files the
    /// direct-edit user). `file_name` is its metadata-format file name.
    pub fn properties(
        &mut self,
        key: &ComponentKey,
        files: &[String],
        file_name: String,
    ) -> FileProperties {
        let (fingerprint, newest) = self.fingerprint(files);
        let state_key = key.to_string();
        let disk_time = newest.map(format_timestamp).unwrap_or_else(now);
        let record = match self.state.components.get(&state_key) {
            Some(record) if record.fingerprint == fingerprint => record.clone(),
            Some(record) => {
                let mut record = record.clone();
                record.last_modified_date = disk_time;
                record.last_modified_by_name = DIRECT_EDIT_USER.to_string();
                record.fingerprint = fingerprint;
                self.state.components.insert(state_key, record.clone());
                record
            }
            None => {
                let record = Record {
                    id: self.new_id(&key.type_),
                    created_date: disk_time.clone(),
                    created_by_name: DIRECT_EDIT_USER.to_string(),
                    last_modified_date: disk_time,
                    last_modified_by_name: DIRECT_EDIT_USER.to_string(),
                    fingerprint,
                };
                self.state.components.insert(state_key, record.clone());
                record
            }
        };
        let user_id = |name: &str| {
            if name == API_USER_NAME {
                API_USER_ID
            } else {
                DIRECT_EDIT_USER_ID
            }
        };
        FileProperties {
            created_by_id: user_id(&record.created_by_name).to_string(),
            created_by_name: record.created_by_name.clone(),
            created_date: record.created_date,
            file_name,
            full_name: key.full_name.clone(),
            id: record.id,
            last_modified_by_id: user_id(&record.last_modified_by_name).to_string(),
            last_modified_by_name: record.last_modified_by_name,
            last_modified_date: record.last_modified_date,
            manageable_state: Some("unmanaged".to_string()),
            namespace_prefix: None,
            type_: key.type_.clone(),
        }
    }

    /// Persists reconciled records (ids handed out must stay stable).
    pub fn flush(&self) -> Result<(), Error> {
        self.save()
    }

    /// Reads a source file of the org.
    pub fn read(&self, rel: &str) -> Result<Vec<u8>, Error> {
        let path = self.dir.join(rel);
        std::fs::read(&path).map_err(|e| Error::io(path, e))
    }

    /// Replaces a component's files with `files` and records the change as
    /// made through the API. Returns true when the content changed.
    pub fn write_component(
        &mut self,
        key: &ComponentKey,
        old_files: &[String],
        files: &[(String, Vec<u8>)],
    ) -> Result<bool, Error> {
        let (before, _) = self.fingerprint(old_files);
        for rel in old_files {
            if !files.iter().any(|(f, _)| f == rel) {
                self.remove_file(rel)?;
            }
        }
        for (rel, content) in files {
            let path = self.dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            std::fs::write(&path, content).map_err(|e| Error::io(&path, e))?;
        }
        let new_files: Vec<String> = files.iter().map(|(f, _)| f.clone()).collect();
        let (after, _) = self.fingerprint(&new_files);
        let changed = before != after || old_files.is_empty();
        let time = now();
        let state_key = key.to_string();
        let created = !self.state.components.contains_key(&state_key);
        if created {
            let id = self.new_id(&key.type_);
            self.state.components.insert(
                state_key.clone(),
                Record {
                    id,
                    created_date: time.clone(),
                    created_by_name: API_USER_NAME.to_string(),
                    last_modified_date: time.clone(),
                    last_modified_by_name: API_USER_NAME.to_string(),
                    fingerprint: after.clone(),
                },
            );
        }
        if let Some(record) = self.state.components.get_mut(&state_key) {
            if changed {
                record.last_modified_date = time;
                record.last_modified_by_name = API_USER_NAME.to_string();
            }
            record.fingerprint = after;
        }
        self.save()?;
        Ok(changed)
    }

    /// Returns the record id of a component, if it has one.
    pub fn id_of(&self, key: &ComponentKey) -> Option<String> {
        self.state
            .components
            .get(&key.to_string())
            .map(|r| r.id.clone())
    }

    /// Deletes a component's files and its record.
    pub fn delete_component(&mut self, key: &ComponentKey, files: &[String]) -> Result<(), Error> {
        for rel in files {
            self.remove_file(rel)?;
        }
        self.state.components.remove(&key.to_string());
        self.save()
    }

    fn remove_file(&self, rel: &str) -> Result<(), Error> {
        let path = self.dir.join(rel);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(path, e)),
        }
        // Empty bundle and object directories go with their last file.
        let mut parent = path.parent();
        while let Some(dir) = parent {
            if dir == self.dir || std::fs::remove_dir(dir).is_err() {
                break;
            }
            parent = dir.parent();
        }
        Ok(())
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if kind.is_dir() {
            walk(root, &path, out)?;
        } else if kind.is_file() {
            if let Ok(rel) = path.strip_prefix(root) {
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(parts.join("/"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_edits_and_api_writes_are_tracked() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("classes")).unwrap();
        std::fs::write(tmp.path().join("classes/A.cls"), "public class A {}").unwrap();
        std::fs::write(tmp.path().join("classes/A.cls-meta.xml"), "<ApexClass/>").unwrap();
        let mut store = Store::open(tmp.path()).unwrap();
        let components = store.scan().unwrap();
        let key = ComponentKey::new("ApexClass", "A");
        let files = components[&key].clone();
        let first = store.properties(&key, &files, "classes/A.cls".into());
        assert_eq!(first.last_modified_by_name, DIRECT_EDIT_USER);
        assert!(
            first.id.starts_with("01p") && first.id.len() == 18,
            "{}",
            first.id
        );

        let new = vec![
            ("classes/A.cls".to_string(), b"public class A { }".to_vec()),
            (
                "classes/A.cls-meta.xml".to_string(),
                b"<ApexClass/>".to_vec(),
            ),
        ];
        assert!(store.write_component(&key, &files, &new).unwrap());
        let second = store.properties(&key, &files, "classes/A.cls".into());
        assert_eq!(second.last_modified_by_name, API_USER_NAME);
        assert_eq!(second.id, first.id);
        assert!(!store.write_component(&key, &files, &new).unwrap());

        std::fs::write(tmp.path().join("classes/A.cls"), "public class A {  }").unwrap();
        let reopened = &mut Store::open(tmp.path()).unwrap();
        let third = reopened.properties(&key, &files, "classes/A.cls".into());
        assert_eq!(third.last_modified_by_name, DIRECT_EDIT_USER);
        assert_eq!(third.id, first.id);
    }
}
