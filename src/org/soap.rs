//! The SOAP layer of the Metadata API: envelopes, a tolerant XML reader, and
//! the WSDL's message types in both directions.
//!
//! Both the client and the emulator use this module: the client writes requests
//! and reads responses, the emulator reads requests and writes responses. Writing
//! follows the WSDL exactly (names, child order, namespace
//! `http://soap.sforce.com/2006/04/metadata`); reading is lenient the way real
//! servers and clients are: namespace-aware but prefix-agnostic, child order
//! ignored, one element read as a one-item list, `xsi:nil` and unknown elements
//! tolerated, request variants (`request` for `retrieveRequest`, `id` for
//! `String`) accepted.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use std::fmt::Write as _;

/// Namespace of every Metadata API body element (no version, ever).
pub const METADATA_NS: &str = "http://soap.sforce.com/2006/04/metadata";
/// SOAP 1.1 envelope namespace.
pub const SOAPENV_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// XML Schema instance namespace (`xsi:nil`).
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// One parsed XML element: its namespace, local name, text and children.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Element {
    pub namespace: Option<String>,
    pub name: String,
    /// Concatenated text content (entities resolved).
    pub text: String,
    /// True when the element carries `xsi:nil="true"`.
    pub nil: bool,
    pub children: Vec<Element>,
}

impl Element {
    /// Returns the first child with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Returns every child with this local name, in document order.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Returns the text of the first child with this name, `None` when absent or nil.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).filter(|c| !c.nil).map(|c| c.text.as_str())
    }

    /// Returns the text of a child, or an empty string.
    pub fn string(&self, name: &str) -> String {
        self.text_of(name).unwrap_or_default().trim().to_string()
    }

    /// Returns the text of a child when present and not empty.
    pub fn opt_string(&self, name: &str) -> Option<String> {
        self.text_of(name)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    /// Returns every child's text for a repeated element.
    pub fn strings(&self, name: &str) -> Vec<String> {
        self.children_named(name)
            .filter(|c| !c.nil)
            .map(|c| c.text.trim().to_string())
            .collect()
    }

    /// Reads a boolean child: `true`/`1` are true; absent or anything else is `default`.
    pub fn bool_or(&self, name: &str, default: bool) -> bool {
        match self.text_of(name).map(str::trim) {
            Some("true") | Some("1") => true,
            Some("false") | Some("0") => false,
            _ => default,
        }
    }

    /// Reads an integer child; absent or malformed is 0.
    pub fn int(&self, name: &str) -> i64 {
        self.text_of(name)
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Reads an optional integer child.
    pub fn opt_int(&self, name: &str) -> Option<i64> {
        self.text_of(name).and_then(|t| t.trim().parse().ok())
    }
}

/// Why a document is not XML we can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
    /// Byte offset of the problem, when known.
    pub position: Option<u64>,
}

fn parse_error(message: impl Into<String>) -> ParseError {
    ParseError {
        message: message.into(),
        position: None,
    }
}

/// Parses a whole XML document into its root element.
pub fn parse(xml: &[u8]) -> Result<Element, ParseError> {
    let text = std::str::from_utf8(xml).map_err(|e| parse_error(format!("not UTF-8: {e}")))?;
    let mut reader = NsReader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let (resolved, event) = match reader.read_resolved_event() {
            Ok(read) => read,
            Err(e) => {
                let message = e.to_string();
                return Err(ParseError {
                    message,
                    position: Some(reader.error_position()),
                });
            }
        };
        let namespace = match resolved {
            ResolveResult::Bound(ns) => Some(String::from_utf8_lossy(ns.as_ref()).into_owned()),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(prefix) => {
                return Err(parse_error(format!(
                    "undeclared namespace prefix '{}'",
                    String::from_utf8_lossy(&prefix)
                )))
            }
        };
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() => {
                let _ = start;
                return Err(parse_error("content after the root element"));
            }
            Event::Start(ref start) | Event::Empty(ref start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                let mut nil = false;
                for attr in start.attributes() {
                    let attr = attr.map_err(|e| parse_error(format!("bad attribute: {e}")))?;
                    let (attr_ns, local) = reader.resolve_attribute(attr.key);
                    let is_xsi = matches!(attr_ns, ResolveResult::Bound(ns) if ns.as_ref() == XSI_NS.as_bytes());
                    if is_xsi && local.as_ref() == b"nil" {
                        let value = attr
                            .unescape_value()
                            .map_err(|e| parse_error(format!("bad attribute value: {e}")))?;
                        nil = value.trim() == "true" || value.trim() == "1";
                    }
                }
                let element = Element {
                    namespace,
                    name,
                    nil,
                    ..Element::default()
                };
                if matches!(event, Event::Empty(_)) {
                    attach(&mut stack, &mut root, element);
                } else {
                    stack.push(element);
                }
            }
            Event::End(_) => {
                let element = stack
                    .pop()
                    .ok_or_else(|| parse_error("closing tag without an opening tag"))?;
                attach(&mut stack, &mut root, element);
            }
            Event::Text(text) => {
                if let Some(top) = stack.last_mut() {
                    let decoded = text
                        .decode()
                        .map_err(|e| parse_error(format!("bad text: {e}")))?;
                    top.text.push_str(&decoded);
                } else if !text.iter().all(u8::is_ascii_whitespace) {
                    return Err(parse_error("text outside the root element"));
                }
            }
            Event::CData(data) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&data));
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference
                    .resolve_char_ref()
                    .map_err(|e| parse_error(format!("bad character reference: {e}")))?
                {
                    Some(c) => c.to_string(),
                    None => {
                        let name = reference
                            .decode()
                            .map_err(|e| parse_error(format!("bad entity: {e}")))?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| parse_error(format!("unknown entity &{name};")))?
                            .to_string()
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(parse_error("the document ends inside an element"));
    }
    root.ok_or_else(|| parse_error("the document has no root element"))
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

