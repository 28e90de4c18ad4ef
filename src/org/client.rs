//! The Metadata API client: SOAP over reqwest, sessions, retries and polling.
//!
//! Rules it keeps, learned from the Salesforce CLI and real orgs:
//! - an `INVALID_SESSION_ID` fault refreshes the session once and retries;
//! - only idempotent calls (status checks, list, describe, retrieve requests)
//!   are retried on transient failures, with exponential backoff; a deploy is
//!   never re-sent blindly;
//! - polling backs off, treats unknown statuses (`Finalizing`) as "running"
//!   until `done` is true, and asks for the retrieve zip once, after `done`;
//! - the API version is the lower of what we want and what the org serves.

use super::auth::{Credentials, Secret, DEFAULT_CLIENT_ID};
use super::soap::{
    self, DeployOptions, DeployResult, DescribeMetadataResult, Element, FileProperties,
    ListMetadataQuery, Package, RetrieveRequest, RetrieveResult,
};
use super::{zip, Error};
use base64::Engine as _;
use std::sync::Arc;
use std::time::Duration;

/// API version we speak when the org serves it (Winter '26).
pub const DEFAULT_API_VERSION: &str = "65.0";
/// Sent as `CallOptions/client`.
pub const CLIENT_NAME: &str = concat!("git-sfsync/", env!("CARGO_PKG_VERSION"));

/// A progress report: which operation, and a short state (`InProgress 3/10`).
pub type Progress = Arc<dyn Fn(&str, &str) + Send + Sync>;

/// Timing of retries and polls.
#[derive(Clone)]
pub struct ClientOptions {
    /// The API version to ask for; lowered to the org's maximum.
    pub api_version: String,
    /// Attempts for an idempotent call (1 = no retry).
    pub attempts: u32,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    pub poll_initial: Duration,
    pub poll_max: Duration,
    /// Give up waiting for an asynchronous job after this long.
    pub timeout: Duration,
    pub progress: Option<Progress>,
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("api_version", &self.api_version)
            .field("attempts", &self.attempts)
            .field("poll_initial", &self.poll_initial)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ClientOptions {
    /// Returns the timing for a real org (the Salesforce CLI's 1 s polls).
    pub fn remote() -> ClientOptions {
        ClientOptions {
            api_version: DEFAULT_API_VERSION.to_string(),
            attempts: 5,
            backoff_initial: Duration::from_millis(500),
            backoff_max: Duration::from_secs(10),
            poll_initial: Duration::from_secs(1),
            poll_max: Duration::from_secs(10),
            timeout: Duration::from_secs(60 * 60),
            progress: None,
        }
    }

    /// Returns the timing for an emulator on loopback.
    pub fn local() -> ClientOptions {
        ClientOptions {
            attempts: 5,
            backoff_initial: Duration::from_millis(5),
            backoff_max: Duration::from_millis(200),
            poll_initial: Duration::from_millis(5),
            poll_max: Duration::from_millis(200),
            timeout: Duration::from_secs(10 * 60),
            ..ClientOptions::remote()
        }
    }
}

/// Who we are logged in as (`/services/oauth2/userinfo`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Identity {
    pub organization_id: String,
    pub user_id: String,
    pub username: String,
}

/// What a retrieve brought back.
#[derive(Debug, Clone, Default)]
pub struct Retrieved {
    /// Files in metadata format, without the `unpackaged/` prefix.
    pub entries: Vec<zip::Entry>,
    pub file_properties: Vec<FileProperties>,
    /// Problems with requested components (e.g. "cannot be found").
    pub messages: Vec<soap::RetrieveMessage>,
}

