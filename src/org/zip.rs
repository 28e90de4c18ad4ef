//! Zip archives in and out of the Metadata API, read defensively.
//!
//! A retrieved zip comes from the network: before a single byte is written,
//! every entry is checked (no absolute path, no `..`, no symlink, no entry over
//! the size cap) and the whole archive is inflated in memory under a total cap,
//! so that a lying header or a decompression bomb is refused whole.

use super::Error;
use std::io::{Read, Write};

/// The Metadata API's unzipped size limit (600 MB).
pub const MAX_TOTAL_UNZIPPED: u64 = 629_145_600;
/// The largest single entry we accept.
pub const MAX_ENTRY: u64 = 100 * 1024 * 1024;
/// Files per deploy or retrieve.
pub const MAX_FILES: usize = 10_000;
/// Compressed zip size per deploy (base64 must fit the 50 MB SOAP message).
pub const MAX_ZIP_BYTES: usize = 39_000_000;

/// Caps applied while reading an archive.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_entry: u64,
    pub max_total: u64,
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entry: MAX_ENTRY,
            max_total: MAX_TOTAL_UNZIPPED,
            // Retrieves are split at 10,000 files; a zip also carries meta files.
            max_entries: 4 * MAX_FILES,
        }
    }
}

/// One file of an archive: its `/`-separated relative path and content.
pub type Entry = (String, Vec<u8>);

fn unsafe_entry(entry: &str, reason: impl Into<String>) -> Error {
    Error::UnsafeZip {
        entry: entry.to_string(),
        reason: reason.into(),
    }
}

/// Checks that an entry name stays inside the extraction directory.
fn check_name(name: &str) -> Result<(), Error> {
    if name.is_empty() {
        return Err(unsafe_entry(name, "has an empty name"));
    }
    if name.starts_with('/') || name.starts_with('\\') {
        return Err(unsafe_entry(name, "is an absolute path"));
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        return Err(unsafe_entry(name, "is an absolute Windows path"));
    }
    if name.contains('\0') {
        return Err(unsafe_entry(name, "contains a NUL byte"));
    }
    if name.split(['/', '\\']).any(|part| part == "..") {
        return Err(unsafe_entry(name, "climbs out of the target with '..'"));
    }
    Ok(())
}

/// Reads every file of an archive into memory, refusing the whole archive on
/// the first unsafe entry. Directory entries are skipped.
pub fn read(bytes: &[u8], limits: Limits) -> Result<Vec<Entry>, Error> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| Error::Zip {
            message: format!("cannot open the archive: {e}"),
        })?;
    if archive.len() > limits.max_entries {
        return Err(unsafe_entry(
            "(archive)",
            format!(
                "holds {} entries, over the limit of {}",
                archive.len(),
                limits.max_entries
            ),
        ));
    }
    // First pass: names, kinds and declared sizes, without inflating anything.
    let mut declared_total: u64 = 0;
    for i in 0..archive.len() {
        let file = archive.by_index_raw(i).map_err(|e| Error::Zip {
            message: format!("cannot read entry {i}: {e}"),
        })?;
        let name = file.name().to_string();
        check_name(&name)?;
        if file.is_symlink() {
            return Err(unsafe_entry(&name, "is a symbolic link"));
        }
        if file.size() > limits.max_entry {
            return Err(unsafe_entry(
                &name,
                format!(
                    "is {} bytes unzipped, over the cap of {}",
                    file.size(),
                    limits.max_entry
                ),
            ));
        }
        declared_total = declared_total.saturating_add(file.size());
        if declared_total > limits.max_total {
            return Err(unsafe_entry(
                &name,
                format!(
                    "brings the archive over {} bytes unzipped",
                    limits.max_total
                ),
            ));
        }
    }
    // Second pass: inflate under the caps, since headers can lie.
    let mut entries = Vec::new();
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let file = archive.by_index(i).map_err(|e| Error::Zip {
            message: format!("cannot read entry {i}: {e}"),
        })?;
        if file.is_dir() {
            continue;
        }
        let name = file.name().replace('\\', "/");
        let mut content = Vec::new();
        file.take(limits.max_entry + 1)
            .read_to_end(&mut content)
            .map_err(|e| Error::Zip {
                message: format!("cannot inflate {name}: {e}"),
            })?;
        if content.len() as u64 > limits.max_entry {
            return Err(unsafe_entry(
                &name,
                format!("inflates past the cap of {} bytes", limits.max_entry),
            ));
        }
        total += content.len() as u64;
        if total > limits.max_total {
            return Err(unsafe_entry(
                &name,
                format!("inflates the archive past {} bytes", limits.max_total),
            ));
        }
        entries.push((name, content));
    }
    Ok(entries)
}

/// Writes already-checked entries under `dir`.
pub fn extract(entries: &[Entry], dir: &std::path::Path) -> Result<(), Error> {
    for (name, _) in entries {
        check_name(name)?;
    }
    for (name, content) in entries {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::write(&path, content).map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}

/// Builds a deflated zip from entries, in the given order.
pub fn write(entries: &[Entry]) -> Result<Vec<u8>, Error> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o644);
    let fail = |e: &dyn std::fmt::Display| Error::Zip {
        message: format!("cannot build the archive: {e}"),
    };
    for (name, content) in entries {
        out.start_file(name.as_str(), options)
            .map_err(|e| fail(&e))?;
        out.write_all(content).map_err(|e| fail(&e))?;
    }
    let cursor = out.finish().map_err(|e| fail(&e))?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_with(names: &[&str]) -> Vec<u8> {
        let entries: Vec<Entry> = names
            .iter()
            .map(|n| (n.to_string(), b"x".to_vec()))
            .collect();
        write(&entries).unwrap()
    }

    #[test]
    fn round_trips_entries() {
        let entries = vec![
            ("package.xml".to_string(), b"<Package/>".to_vec()),
            ("classes/A.cls".to_string(), b"public class A {}".to_vec()),
        ];
        assert_eq!(
            read(&write(&entries).unwrap(), Limits::default()).unwrap(),
            entries
        );
    }

    #[test]
    fn refuses_traversal_and_absolute_paths_whole() {
        for bad in [
            "../evil.cls",
            "classes/../../evil",
            "/etc/passwd",
            "C:/x",
            "a\\..\\b",
        ] {
            let err = read(&zip_with(&["classes/A.cls", bad]), Limits::default()).unwrap_err();
            assert!(matches!(err, Error::UnsafeZip { .. }), "{bad}: {err}");
        }
    }

    #[test]
    fn refuses_symlinks() {
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        out.add_symlink(
            "classes/link",
            "/etc/passwd",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        let bytes = out.finish().unwrap().into_inner();
        let err = read(&bytes, Limits::default()).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
    }

    #[test]
    fn refuses_entries_and_totals_over_the_caps() {
        let big = vec![("a".to_string(), vec![0u8; 10_000])];
        let bytes = write(&big).unwrap();
        let small_entry = Limits {
            max_entry: 1000,
            ..Limits::default()
        };
        assert!(matches!(
            read(&bytes, small_entry),
            Err(Error::UnsafeZip { .. })
        ));
        let two = vec![
            ("a".to_string(), vec![0u8; 600]),
            ("b".to_string(), vec![0u8; 600]),
        ];
        let small_total = Limits {
            max_total: 1000,
            ..Limits::default()
        };
        let err = read(&write(&two).unwrap(), small_total).unwrap_err();
        assert!(err.to_string().contains("'b'"), "{err}");
    }
}