/// A SOAP request as the emulator sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub session_id: Option<String>,
    /// The first element of the Body: the operation.
    pub operation: Element,
}

/// Parses a SOAP request envelope; the error text becomes a `soapenv:Client` fault.
pub fn parse_request(xml: &[u8]) -> Result<Request, ParseError> {
    let envelope = parse(xml)?;
    if envelope.name != "Envelope" || envelope.namespace.as_deref() != Some(SOAPENV_NS) {
        return Err(parse_error("the root element is not a SOAP 1.1 Envelope"));
    }
    let session_id = envelope
        .child("Header")
        .and_then(|h| h.child("SessionHeader"))
        .and_then(|s| s.opt_string("sessionId"));
    let body = envelope
        .child("Body")
        .ok_or_else(|| parse_error("the envelope has no Body"))?;
    let operation = body
        .children
        .first()
        .cloned()
        .ok_or_else(|| parse_error("the Body is empty"))?;
    if operation.namespace.as_deref() != Some(METADATA_NS) {
        return Err(parse_error(format!(
            "the operation element '{}' is not in namespace {METADATA_NS}",
            operation.name
        )));
    }
    Ok(Request {
        session_id,
        operation,
    })
}

/// A SOAP fault: the code without its prefix and the fault string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub code: String,
    pub message: String,
}

/// Reads a response envelope: the operation's `<xxxResponse>` element, or the fault.
pub fn parse_response(xml: &[u8]) -> Result<Result<Element, Fault>, ParseError> {
    let envelope = parse(xml)?;
    if envelope.name != "Envelope" {
        return Err(parse_error(format!(
            "expected a SOAP Envelope, found <{}>",
            envelope.name
        )));
    }
    let body = envelope
        .child("Body")
        .ok_or_else(|| parse_error("the envelope has no Body"))?;
    let first = body
        .children
        .first()
        .ok_or_else(|| parse_error("the Body is empty"))?;
    if first.name == "Fault" {
        let raw_code = first.string("faultcode");
        let code = raw_code
            .rsplit_once(':')
            .map_or(raw_code.as_str(), |(_, c)| c)
            .to_string();
        return Ok(Err(Fault {
            code,
            message: first.string("faultstring"),
        }));
    }
    Ok(Ok(first.clone()))
}

/// Escapes text for element content.
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(text)
}

/// Builds XML text with one namespace prefix (or none) for every element.
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
    prefix: &'static str,
}

impl Writer {
    /// Returns a writer whose elements carry `prefix` (`"md:"` or `""`).
    pub fn new(prefix: &'static str) -> Writer {
        Writer {
            out: String::new(),
            prefix,
        }
    }

    pub fn open(&mut self, name: &str) {
        let _ = write!(self.out, "<{}{name}>", self.prefix);
    }

    pub fn close(&mut self, name: &str) {
        let _ = write!(self.out, "</{}{name}>", self.prefix);
    }

    /// Writes `<name>text</name>`.
    pub fn leaf(&mut self, name: &str, text: &str) {
        let _ = write!(
            self.out,
            "<{p}{name}>{}</{p}{name}>",
            escape(text),
            p = self.prefix
        );
    }

    pub fn leaf_bool(&mut self, name: &str, value: bool) {
        self.leaf(name, if value { "true" } else { "false" });
    }

    pub fn leaf_int(&mut self, name: &str, value: i64) {
        self.leaf(name, &value.to_string());
    }