/// A Metadata API session with one org.
pub struct Client {
    http: reqwest::Client,
    instance_url: String,
    api_version: String,
    credentials: Credentials,
    session: tokio::sync::Mutex<Option<Secret>>,
    options: ClientOptions,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("instance_url", &self.instance_url)
            .field("api_version", &self.api_version)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

fn unreachable(url: &str, error: &reqwest::Error) -> Error {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    Error::Unreachable {
        url: url.to_string(),
        message,
    }
}

impl Client {
    /// Connects: reaches the org, negotiates the API version and makes sure
    /// there is a session (refreshing when only a refresh token is known).
    pub async fn connect(
        instance_url: &str,
        credentials: Credentials,
        options: ClientOptions,
    ) -> Result<Client, Error> {
        let instance_url = credentials
            .instance_url
            .clone()
            .unwrap_or_else(|| instance_url.to_string())
            .trim_end_matches('/')
            .to_string();
        let http = reqwest::Client::builder()
            .user_agent(CLIENT_NAME)
            .connect_timeout(Duration::from_secs(30))
            .timeout(Duration::from_secs(10 * 60))
            .build()
            .map_err(|e| Error::Emulator {
                message: format!("cannot build the HTTP client: {e}"),
            })?;
        let session = credentials.current_access_token();
        let mut client = Client {
            http,
            instance_url,
            api_version: options.api_version.clone(),
            credentials,
            session: tokio::sync::Mutex::new(session),
            options,
        };
        client.api_version = client.negotiate_version().await?;
        if client.session.lock().await.is_none() {
            if !client.credentials.can_refresh() {
                return Err(Error::Credentials {
                    alias: String::new(),
                    message: "no access token and no refresh token".into(),
                });
            }
            client.refresh().await?;
        }
        Ok(client)
    }

    pub fn instance_url(&self) -> &str {
        &self.instance_url
    }

    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// Returns the credentials, with a refreshed access token if one was issued.
    pub async fn credentials(&self) -> Credentials {
        let mut c = self.credentials.clone();
        if c.access_token_env.is_none() {
            c.access_token = self.session.lock().await.clone();
        }
        c
    }

    async fn negotiate_version(&self) -> Result<String, Error> {
        let url = format!("{}/services/data/", self.instance_url);
        let versions: serde_json::Value = self
            .idempotent("versions", || async {
                let response = self
                    .http
                    .get(&url)
                    .send()
                    .await
                    .map_err(|e| unreachable(&url, &e))?;
                let status = response.status();
                let text = response.text().await.map_err(|e| unreachable(&url, &e))?;
                if !status.is_success() {
                    return Err(Error::Http {
                        url: url.clone(),
                        status: status.as_u16(),
                        body: snippet(&text),
                    });
                }
                serde_json::from_str(&text).map_err(|e| Error::Protocol {
                    operation: "GET /services/data/".into(),
                    message: e.to_string(),
                })
            })
            .await?;
        let max = versions
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.get("version")?.as_str()?.parse::<f64>().ok())
            .fold(None::<f64>, |acc, v| Some(acc.map_or(v, |a| a.max(v))));
        let wanted: f64 = self.options.api_version.parse().unwrap_or(65.0);
        Ok(match max {
            Some(max) if max < wanted => format!("{max:.1}"),
            _ => format!("{wanted:.1}"),
        })
    }

