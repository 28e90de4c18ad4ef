//! A local org that speaks the Metadata API: the embedded default for tests
//! and demos, faithful enough for third-party clients (jsforce) to work
//! against it unchanged.
//!
//! It serves, on 127.0.0.1 only: the REST version list, the OAuth token
//! endpoint (refresh-token grant), userinfo, and the SOAP Metadata API
//! (`/services/Soap/m/{version}[/...]`), dispatching on the first Body child.
//! The org's state is a source-format directory ([`store`]); the calls are in
//! [`service`]. Fault injection (latency, HTTP 500s every N calls, expiring
//! sessions) lets tests exercise the client's retries and refreshes.

pub mod service;
pub mod store;
mod validate;

use super::soap::{self, DeployOptions, ListMetadataQuery, RetrieveRequest, Writer};
use super::Error;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use service::{Fault, Org};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The newest API version the emulator serves (Winter '26).
pub const MAX_API_VERSION: u32 = 65;
/// The oldest API version still served (older versions are retired).
pub const MIN_API_VERSION: u32 = 31;
/// The OAuth client id the Salesforce CLI uses, and so do we.
pub const CLIENT_ID: &str = "PlatformCLI";

/// How to run an emulator.
#[derive(Debug, Clone)]
pub struct Options {
    /// The org's source-format directory (created if missing).
    pub dir: PathBuf,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The access token to accept; a random one when `None`.
    pub access_token: Option<String>,
    /// Delay added to every request.
    pub latency: Duration,
    /// Every Nth SOAP call fails with HTTP 500.
    pub fail_every: Option<u64>,
    /// Sessions expire this long after they were issued.
    pub session_ttl: Option<Duration>,
    /// Status checks that answer "in progress" before a job is done.
    pub polls_before_done: u32,
}

impl Options {
    /// Returns options for an emulator of `dir` on any free port, without faults.
    pub fn new(dir: impl Into<PathBuf>) -> Options {
        Options {
            dir: dir.into(),
            port: 0,
            access_token: None,
            latency: Duration::ZERO,
            fail_every: None,
            session_ttl: None,
            polls_before_done: 1,
        }
    }
}

struct Shared {
    org: Arc<Mutex<Org>>,
    sessions: Mutex<HashMap<String, Instant>>,
    refresh_token: String,
    url: String,
    soap_calls: AtomicU64,
    options: Options,
}

/// A running emulator: where it listens and the credentials it accepts.
pub struct Running {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    pub access_token: String,
    pub refresh_token: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running")
            .field("url", &self.url)
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .finish()
    }
}

impl Running {
    /// Returns the SFDX auth URL (`force://PlatformCLI::<refresh>@127.0.0.1:<port>`)
    /// that logs in to this emulator.
    pub fn auth_url(&self) -> String {
        let host = self.url.trim_start_matches("http://");
        format!("force://{CLIENT_ID}::{}@{host}", self.refresh_token)
    }

    /// Stops serving and waits for the server task to end.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Returns a random token of `len` base-62 characters (not cryptographic:
/// the emulator only listens on loopback).
fn random_token(len: usize) -> String {
    use std::hash::BuildHasher;
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut out = String::with_capacity(len);
    while out.len() < len {
        let seed = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut value = std::hash::RandomState::new().hash_one((seed, Instant::now()));
        for _ in 0..10 {
            out.push(ALPHABET[(value % 62) as usize] as char);
            value /= 62;
        }
    }
    out.truncate(len);
    out
}

fn new_access_token() -> String {
    format!("{}!{}", &store::ORG_ID[..15], random_token(40))
}

/// Starts an emulator on the current tokio runtime.
pub async fn start(options: Options) -> Result<Running, Error> {
    let org = Org::open(&options.dir).map(|mut org| {
        org.polls_before_done = options.polls_before_done;
        org
    })?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
        .await
        .map_err(|e| Error::Emulator {
            message: format!("cannot listen on 127.0.0.1:{}: {e}", options.port),
        })?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::Emulator {
            message: format!("cannot read the listening address: {e}"),
        })?
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let access_token = options
        .access_token
        .clone()
        .unwrap_or_else(new_access_token);
    let refresh_token = format!("5Aep861{}", random_token(60));
    let mut sessions = HashMap::new();
    sessions.insert(access_token.clone(), Instant::now());
    let shared = Arc::new(Shared {
        org: Arc::new(Mutex::new(org)),
        sessions: Mutex::new(sessions),
        refresh_token: refresh_token.clone(),
        url: url.clone(),
        soap_calls: AtomicU64::new(0),
        options,
    });
    let app = Router::new()
        .route("/services/data", get(versions))
        .route("/services/data/", get(versions))
        .route("/services/oauth2/token", post(token))
        .route("/services/oauth2/userinfo", get(userinfo))
        .route("/services/Soap/m/{version}", post(soap_call))
        .route("/services/Soap/m/{version}/{*rest}", post(soap_call))
        .with_state(shared);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(Running {
        url,
        access_token,
        refresh_token,
        shutdown: Some(tx),
        task: Some(task),
    })
}