    /// Writes the element when the value is present (WSDL `minOccurs="0"`).
    pub fn opt(&mut self, name: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.leaf(name, value);
        }
    }

    pub fn nil(&mut self, name: &str) {
        let _ = write!(self.out, "<{}{name} xsi:nil=\"true\"/>", self.prefix);
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// Wraps an operation element (written with prefix `md:`) in a request envelope.
pub fn request_envelope(session_id: &str, client: &str, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<soapenv:Envelope xmlns:soapenv=\"{SOAPENV_NS}\" xmlns:xsi=\"{XSI_NS}\" xmlns:md=\"{METADATA_NS}\">\
<soapenv:Header><md:SessionHeader><md:sessionId>{}</md:sessionId></md:SessionHeader>\
<md:CallOptions><md:client>{}</md:client></md:CallOptions></soapenv:Header>\
<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>",
        escape(session_id),
        escape(client)
    )
}

/// Wraps a response element (written without prefix) in a response envelope
/// whose default namespace is the Metadata namespace, as Salesforce answers.
pub fn response_envelope(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<soapenv:Envelope xmlns:soapenv=\"{SOAPENV_NS}\" xmlns=\"{METADATA_NS}\" xmlns:xsi=\"{XSI_NS}\">\
<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    )
}

/// Renders a SOAP 1.1 fault envelope (sent with HTTP 500).
pub fn fault_envelope(code: &str, message: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<soapenv:Envelope xmlns:soapenv=\"{SOAPENV_NS}\" xmlns:sf=\"{METADATA_NS}\">\
<soapenv:Body><soapenv:Fault><faultcode>{}</faultcode><faultstring>{}</faultstring>\
</soapenv:Fault></soapenv:Body></soapenv:Envelope>",
        escape(code),
        escape(message)
    )
}

// ---------------------------------------------------------------------------
// Message types. `write` emits WSDL order; `read` is tolerant.

/// `<types>` of a Package: one metadata type and its members.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PackageTypeMembers {
    pub members: Vec<String>,
    pub name: String,
}

/// A package manifest (`package.xml` and `RetrieveRequest.unpackaged`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Package {
    pub types: Vec<PackageTypeMembers>,
    pub version: String,
}

impl Package {
    pub fn read(e: &Element) -> Package {
        Package {
            types: e
                .children_named("types")
                .map(|t| PackageTypeMembers {
                    members: t.strings("members"),
                    name: t.string("name"),
                })
                .collect(),
            version: e.string("version"),
        }
    }

    pub fn write(&self, w: &mut Writer) {
        for t in &self.types {
            w.open("types");
            for m in &t.members {
                w.leaf("members", m);
            }
            w.leaf("name", &t.name);
            w.close("types");
        }
        w.leaf("version", &self.version);
    }

    /// Renders a `package.xml` file as the Salesforce CLI writes it.
    pub fn to_manifest(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(out, "<Package xmlns=\"{METADATA_NS}\">");
        for t in &self.types {
            out.push_str("    <types>\n");
            for m in &t.members {
                let _ = writeln!(out, "        <members>{}</members>", escape(m));
            }
            let _ = writeln!(out, "        <name>{}</name>", escape(&t.name));
            out.push_str("    </types>\n");
        }
        let _ = writeln!(out, "    <version>{}</version>", escape(&self.version));
        out.push_str("</Package>\n");
        out
    }

    /// Parses a `package.xml` file.
    pub fn from_manifest(xml: &[u8]) -> Result<Package, ParseError> {
        let root = parse(xml)?;
        if root.name != "Package" {
            return Err(parse_error(format!(
                "expected <Package>, found <{}>",
                root.name
            )));
        }
        Ok(Package::read(&root))
    }
}

/// `retrieve(RetrieveRequest)`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RetrieveRequest {
    pub api_version: String,
    pub package_names: Vec<String>,
    pub single_package: bool,
    pub specific_files: Vec<String>,
    pub unpackaged: Option<Package>,
}

impl RetrieveRequest {
    /// Reads the operation element `<retrieve>`; accepts `retrieveRequest` and `request`.
    pub fn read(op: &Element) -> Option<RetrieveRequest> {
        let r = op
            .child("retrieveRequest")
            .or_else(|| op.child("request"))?;
        Some(RetrieveRequest {
            api_version: r.string("apiVersion"),
            package_names: r.strings("packageNames"),
            single_package: r.bool_or("singlePackage", false),
            specific_files: r.strings("specificFiles"),
            unpackaged: r.child("unpackaged").map(Package::read),
        })
    }

    /// Writes the whole `<md:retrieve>` operation.
    pub fn write(&self) -> String {
        let mut w = Writer::new("md:");
        w.open("retrieve");
        w.open("retrieveRequest");
        w.leaf("apiVersion", &self.api_version);
        for p in &self.package_names {
            w.leaf("packageNames", p);
        }
        w.leaf_bool("singlePackage", self.single_package);
        for f in &self.specific_files {
            w.leaf("specificFiles", f);
        }
        if let Some(package) = &self.unpackaged {
            w.open("unpackaged");
            package.write(&mut w);
            w.close("unpackaged");
        }
        w.close("retrieveRequest");
        w.close("retrieve");
        w.finish()
    }
}

