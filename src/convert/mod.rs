//! Conversion between source format and metadata API format.
//!
//! Source format is what a Salesforce DX project holds (`-meta.xml`
//! sidecars, decomposed objects, bundles); metadata API format is what a
//! retrieve zip holds and a deploy zip must hold (one `.object` per object,
//! `package.xml`). Both directions are driven by the registry
//! ([`crate::metadata::Registry`]), and work on in-memory maps of relative
//! path -> bytes: zipping, unzipping and the network are the org module's job.
//!
//! # API (the contract the org client and emulator code against)
//!
//! ```text
//! /// Relative path ('/' separators) -> file content.
//! pub type Files = BTreeMap<String, Vec<u8>>;
//!
//! /// `registry` is `Registry::get()` (the embedded registry lives in a static).
//! /// Converts source files (repo-relative paths, e.g. from Project::components or a git
//! /// tree) into metadata format: the files of the zip (paths relative to the zip root,
//! /// `classes/Foo.cls`, `objects/Account.object`) and the manifest describing them.
//! /// package.xml is NOT in `files`; write `manifest.to_xml()` yourself.
//! pub fn source_to_mdapi(registry: &'static Registry, source: &Files, api_version: &str)
//!     -> Result<MdapiPackage, Error>;
//! pub struct MdapiPackage { pub files: Files, pub manifest: Manifest,
//!     pub skipped: Vec<String> /* Unknown source files: not deployable, not converted */ }
//!
//! /// Converts metadata-format files (a retrieve zip's entries, package.xml and
//! /// destructiveChanges*.xml are skipped; a wrapping `unpackaged/` folder is stripped) into
//! /// source files with repo-relative paths; files no type claims are kept as they are
//! /// under the default directory.
//! /// A component already present among `existing` (repo-relative source paths of the
//! /// project) is written where it is; anything new goes to
//! /// `<target_package_dir>/main/default/<directory>/...`.
//! pub fn mdapi_to_source(registry: &'static Registry, mdapi: &Files, target_package_dir: &str,
//!     existing: &[String]) -> Result<Files, Error>;
//!
//! /// package.xml: types sorted by name, members sorted, 4-space indent, <version>.
//! pub struct Manifest { pub types: BTreeMap<String, BTreeSet<String>>, pub version: String }
//! impl Manifest {
//!     pub fn new(version) -> Manifest;
//!     pub fn add(&mut self, component: &Component);   // folder types listed under their content type
//!     pub fn components(&self) -> Vec<Component>;     // members as components ('*' kept as a name)
//!     pub fn to_xml(&self) -> String;                 // byte-compatible with SDR
//!     pub fn parse(xml: &[u8]) -> Result<Manifest, Error>;
//! }
//!
//! /// destructiveChanges.xml for deleted components (deploy it with an empty
//! /// package.xml: `Manifest::new(version).to_xml()`).
//! pub fn destructive_manifest(components: &[Component], version: &str) -> Manifest;
//!
//! /// The addressable children inside a non-decomposed file (WorkflowRule
//! /// `Account.MyRule`, CustomLabel `Greeting`), as package.xml and retrieve results name them.
//! pub fn addressable_children(component: &Component, xml: &[u8]) -> Result<Vec<Component>, Error>;
//! ```
//!
//! Guarantee: `mdapi_to_source(source_to_mdapi(project files))` gives the
//! same files byte for byte for SDR-formatted XML (4-space indent, as `sf`
//! writes it). Errors (`convert::Error`) name the file and what is wrong.

mod manifest;
mod staticresource;
mod to_mdapi;
mod to_source;
pub mod xmlfile;

pub use manifest::{destructive_manifest, Manifest};
pub use to_mdapi::{addressable_children, source_to_mdapi, MdapiPackage};
pub use to_source::mdapi_to_source;

use std::collections::BTreeMap;

/// Relative path (`/` separators) -> file content.
pub type Files = BTreeMap<String, Vec<u8>>;

/// Why a conversion failed; every variant names the file at fault.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("{path} is not well-formed XML: {message}")]
    #[diagnostic(
        code(sfsync::convert::malformed_xml),
        help("fix the XML (an unclosed or mismatched tag is the usual cause), then convert again")
    )]
    MalformedXml { path: String, message: String },

    #[error("package.xml is not a valid manifest: {message}")]
    #[diagnostic(
        code(sfsync::convert::bad_manifest),
        help("a manifest is <Package> with <types><members>..</members><name>..</name></types> and <version>")
    )]
    BadManifest { message: String },

    #[error("static resource {path} cannot be converted: {message}")]
    #[diagnostic(
        code(sfsync::convert::static_resource),
        help("a static resource whose contentType is a zip must hold a valid zip archive")
    )]
    StaticResource { path: String, message: String },

    #[error("archive {path} holds an unsafe entry `{entry}` (absolute, `..`, or a link)")]
    #[diagnostic(
        code(sfsync::convert::unsafe_entry),
        help("nothing was written; the archive must only hold relative paths inside it")
    )]
    UnsafeEntry { path: String, entry: String },
}