fn json(status: StatusCode, value: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        value.to_string(),
    )
        .into_response()
}

fn xml(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/xml;charset=UTF-8")],
        body,
    )
        .into_response()
}

fn fault(fault: Fault) -> Response {
    xml(
        StatusCode::INTERNAL_SERVER_ERROR,
        soap::fault_envelope(&fault.code, &fault.message),
    )
}

/// Returns the release name of an API version (62 = Winter '25).
fn release_label(version: u32) -> String {
    let offset = version as i64 - 62;
    let season = ["Winter", "Spring", "Summer"][offset.rem_euclid(3) as usize];
    let year = 25 + offset.div_euclid(3);
    format!("{season} '{year:02}")
}

async fn versions(State(shared): State<Arc<Shared>>) -> Response {
    tokio::time::sleep(shared.options.latency).await;
    let list: Vec<serde_json::Value> = (MIN_API_VERSION..=MAX_API_VERSION)
        .map(|v| {
            serde_json::json!({
                "label": release_label(v),
                "url": format!("/services/data/v{v}.0"),
                "version": format!("{v}.0"),
            })
        })
        .collect();
    json(StatusCode::OK, serde_json::Value::Array(list))
}

impl Shared {
    fn session_valid(&self, token: &str) -> bool {
        if token.starts_with("eyJ") {
            // JWT-format access tokens are refused by SOAP.
            return false;
        }
        let sessions = self
            .sessions
            .lock()
            .expect("session lock is never poisoned");
        match (sessions.get(token), self.options.session_ttl) {
            (Some(issued), Some(ttl)) => issued.elapsed() <= ttl,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    fn identity(&self) -> String {
        format!("{}/id/{}/{}", self.url, store::ORG_ID, store::API_USER_ID)
    }
}

async fn token(
    State(shared): State<Arc<Shared>>,
    axum::extract::Form(form): axum::extract::Form<HashMap<String, String>>,
) -> Response {
    tokio::time::sleep(shared.options.latency).await;
    let grant = form.get("grant_type").map(String::as_str);
    if grant != Some("refresh_token") {
        return json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "unsupported_grant_type", "error_description": "grant type not supported"}),
        );
    }
    if form.get("refresh_token") != Some(&shared.refresh_token) {
        return json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "invalid_grant", "error_description": "expired access/refresh token"}),
        );
    }
    let access_token = new_access_token();
    shared
        .sessions
        .lock()
        .expect("session lock is never poisoned")
        .insert(access_token.clone(), Instant::now());
    let issued_at = jiff::Timestamp::now().as_millisecond().to_string();
    json(
        StatusCode::OK,
        serde_json::json!({
            "access_token": access_token,
            "instance_url": shared.url,
            "id": shared.identity(),
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": random_token(44),
            "scope": "api refresh_token web",
        }),
    )
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(|t| t.trim().to_string())
}

async fn userinfo(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    tokio::time::sleep(shared.options.latency).await;
    match bearer(&headers) {
        Some(token) if shared.session_valid(&token) => {
            let version = format!("{MAX_API_VERSION}.0");
            json(
                StatusCode::OK,
                serde_json::json!({
                    "sub": shared.identity(),
                    "user_id": store::API_USER_ID,
                    "organization_id": store::ORG_ID,
                    "preferred_username": "admin@emulator.sfsync.invalid",
                    "name": store::API_USER_NAME,
                    "urls": {
                        "metadata": format!("{}/services/Soap/m/{version}/{}", shared.url, &store::ORG_ID[..15]),
                        "rest": format!("{}/services/data/v{version}/", shared.url),
                    },
                }),
            )
        }
        _ => json(
            StatusCode::UNAUTHORIZED,
            serde_json::json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]),
        ),
    }
}