/// `AsyncResult`: the answer to retrieve and deploy.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AsyncResult {
    pub done: bool,
    pub id: String,
    pub message: Option<String>,
    pub state: String,
    pub status_code: Option<String>,
}

impl AsyncResult {
    pub fn read(e: &Element) -> AsyncResult {
        AsyncResult {
            done: e.bool_or("done", false),
            id: e.string("id"),
            message: e.opt_string("message"),
            state: e.string("state"),
            status_code: e.opt_string("statusCode"),
        }
    }

    pub fn write(&self, w: &mut Writer) {
        w.open("result");
        w.leaf_bool("done", self.done);
        w.leaf("id", &self.id);
        w.opt("message", self.message.as_deref());
        w.leaf("state", &self.state);
        w.opt("statusCode", self.status_code.as_deref());
        w.close("result");
    }
}

/// `FileProperties`: one component as listMetadata and retrieve report it.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileProperties {
    pub created_by_id: String,
    pub created_by_name: String,
    pub created_date: String,
    pub file_name: String,
    pub full_name: String,
    pub id: String,
    pub last_modified_by_id: String,
    pub last_modified_by_name: String,
    pub last_modified_date: String,
    pub manageable_state: Option<String>,
    pub namespace_prefix: Option<String>,
    #[serde(rename = "type")]
    pub type_: String,
}

impl FileProperties {
    pub fn read(e: &Element) -> FileProperties {
        FileProperties {
            created_by_id: e.string("createdById"),
            created_by_name: e.string("createdByName"),
            created_date: e.string("createdDate"),
            file_name: e.string("fileName"),
            full_name: e.string("fullName"),
            id: e.string("id"),
            last_modified_by_id: e.string("lastModifiedById"),
            last_modified_by_name: e.string("lastModifiedByName"),
            last_modified_date: e.string("lastModifiedDate"),
            manageable_state: e.opt_string("manageableState"),
            namespace_prefix: e.opt_string("namespacePrefix"),
            type_: e.string("type"),
        }
    }

    pub fn write(&self, w: &mut Writer, tag: &str) {
        w.open(tag);
        w.leaf("createdById", &self.created_by_id);
        w.leaf("createdByName", &self.created_by_name);
        w.leaf("createdDate", &self.created_date);
        w.leaf("fileName", &self.file_name);
        w.leaf("fullName", &self.full_name);
        w.leaf("id", &self.id);
        w.leaf("lastModifiedById", &self.last_modified_by_id);
        w.leaf("lastModifiedByName", &self.last_modified_by_name);
        w.leaf("lastModifiedDate", &self.last_modified_date);
        w.opt("manageableState", self.manageable_state.as_deref());
        w.opt("namespacePrefix", self.namespace_prefix.as_deref());
        w.leaf("type", &self.type_);
        w.close(tag);
    }
}

/// `RetrieveMessage`: a problem with one requested file or component.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RetrieveMessage {
    pub file_name: String,
    pub problem: String,
}

/// `RetrieveResult`: the answer to checkRetrieveStatus.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RetrieveResult {
    pub done: bool,
    pub error_message: Option<String>,
    pub error_status_code: Option<String>,
    pub file_properties: Vec<FileProperties>,
    pub id: String,
    pub messages: Vec<RetrieveMessage>,
    pub status: String,
    pub success: bool,
    /// Base64 zip; `None` when nil, absent or not asked for.
    pub zip_file: Option<String>,
}

impl RetrieveResult {
    pub fn read(e: &Element) -> RetrieveResult {
        RetrieveResult {
            done: e.bool_or("done", false),
            error_message: e.opt_string("errorMessage"),
            error_status_code: e.opt_string("errorStatusCode"),
            file_properties: e
                .children_named("fileProperties")
                .map(FileProperties::read)
                .collect(),
            id: e.string("id"),
            messages: e
                .children_named("messages")
                .map(|m| RetrieveMessage {
                    file_name: m.string("fileName"),
                    problem: m.string("problem"),
                })
                .collect(),
            status: e.string("status"),
            success: e.bool_or("success", false),
            zip_file: e.opt_string("zipFile"),
        }
    }

    pub fn write(&self, w: &mut Writer) {
        w.open("result");
        w.leaf_bool("done", self.done);
        w.opt("errorMessage", self.error_message.as_deref());
        w.opt("errorStatusCode", self.error_status_code.as_deref());
        for p in &self.file_properties {
            p.write(w, "fileProperties");
        }
        w.leaf("id", &self.id);
        for m in &self.messages {
            w.open("messages");
            w.leaf("fileName", &m.file_name);
            w.leaf("problem", &m.problem);
            w.close("messages");
        }
        w.leaf("status", &self.status);
        w.leaf_bool("success", self.success);
        match &self.zip_file {
            Some(zip) => w.leaf("zipFile", zip),
            None => w.nil("zipFile"),
        }
        w.close("result");
    }
}