    /// Runs the refresh-token flow and installs the new session.
    pub async fn refresh(&self) -> Result<(), Error> {
        let Some(refresh_token) = &self.credentials.refresh_token else {
            return Err(Error::InvalidSession {
                url: self.instance_url.clone(),
                message: "the session expired and there is no refresh token".into(),
            });
        };
        let login = self
            .credentials
            .login_url
            .clone()
            .unwrap_or_else(|| self.instance_url.clone());
        let url = format!("{}/services/oauth2/token", login.trim_end_matches('/'));
        let client_id = self
            .credentials
            .client_id
            .clone()
            .unwrap_or_else(|| DEFAULT_CLIENT_ID.to_string());
        let mut form = vec![
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", refresh_token.expose().to_string()),
            ("client_id", client_id),
        ];
        if let Some(secret) = &self.credentials.client_secret {
            form.push(("client_secret", secret.expose().to_string()));
        }
        let body = self
            .idempotent("token", || async {
                let response = self
                    .http
                    .post(&url)
                    .form(&form)
                    .send()
                    .await
                    .map_err(|e| unreachable(&url, &e))?;
                let status = response.status();
                let text = response.text().await.map_err(|e| unreachable(&url, &e))?;
                if status.is_server_error() {
                    return Err(Error::Http {
                        url: url.clone(),
                        status: status.as_u16(),
                        body: snippet(&text),
                    });
                }
                Ok((status, text))
            })
            .await?;
        let (status, text) = body;
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|_| Error::Auth {
            url: url.clone(),
            message: format!("HTTP {status}: {}", snippet(&text)),
        })?;
        if !status.is_success() {
            let description = value
                .get("error_description")
                .or_else(|| value.get("error"))
                .and_then(|v| v.as_str())
                .unwrap_or("refused");
            return Err(Error::Auth {
                url,
                message: description.to_string(),
            });
        }
        let token = value
            .get("access_token")
            .and_then(|v| v.as_str())
            .ok_or_else(|| Error::Auth {
                url: url.clone(),
                message: "the token response has no access_token".into(),
            })?;
        *self.session.lock().await = Some(Secret::new(token));
        Ok(())
    }

    /// Checks the session with `/services/oauth2/userinfo`.
    pub async fn identity(&self) -> Result<Identity, Error> {
        let url = format!("{}/services/oauth2/userinfo", self.instance_url);
        for attempt in 0..2 {
            let token = self.session_token().await?;
            let value: (reqwest::StatusCode, String) = self
                .idempotent("userinfo", || async {
                    let response = self
                        .http
                        .get(&url)
                        .bearer_auth(token.expose())
                        .send()
                        .await
                        .map_err(|e| unreachable(&url, &e))?;
                    let status = response.status();
                    let text = response.text().await.map_err(|e| unreachable(&url, &e))?;
                    Ok((status, text))
                })
                .await?;
            let (status, text) = value;
            if status == reqwest::StatusCode::UNAUTHORIZED
                || status == reqwest::StatusCode::FORBIDDEN
            {
                if attempt == 0 && self.credentials.can_refresh() {
                    self.refresh().await?;
                    continue;
                }
                return Err(Error::InvalidSession {
                    url: self.instance_url.clone(),
                    message: snippet(&text),
                });
            }
            if !status.is_success() {
                return Err(Error::Http {
                    url: url.clone(),
                    status: status.as_u16(),
                    body: snippet(&text),
                });
            }
            let value: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| Error::Protocol {
                    operation: "userinfo".into(),
                    message: e.to_string(),
                })?;
            let field = |name: &str| {
                value
                    .get(name)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            return Ok(Identity {
                organization_id: field("organization_id"),
                user_id: field("user_id"),
                username: field("preferred_username"),
            });
        }
        Err(Error::InvalidSession {
            url: self.instance_url.clone(),
            message: "the session was refused after a refresh".into(),
        })
    }

    async fn session_token(&self) -> Result<Secret, Error> {
        self.session
            .lock()
            .await
            .clone()
            .ok_or_else(|| Error::InvalidSession {
                url: self.instance_url.clone(),
                message: "no session".into(),
            })
    }

    /// Retries `call` with exponential backoff while it fails transiently.
    async fn idempotent<T, F, Fut>(&self, _operation: &str, call: F) -> Result<T, Error>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        let mut delay = self.options.backoff_initial;
        let mut attempt = 1;
        loop {
            match call().await {
                Err(e) if e.is_transient() && attempt < self.options.attempts => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(self.options.backoff_max);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Sends one SOAP operation once; returns its response element.
    async fn send_once(&self, operation: &str, body: &str) -> Result<Element, Error> {
        let url = format!("{}/services/Soap/m/{}", self.instance_url, self.api_version);
        let token = self.session_token().await?;
        let envelope = soap::request_envelope(token.expose(), CLIENT_NAME, body);
        let response = self
            .http
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "text/xml; charset=UTF-8")
            .header("SOAPAction", "\"\"")
            .body(envelope)
            .send()
            .await
            .map_err(|e| unreachable(&url, &e))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| unreachable(&url, &e))?;
        let http_error = |bytes: &[u8]| Error::Http {
            url: url.clone(),
            status: status.as_u16(),
            body: snippet(&String::from_utf8_lossy(bytes)),
        };
        match soap::parse_response(&bytes) {
            Ok(Err(fault)) if fault.code == "INVALID_SESSION_ID" => Err(Error::InvalidSession {
                url: self.instance_url.clone(),
                message: fault.message,
            }),
            Ok(Err(fault)) => Err(Error::Fault {
                operation: operation.to_string(),
                code: fault.code,
                message: fault.message,
            }),
            Ok(Ok(element)) if status.is_success() => Ok(element),
            Ok(Ok(_)) => Err(http_error(&bytes)),
            Err(_) if !status.is_success() => Err(http_error(&bytes)),
            Err(e) => Err(Error::Protocol {
                operation: operation.to_string(),
                message: e.to_string(),
            }),
        }
    }

    /// Sends a SOAP operation: refreshes the session once on INVALID_SESSION_ID
    /// (the call was refused, so re-sending is safe) and, for idempotent calls,
    /// retries transient failures.
    async fn call(&self, operation: &str, body: &str, idempotent: bool) -> Result<Element, Error> {
        let once = || async {
            match self.send_once(operation, body).await {
                Err(Error::InvalidSession { .. }) if self.credentials.can_refresh() => {
                    self.refresh().await?;
                    self.send_once(operation, body).await
                }
                other => other,
            }
        };
        if idempotent {
            self.idempotent(operation, once).await
        } else {
            once().await
        }
    }

    fn result_of(operation: &str, response: &Element) -> Result<Element, Error> {
        response
            .child("result")
            .cloned()
            .ok_or_else(|| Error::Protocol {
                operation: operation.to_string(),
                message: format!("<{}> has no <result>", response.name),
            })
    }

    /// Calls describeMetadata.
    pub async fn describe_metadata(&self) -> Result<DescribeMetadataResult, Error> {
        let body = soap::write_operation("describeMetadata", &[("asOfVersion", &self.api_version)]);
        let response = self.call("describeMetadata", &body, true).await?;
        Ok(DescribeMetadataResult::read(&Self::result_of(
            "describeMetadata",
            &response,
        )?))
    }

    /// Calls listMetadata, three queries per call as the API demands.
    pub async fn list_metadata(
        &self,
        queries: &[ListMetadataQuery],
    ) -> Result<Vec<FileProperties>, Error> {
        let mut out = Vec::new();
        for chunk in queries.chunks(3) {
            let body = soap::write_list_metadata(chunk, &self.api_version);
            let response = self.call("listMetadata", &body, true).await?;
            out.extend(response.children_named("result").map(FileProperties::read));
        }
        Ok(out)
    }

    fn report(&self, operation: &str, state: &str) {
        if let Some(progress) = &self.options.progress {
            progress(operation, state);
        }
    }

    /// Retrieves a package (singlePackage) and returns its files. When the zip
    /// was handed out but the answer lost ("Retrieve result has been deleted"),
    /// the whole retrieve starts over: retrieving changes nothing in the org.
    pub async fn retrieve(&self, package: &Package) -> Result<Retrieved, Error> {
        let mut attempt = 1;
        loop {
            match self.retrieve_once(package).await {
                Err(Error::Fault { message, .. })
                    if message.contains("has been deleted") && attempt < self.options.attempts =>
                {
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn retrieve_once(&self, package: &Package) -> Result<Retrieved, Error> {
        let request = RetrieveRequest {
            api_version: self.api_version.clone(),
            single_package: true,
            unpackaged: Some(package.clone()),
            ..RetrieveRequest::default()
        };
        // Starting a retrieve changes nothing in the org: safe to retry.
        let started = self.call("retrieve", &request.write(), true).await?;
        let id = Self::result_of("retrieve", &started)?.string("id");
        if id.is_empty() {
            return Err(Error::Protocol {
                operation: "retrieve".into(),
                message: "no async process id".into(),
            });
        }
        let mut delay = self.options.poll_initial;
        let started_at = std::time::Instant::now();
        loop {
            let result = self.check_retrieve(&id, false).await?;
            self.report("retrieve", &result.status);
            if result.done {
                break;
            }
            if started_at.elapsed() > self.options.timeout {
                return Err(Error::Timeout {
                    operation: "retrieve".into(),
                    id,
                    seconds: self.options.timeout.as_secs(),
                });
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 3 / 2).min(self.options.poll_max);
        }
        // The zip is handed out once: ask for it only now that the job is done.
        let result = self.check_retrieve(&id, true).await?;
        if result.status == "Failed" || !result.success {
            return Err(Error::RetrieveFailed {
                message: result
                    .error_message
                    .unwrap_or_else(|| format!("status {}", result.status)),
            });
        }
        let entries = match &result.zip_file {
            Some(encoded) => {
                let compact: String = encoded.split_whitespace().collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .map_err(|e| Error::Protocol {
                        operation: "checkRetrieveStatus".into(),
                        message: format!("zipFile is not base64: {e}"),
                    })?;
                zip::read(&bytes, zip::Limits::default())?
            }
            None => Vec::new(),
        };
        // An org that ignored singlePackage puts everything under unpackaged/.
        let prefixed =
            !entries.is_empty() && entries.iter().all(|(n, _)| n.starts_with("unpackaged/"));
        let entries = entries
            .into_iter()
            .map(|(n, c)| {
                let name = if prefixed {
                    n.trim_start_matches("unpackaged/").to_string()
                } else {
                    n
                };
                (name, c)
            })
            .collect();
        Ok(Retrieved {
            entries,
            file_properties: result.file_properties,
            messages: result.messages,
        })
    }

    async fn check_retrieve(&self, id: &str, include_zip: bool) -> Result<RetrieveResult, Error> {
        let body = soap::write_operation(
            "checkRetrieveStatus",
            &[
                ("asyncProcessId", id),
                ("includeZip", if include_zip { "true" } else { "false" }),
            ],
        );
        let response = self.call("checkRetrieveStatus", &body, true).await?;
        Ok(RetrieveResult::read(&Self::result_of(
            "checkRetrieveStatus",
            &response,
        )?))
    }

    /// Starts a deploy of a zip (sent exactly once) and returns its id.
    pub async fn start_deploy(&self, zip: &[u8], options: &DeployOptions) -> Result<String, Error> {
        let encoded = base64::engine::general_purpose::STANDARD.encode(zip);
        let body = soap::write_deploy(&encoded, options);
        let response = self.call("deploy", &body, false).await?;
        let id = Self::result_of("deploy", &response)?.string("id");
        if id.is_empty() {
            return Err(Error::Protocol {
                operation: "deploy".into(),
                message: "no async process id".into(),
            });
        }
        Ok(id)
    }

    /// Calls checkDeployStatus once.
    pub async fn check_deploy(&self, id: &str, details: bool) -> Result<DeployResult, Error> {
        let body = soap::write_operation(
            "checkDeployStatus",
            &[
                ("asyncProcessId", id),
                ("includeDetails", if details { "true" } else { "false" }),
            ],
        );
        let response = self.call("checkDeployStatus", &body, true).await?;
        Ok(DeployResult::read(&Self::result_of(
            "checkDeployStatus",
            &response,
        )?))
    }

    /// Polls a deploy until `done` (whatever its status says) and returns the
    /// final result with details.
    pub async fn wait_deploy(&self, id: &str) -> Result<DeployResult, Error> {
        let mut delay = self.options.poll_initial;
        let started_at = std::time::Instant::now();
        loop {
            let result = self.check_deploy(id, false).await?;
            let state = format!(
                "{} {}/{}",
                result.status, result.number_components_deployed, result.number_components_total
            );
            self.report("deploy", &state);
            if result.done {
                return self.check_deploy(id, true).await;
            }
            if started_at.elapsed() > self.options.timeout {
                return Err(Error::Timeout {
                    operation: "deploy".into(),
                    id: id.to_string(),
                    seconds: self.options.timeout.as_secs(),
                });
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 3 / 2).min(self.options.poll_max);
        }
    }

    /// Deploys a zip and waits for the outcome.
    pub async fn deploy(&self, zip: &[u8], options: &DeployOptions) -> Result<DeployResult, Error> {
        let id = self.start_deploy(zip, options).await?;
        self.wait_deploy(&id).await
    }

    /// Calls cancelDeploy; true when the deploy was canceled at once.
    pub async fn cancel_deploy(&self, id: &str) -> Result<bool, Error> {
        let body = soap::write_operation("cancelDeploy", &[("String", id)]);
        let response = self.call("cancelDeploy", &body, true).await?;
        Ok(Self::result_of("cancelDeploy", &response)?.bool_or("done", false))
    }
}

/// Returns the start of a response body for an error message.
fn snippet(text: &str) -> String {
    let text = text.trim();
    let mut out: String = text.chars().take(300).collect();
    if out.len() < text.len() {
        out.push_str("...");
    }
    out
}