async fn soap_call(
    State(shared): State<Arc<Shared>>,
    UrlPath(params): UrlPath<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    tokio::time::sleep(shared.options.latency).await;
    let call = shared.soap_calls.fetch_add(1, Ordering::SeqCst) + 1;
    if shared
        .options
        .fail_every
        .is_some_and(|n| n > 0 && call % n == 0)
    {
        return fault(Fault::new(
            "UNKNOWN_EXCEPTION",
            format!("An unexpected error occurred (injected: call {call})"),
        ));
    }
    let version = params.get("version").cloned().unwrap_or_default();
    let major = version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok());
    if !major.is_some_and(|m| (MIN_API_VERSION..=MAX_API_VERSION).contains(&m)) {
        return fault(Fault::new(
            "UNSUPPORTED_API_VERSION",
            format!("Invalid Api version specified on URL: {version}"),
        ));
    }
    let request = match soap::parse_request(&body) {
        Ok(request) => request,
        Err(e) => {
            return fault(Fault {
                code: "soapenv:Client".into(),
                message: e.to_string(),
            })
        }
    };
    if !request
        .session_id
        .as_deref()
        .is_some_and(|s| shared.session_valid(s))
    {
        return fault(Fault::new(
            "INVALID_SESSION_ID",
            "Invalid Session ID found in SessionHeader: Illegal Session",
        ));
    }
    let org = shared.org.clone();
    let answer = tokio::task::spawn_blocking(move || {
        let mut org = org.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        dispatch(&mut org, &request.operation)
    })
    .await;
    match answer {
        Ok(Ok(body)) => xml(StatusCode::OK, soap::response_envelope(&body)),
        Ok(Err(f)) => fault(f),
        Err(e) => fault(Fault::new(
            "UNKNOWN_EXCEPTION",
            format!("the emulator failed: {e}"),
        )),
    }
}

/// Runs one SOAP operation and renders its `<opResponse>` element.
fn dispatch(org: &mut Org, op: &soap::Element) -> Result<String, Fault> {
    let mut w = Writer::new("");
    let name = op.name.as_str();
    let response = format!("{name}Response");
    match name {
        "describeMetadata" => {
            w.open(&response);
            org.describe().write(&mut w);
            w.close(&response);
        }
        "listMetadata" => {
            let queries: Vec<ListMetadataQuery> = soap::read_list_metadata(op);
            let results = org.list_metadata(&queries)?;
            w.open(&response);
            for p in &results {
                p.write(&mut w, "result");
            }
            w.close(&response);
            if results.is_empty() {
                return Ok(format!("<{response}/>"));
            }
        }
        "retrieve" => {
            let request = RetrieveRequest::read(op).ok_or_else(|| Fault {
                code: "soapenv:Client".into(),
                message: "retrieve needs a retrieveRequest element".into(),
            })?;
            w.open(&response);
            org.retrieve(&request)?.write(&mut w);
            w.close(&response);
        }
        "checkRetrieveStatus" => {
            let id = op.string("asyncProcessId");
            let include_zip = op.bool_or("includeZip", true);
            w.open(&response);
            org.check_retrieve_status(&id, include_zip)?.write(&mut w);
            w.close(&response);
        }
        "deploy" => {
            let zip = op.text_of("ZipFile").unwrap_or_default().to_string();
            let options = op
                .child("DeployOptions")
                .map(DeployOptions::read)
                .unwrap_or_else(|| DeployOptions::read(&soap::Element::default()));
            w.open(&response);
            org.deploy(&zip, options)?.write(&mut w);
            w.close(&response);
        }
        "checkDeployStatus" => {
            let id = op.string("asyncProcessId");
            let details = op.bool_or("includeDetails", false);
            w.open(&response);
            org.check_deploy_status(&id)?.write(&mut w, details);
            w.close(&response);
        }
        "cancelDeploy" => {
            let id = op
                .opt_string("String")
                .or_else(|| op.opt_string("id"))
                .unwrap_or_default();
            let (done, id) = org.cancel_deploy(&id)?;
            w.open(&response);
            w.open("result");
            w.leaf_bool("done", done);
            w.leaf("id", &id);
            w.close("result");
            w.close(&response);
        }
        other => {
            return Err(Fault {
                code: "soapenv:Client".into(),
                message: format!(
                    "No operation available for request {{{}}}{other}",
                    soap::METADATA_NS
                ),
            })
        }
    }
    Ok(w.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_labels_follow_salesforce() {
        assert_eq!(release_label(62), "Winter '25");
        assert_eq!(release_label(63), "Spring '25");
        assert_eq!(release_label(65), "Winter '26");
        assert_eq!(release_label(61), "Summer '24");
    }

    #[test]
    fn describe_snapshot_parses() {
        let tmp = tempfile::tempdir().unwrap();
        let org = Org::open(tmp.path()).unwrap();
        let describe = org.describe();
        let object = describe
            .metadata_objects
            .iter()
            .find(|o| o.xml_name == "CustomObject")
            .unwrap();
        assert!(object.child_xml_names.contains(&"CustomField".to_string()));
        assert!(describe.metadata_objects.len() > 400);
    }
}