/// The test levels of `DeployOptions.testLevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum TestLevel {
    #[default]
    NoTestRun,
    RunSpecifiedTests,
    RunLocalTests,
    RunAllTestsInOrg,
}

impl TestLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            TestLevel::NoTestRun => "NoTestRun",
            TestLevel::RunSpecifiedTests => "RunSpecifiedTests",
            TestLevel::RunLocalTests => "RunLocalTests",
            TestLevel::RunAllTestsInOrg => "RunAllTestsInOrg",
        }
    }

    /// Parses a WSDL test level name.
    pub fn parse(text: &str) -> Option<TestLevel> {
        [
            TestLevel::NoTestRun,
            TestLevel::RunSpecifiedTests,
            TestLevel::RunLocalTests,
            TestLevel::RunAllTestsInOrg,
        ]
        .into_iter()
        .find(|l| l.as_str().eq_ignore_ascii_case(text))
    }
}

/// `DeployOptions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployOptions {
    pub allow_missing_files: bool,
    pub check_only: bool,
    pub ignore_warnings: bool,
    pub purge_on_delete: bool,
    pub rollback_on_error: bool,
    pub run_tests: Vec<String>,
    pub single_package: bool,
    pub test_level: Option<TestLevel>,
}

impl Default for DeployOptions {
    /// Returns the Salesforce CLI's defaults for a source deploy.
    fn default() -> Self {
        DeployOptions {
            allow_missing_files: false,
            check_only: false,
            ignore_warnings: false,
            purge_on_delete: false,
            rollback_on_error: true,
            run_tests: Vec::new(),
            single_package: true,
            test_level: None,
        }
    }
}

impl DeployOptions {
    pub fn read(e: &Element) -> DeployOptions {
        DeployOptions {
            allow_missing_files: e.bool_or("allowMissingFiles", false),
            check_only: e.bool_or("checkOnly", false),
            ignore_warnings: e.bool_or("ignoreWarnings", false),
            purge_on_delete: e.bool_or("purgeOnDelete", false),
            // The WSDL has no default; an omitted flag means false on the wire.
            rollback_on_error: e.bool_or("rollbackOnError", false),
            run_tests: e.strings("runTests"),
            single_package: e.bool_or("singlePackage", false),
            test_level: e
                .text_of("testLevel")
                .and_then(|t| TestLevel::parse(t.trim())),
        }
    }

    pub fn write(&self, w: &mut Writer) {
        w.open("DeployOptions");
        w.leaf_bool("allowMissingFiles", self.allow_missing_files);
        w.leaf_bool("autoUpdatePackage", false);
        w.leaf_bool("checkOnly", self.check_only);
        w.leaf_bool("ignoreWarnings", self.ignore_warnings);
        w.leaf_bool("performRetrieve", false);
        w.leaf_bool("purgeOnDelete", self.purge_on_delete);
        w.leaf_bool("rollbackOnError", self.rollback_on_error);
        for t in &self.run_tests {
            w.leaf("runTests", t);
        }
        w.leaf_bool("singlePackage", self.single_package);
        if let Some(level) = self.test_level {
            w.leaf("testLevel", level.as_str());
        }
        w.close("DeployOptions");
    }
}

/// Writes the whole `<md:deploy>` operation.
pub fn write_deploy(zip_base64: &str, options: &DeployOptions) -> String {
    let mut w = Writer::new("md:");
    w.open("deploy");
    w.leaf("ZipFile", zip_base64);
    options.write(&mut w);
    w.close("deploy");
    w.finish()
}

/// `DeployMessage`: one component's outcome in a deploy.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployMessage {
    pub changed: bool,
    pub column_number: Option<i64>,
    pub component_type: String,
    pub created: bool,
    pub created_date: String,
    pub deleted: bool,
    pub file_name: String,
    pub full_name: String,
    pub id: Option<String>,
    pub line_number: Option<i64>,
    pub problem: Option<String>,
    pub problem_type: Option<String>,
    pub success: bool,
}

impl DeployMessage {
    pub fn read(e: &Element) -> DeployMessage {
        DeployMessage {
            changed: e.bool_or("changed", false),
            column_number: e.opt_int("columnNumber"),
            component_type: e.string("componentType"),
            created: e.bool_or("created", false),
            created_date: e.string("createdDate"),
            deleted: e.bool_or("deleted", false),
            file_name: e.string("fileName"),
            full_name: e.string("fullName"),
            id: e.opt_string("id"),
            line_number: e.opt_int("lineNumber"),
            problem: e.opt_string("problem"),
            problem_type: e.opt_string("problemType"),
            success: e.bool_or("success", false),
        }
    }

