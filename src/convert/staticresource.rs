//! Static resources: a `.resource` blob in metadata format, a content file
//! (`X.js`) or an expanded directory (`X/...`) in source format.
//!
//! Zipping happens here, not in the org module, because whether a resource
//! is a directory or a file is a source-format fact.

use super::{xmlfile, Error};
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

/// Content types SDR expands into a directory.
const ZIP_TYPES: &[&str] = &[
    "application/zip",
    "application/x-zip-compressed",
    "application/x-zip",
    "application/jar",
];

/// MIME type -> extension of the source content file, as SDR's mime lookup gives them.
const EXTENSIONS: &[(&str, &str)] = &[
    ("text/javascript", "js"),
    ("application/javascript", "js"),
    ("application/x-javascript", "js"),
    ("text/css", "css"),
    ("text/html", "html"),
    ("text/plain", "txt"),
    ("text/csv", "csv"),
    ("text/xml", "xml"),
    ("application/xml", "xml"),
    ("application/json", "json"),
    ("application/pdf", "pdf"),
    ("image/png", "png"),
    ("image/jpeg", "jpeg"),
    ("image/jpg", "jpg"),
    ("image/gif", "gif"),
    ("image/svg+xml", "svg"),
    ("image/x-icon", "ico"),
    ("image/vnd.microsoft.icon", "ico"),
    ("image/webp", "webp"),
    ("font/woff", "woff"),
    ("font/woff2", "woff2"),
    ("application/font-woff", "woff"),
];

/// Returns the `<contentType>` of a static resource's meta XML.
pub fn content_type(path: &str, meta: &[u8]) -> Result<Option<String>, Error> {
    let file = xmlfile::parse(path, meta)?;
    Ok(file
        .elements
        .iter()
        .find(|e| e.name == "contentType")
        .map(|e| {
            String::from_utf8_lossy(&meta[e.inner.clone()])
                .trim()
                .to_string()
        }))
}

/// Returns true when a resource of `content_type` with these bytes is an archive to expand.
pub fn is_archive(content_type: Option<&str>, bytes: &[u8]) -> bool {
    content_type.is_some_and(|t| ZIP_TYPES.contains(&t)) && bytes.starts_with(b"PK")
}

/// Returns the extension a single-file resource of `content_type` gets in source format.
pub fn extension_for(content_type: Option<&str>) -> &'static str {
    content_type
        .and_then(|t| EXTENSIONS.iter().find(|(m, _)| *m == t))
        .map_or("bin", |(_, ext)| ext)
}

/// Zips `files` (paths relative to the resource directory) deterministically:
/// sorted entries, fixed timestamps, so the same directory gives the same bytes.
pub fn zip(path: &str, files: &BTreeMap<String, &[u8]>) -> Result<Vec<u8>, Error> {
    let fail = |e: &dyn std::fmt::Display| Error::StaticResource {
        path: path.to_string(),
        message: e.to_string(),
    };
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o644);
    for (name, bytes) in files {
        writer
            .start_file(name.as_str(), options)
            .map_err(|e| fail(&e))?;
        writer.write_all(bytes).map_err(|e| fail(&e))?;
    }
    let cursor = writer.finish().map_err(|e| fail(&e))?;
    Ok(cursor.into_inner())
}

/// Expands a zip into relative path -> bytes, rejecting the whole archive if
/// any entry is absolute, climbs out with `..`, or is a symlink.
pub fn unzip(path: &str, bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, Error> {
    let fail = |e: &dyn std::fmt::Display| Error::StaticResource {
        path: path.to_string(),
        message: e.to_string(),
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| fail(&e))?;
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| fail(&e))?;
        let name = entry.name().to_string();
        let unsafe_entry = || Error::UnsafeEntry {
            path: path.to_string(),
            entry: name.clone(),
        };
        if entry.is_symlink() || entry.enclosed_name().is_none() {
            return Err(unsafe_entry());
        }
        if name.starts_with('/') || name.split(['/', '\\']).any(|s| s == "..") {
            return Err(unsafe_entry());
        }
        if entry.is_dir() {
            continue;
        }
        let mut content = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut content).map_err(|e| fail(&e))?;
        out.insert(name.replace('\\', "/"), content);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_round_trips_and_is_deterministic() {
        let files: BTreeMap<String, &[u8]> = [
            ("css/site.css".to_string(), &b"body{}"[..]),
            ("js/app.js".to_string(), &b"let a;"[..]),
        ]
        .into_iter()
        .collect();
        let a = zip("r", &files).expect("zip");
        assert_eq!(a, zip("r", &files).expect("zip again"));
        let back = unzip("r", &a).expect("unzip");
        assert_eq!(back.len(), 2);
        assert_eq!(back["js/app.js"], b"let a;");
    }

    #[test]
    fn unsafe_entries_reject_the_whole_archive() {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        writer.start_file("ok.txt", options).expect("start");
        writer.write_all(b"x").expect("write");
        writer.start_file("../evil.txt", options).expect("start");
        writer.write_all(b"x").expect("write");
        let bytes = writer.finish().expect("finish").into_inner();
        let err = unzip("staticresources/r.resource", &bytes).expect_err("rejected");
        assert!(matches!(err, Error::UnsafeEntry { .. }), "{err}");
    }

    #[test]
    fn content_types_decide_archive_and_extension() {
        let meta = br#"<?xml version="1.0" encoding="UTF-8"?>
<StaticResource xmlns="http://soap.sforce.com/2006/04/metadata">
    <cacheControl>Public</cacheControl>
    <contentType>application/zip</contentType>
</StaticResource>
"#;
        let t = content_type("m", meta).expect("parses");
        assert_eq!(t.as_deref(), Some("application/zip"));
        assert!(is_archive(t.as_deref(), b"PK\x03\x04"));
        assert!(!is_archive(t.as_deref(), b"not a zip"));
        assert_eq!(extension_for(Some("text/javascript")), "js");
        assert_eq!(extension_for(Some("application/x-weird")), "bin");
    }
}