    pub fn write(&self, w: &mut Writer, tag: &str) {
        w.open(tag);
        w.leaf_bool("changed", self.changed);
        if let Some(c) = self.column_number {
            w.leaf_int("columnNumber", c);
        }
        w.leaf("componentType", &self.component_type);
        w.leaf_bool("created", self.created);
        w.leaf("createdDate", &self.created_date);
        w.leaf_bool("deleted", self.deleted);
        w.leaf("fileName", &self.file_name);
        w.leaf("fullName", &self.full_name);
        w.opt("id", self.id.as_deref());
        if let Some(l) = self.line_number {
            w.leaf_int("lineNumber", l);
        }
        w.opt("problem", self.problem.as_deref());
        w.opt("problemType", self.problem_type.as_deref());
        w.leaf_bool("success", self.success);
        w.close(tag);
    }
}

/// `DeployResult`: the answer to checkDeployStatus.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeployResult {
    pub canceled_by: Option<String>,
    pub canceled_by_name: Option<String>,
    pub check_only: bool,
    pub completed_date: Option<String>,
    pub created_by: String,
    pub created_by_name: String,
    pub created_date: String,
    pub component_failures: Vec<DeployMessage>,
    pub component_successes: Vec<DeployMessage>,
    pub done: bool,
    pub error_message: Option<String>,
    pub error_status_code: Option<String>,
    pub id: String,
    pub ignore_warnings: bool,
    pub last_modified_date: Option<String>,
    pub number_component_errors: i64,
    pub number_components_deployed: i64,
    pub number_components_total: i64,
    pub number_test_errors: i64,
    pub number_tests_completed: i64,
    pub number_tests_total: i64,
    pub rollback_on_error: bool,
    pub run_tests_enabled: bool,
    pub start_date: Option<String>,
    pub state_detail: Option<String>,
    /// Kept as text: statuses outside the WSDL (`Finalizing`) exist.
    pub status: String,
    pub success: bool,
}

impl DeployResult {
    pub fn read(e: &Element) -> DeployResult {
        let details = e.child("details");
        let messages = |name: &str| {
            details
                .map(|d| d.children_named(name).map(DeployMessage::read).collect())
                .unwrap_or_default()
        };
        DeployResult {
            canceled_by: e.opt_string("canceledBy"),
            canceled_by_name: e.opt_string("canceledByName"),
            check_only: e.bool_or("checkOnly", false),
            completed_date: e.opt_string("completedDate"),
            created_by: e.string("createdBy"),
            created_by_name: e.string("createdByName"),
            created_date: e.string("createdDate"),
            component_failures: messages("componentFailures"),
            component_successes: messages("componentSuccesses"),
            done: e.bool_or("done", false),
            error_message: e.opt_string("errorMessage"),
            error_status_code: e.opt_string("errorStatusCode"),
            id: e.string("id"),
            ignore_warnings: e.bool_or("ignoreWarnings", false),
            last_modified_date: e.opt_string("lastModifiedDate"),
            number_component_errors: e.int("numberComponentErrors"),
            number_components_deployed: e.int("numberComponentsDeployed"),
            number_components_total: e.int("numberComponentsTotal"),
            number_test_errors: e.int("numberTestErrors"),
            number_tests_completed: e.int("numberTestsCompleted"),
            number_tests_total: e.int("numberTestsTotal"),
            rollback_on_error: e.bool_or("rollbackOnError", false),
            run_tests_enabled: e.bool_or("runTestsEnabled", false),
            start_date: e.opt_string("startDate"),
            state_detail: e.opt_string("stateDetail"),
            status: e.string("status"),
            success: e.bool_or("success", false),
        }
    }

    /// Writes `<result>`; `details` decides whether the component lists go out.
    pub fn write(&self, w: &mut Writer, details: bool) {
        w.open("result");
        w.opt("canceledBy", self.canceled_by.as_deref());
        w.opt("canceledByName", self.canceled_by_name.as_deref());
        w.leaf_bool("checkOnly", self.check_only);
        w.opt("completedDate", self.completed_date.as_deref());
        w.leaf("createdBy", &self.created_by);
        w.leaf("createdByName", &self.created_by_name);
        w.leaf("createdDate", &self.created_date);
        w.open("details");
        if details {
            for m in &self.component_failures {
                m.write(w, "componentFailures");
            }
            for m in &self.component_successes {
                m.write(w, "componentSuccesses");
            }
        }
        w.open("runTestResult");
        w.leaf_int("numFailures", 0);
        w.leaf_int("numTestsRun", 0);
        w.leaf("totalTime", "0.0");
        w.close("runTestResult");
        w.close("details");
        w.leaf_bool("done", self.done);
        w.opt("errorMessage", self.error_message.as_deref());
        w.opt("errorStatusCode", self.error_status_code.as_deref());
        w.leaf("id", &self.id);
        w.leaf_bool("ignoreWarnings", self.ignore_warnings);
        w.opt("lastModifiedDate", self.last_modified_date.as_deref());
        w.leaf_int("numberComponentErrors", self.number_component_errors);
        w.leaf_int("numberComponentsDeployed", self.number_components_deployed);
        w.leaf_int("numberComponentsTotal", self.number_components_total);
        w.leaf_int("numberTestErrors", self.number_test_errors);
        w.leaf_int("numberTestsCompleted", self.number_tests_completed);
        w.leaf_int("numberTestsTotal", self.number_tests_total);
        w.leaf_bool("rollbackOnError", self.rollback_on_error);
        w.leaf_bool("runTestsEnabled", self.run_tests_enabled);
        w.opt("startDate", self.start_date.as_deref());
        w.opt("stateDetail", self.state_detail.as_deref());
        w.leaf("status", &self.status);
        w.leaf_bool("success", self.success);
        w.close("result");
    }
}

/// `ListMetadataQuery`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListMetadataQuery {
    pub folder: Option<String>,
    pub type_: String,
}

/// Writes `<md:listMetadata>` for at most three queries (the API's limit).
pub fn write_list_metadata(queries: &[ListMetadataQuery], as_of_version: &str) -> String {
    let mut w = Writer::new("md:");
    w.open("listMetadata");
    for q in queries {
        w.open("queries");
        w.opt("folder", q.folder.as_deref());
        w.leaf("type", &q.type_);
        w.close("queries");
    }
    w.leaf("asOfVersion", as_of_version);
    w.close("listMetadata");
    w.finish()
}

/// Reads the queries of a `<listMetadata>` operation.
pub fn read_list_metadata(op: &Element) -> Vec<ListMetadataQuery> {
    op.children_named("queries")
        .map(|q| ListMetadataQuery {
            folder: q.opt_string("folder"),
            type_: q.string("type"),
        })
        .collect()
}

/// `DescribeMetadataObject`.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeMetadataObject {
    pub child_xml_names: Vec<String>,
    pub directory_name: String,
    pub in_folder: bool,
    pub meta_file: bool,
    pub suffix: Option<String>,
    pub xml_name: String,
}

/// `DescribeMetadataResult`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DescribeMetadataResult {
    pub metadata_objects: Vec<DescribeMetadataObject>,
    pub organization_namespace: String,
    pub partial_save_allowed: bool,
    pub test_required: bool,
}

impl DescribeMetadataResult {
    pub fn read(e: &Element) -> DescribeMetadataResult {
        DescribeMetadataResult {
            metadata_objects: e
                .children_named("metadataObjects")
                .map(|o| DescribeMetadataObject {
                    child_xml_names: o.strings("childXmlNames"),
                    directory_name: o.string("directoryName"),
                    in_folder: o.bool_or("inFolder", false),
                    meta_file: o.bool_or("metaFile", false),
                    suffix: o.opt_string("suffix"),
                    xml_name: o.string("xmlName"),
                })
                .collect(),
            organization_namespace: e.string("organizationNamespace"),
            partial_save_allowed: e.bool_or("partialSaveAllowed", false),
            test_required: e.bool_or("testRequired", false),
        }
    }

    pub fn write(&self, w: &mut Writer) {
        w.open("result");
        for o in &self.metadata_objects {
            w.open("metadataObjects");
            for c in &o.child_xml_names {
                w.leaf("childXmlNames", c);
            }
            w.leaf("directoryName", &o.directory_name);
            w.leaf_bool("inFolder", o.in_folder);
            w.leaf_bool("metaFile", o.meta_file);
            w.opt("suffix", o.suffix.as_deref());
            w.leaf("xmlName", &o.xml_name);
            w.close("metadataObjects");
        }
        w.leaf("organizationNamespace", &self.organization_namespace);
        w.leaf_bool("partialSaveAllowed", self.partial_save_allowed);
        w.leaf_bool("testRequired", self.test_required);
        w.close("result");
    }
}

/// Writes a one-field operation such as `<md:checkRetrieveStatus>`.
pub fn write_operation(operation: &str, fields: &[(&str, &str)]) -> String {
    let mut w = Writer::new("md:");
    w.open(operation);
    for (name, value) in fields {
        w.leaf(name, value);
    }
    w.close(operation);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prefix_agnostic_requests() {
        // jsforce's shape: default namespace on Body, `request` instead of `retrieveRequest`.
        let xml = format!(
            r#"<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="{SOAPENV_NS}">
            <soapenv:Header xmlns="{METADATA_NS}"><SessionHeader><sessionId>tok&amp;en</sessionId></SessionHeader></soapenv:Header>
            <soapenv:Body xmlns="{METADATA_NS}"><retrieve><request><unpackaged><types><members>A</members><name>ApexClass</name></types><version>63.0</version></unpackaged><apiVersion>63.0</apiVersion><singlePackage>true</singlePackage></request></retrieve></soapenv:Body></soapenv:Envelope>"#
        );
        let request = parse_request(xml.as_bytes()).unwrap();
        assert_eq!(request.session_id.as_deref(), Some("tok&en"));
        assert_eq!(request.operation.name, "retrieve");
        let retrieve = RetrieveRequest::read(&request.operation).unwrap();
        assert!(retrieve.single_package);
        assert_eq!(retrieve.unpackaged.unwrap().types[0].members, vec!["A"]);

        // simple-salesforce's shape: prefix `met:`.
        let xml = format!(
            r#"<s:Envelope xmlns:s="{SOAPENV_NS}" xmlns:met="{METADATA_NS}"><s:Body><met:cancelDeploy><met:String>0Af1</met:String></met:cancelDeploy></s:Body></s:Envelope>"#
        );
        let request = parse_request(xml.as_bytes()).unwrap();
        assert_eq!(request.operation.string("String"), "0Af1");
        assert_eq!(request.session_id, None);
    }

    #[test]
    fn rejects_operations_outside_the_metadata_namespace() {
        let xml = format!(
            r#"<s:Envelope xmlns:s="{SOAPENV_NS}"><s:Body><retrieve/></s:Body></s:Envelope>"#
        );
        let err = parse_request(xml.as_bytes()).unwrap_err();
        assert!(err.message.contains("namespace"), "{err}");
        assert!(parse_request(b"<a><b></a>").is_err());
    }

    #[test]
    fn reads_faults_with_the_prefix_stripped() {
        let xml = fault_envelope("sf:INVALID_SESSION_ID", "INVALID_SESSION_ID: expired");
        let fault = parse_response(xml.as_bytes()).unwrap().unwrap_err();
        assert_eq!(fault.code, "INVALID_SESSION_ID");
        assert_eq!(fault.message, "INVALID_SESSION_ID: expired");
    }

    #[test]
    fn reads_single_repeated_nil_and_unknown_elements() {
        let body = r#"<checkRetrieveStatusResponse><result><done>true</done><fileProperties><fullName>A</fullName><type>ApexClass</type><futureField>x</futureField></fileProperties><id>09S</id><status>Succeeded</status><success>true</success><zipFile xsi:nil="true"/></result></checkRetrieveStatusResponse>"#;
        let response = parse_response(response_envelope(body).as_bytes())
            .unwrap()
            .unwrap();
        let result = RetrieveResult::read(response.child("result").unwrap());
        assert_eq!(result.file_properties.len(), 1);
        assert_eq!(result.file_properties[0].full_name, "A");
        assert_eq!(result.zip_file, None);
        assert!(result.done && result.success);
    }

    #[test]
    fn deploy_result_round_trips_and_keeps_unknown_statuses() {
        let result = DeployResult {
            id: "0Af000000000001AAA".into(),
            status: "Finalizing".into(),
            component_failures: vec![DeployMessage {
                file_name: "classes/A.cls".into(),
                full_name: "A".into(),
                component_type: "ApexClass".into(),
                line_number: Some(3),
                column_number: Some(7),
                problem: Some("Unexpected token '<'.".into()),
                problem_type: Some("Error".into()),
                ..DeployMessage::default()
            }],
            ..DeployResult::default()
        };
        let mut w = Writer::new("");
        result.write(&mut w, true);
        let xml = response_envelope(&format!(
            "<checkDeployStatusResponse>{}</checkDeployStatusResponse>",
            w.finish()
        ));
        let response = parse_response(xml.as_bytes()).unwrap().unwrap();
        let read = DeployResult::read(response.child("result").unwrap());
        assert_eq!(read, result);
    }

    #[test]
    fn requests_follow_wsdl_order() {
        let request = RetrieveRequest {
            api_version: "63.0".into(),
            single_package: true,
            unpackaged: Some(Package {
                types: vec![PackageTypeMembers {
                    members: vec!["*".into()],
                    name: "ApexClass".into(),
                }],
                version: "63.0".into(),
            }),
            ..RetrieveRequest::default()
        };
        let xml = request.write();
        let api = xml.find("apiVersion").unwrap();
        let single = xml.find("singlePackage").unwrap();
        let unpackaged = xml.find("unpackaged").unwrap();
        assert!(api < single && single < unpackaged, "{xml}");
        let envelope = request_envelope("s<1>", "git-sfsync", &xml);
        let parsed = parse_request(envelope.as_bytes()).unwrap();
        assert_eq!(parsed.session_id.as_deref(), Some("s<1>"));
        assert_eq!(RetrieveRequest::read(&parsed.operation), Some(request));
    }

    #[test]
    fn package_manifest_round_trips() {
        let package = Package {
            types: vec![PackageTypeMembers {
                members: vec!["A".into(), "B".into()],
                name: "ApexClass".into(),
            }],
            version: "63.0".into(),
        };
        let text = package.to_manifest();
        assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Package xmlns="));
        assert_eq!(Package::from_manifest(text.as_bytes()).unwrap(), package);
    }
}
