//! The errors of talking to an org, each with the next thing the person should do.

use std::path::PathBuf;

/// Everything that can go wrong between git-sfsync and an org (real or emulated).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    /// The org rejected the session even after one refresh.
    #[error("the org at {url} rejected the session: {message}")]
    #[diagnostic(
        code(sfsync::org::invalid_session),
        help(
            "re-authenticate: `git sfsync org add <alias> --url <url> --auth-url-file <file>` \
             (or `--sf-alias <alias>`), or export a fresh access token"
        )
    )]
    InvalidSession { url: String, message: String },

    /// A SOAP fault other than an invalid session.
    #[error("the org answered {operation} with fault {code}: {message}")]
    #[diagnostic(
        code(sfsync::org::fault),
        help("the fault code is Salesforce's; check the API version, permissions (Modify Metadata) and the request")
    )]
    Fault {
        operation: String,
        code: String,
        message: String,
    },

    /// No HTTP answer at all.
    #[error("cannot reach the org at {url}: {message}")]
    #[diagnostic(
        code(sfsync::org::unreachable),
        help(
            "check the org URL in sfsync.toml and your network; for an emulator URL, start it with \
             `git sfsync emulator --dir <dir>` or use `local:<dir>`"
        )
    )]
    Unreachable { url: String, message: String },

    /// An HTTP status the protocol does not explain.
    #[error("the org at {url} answered HTTP {status}: {body}")]
    #[diagnostic(
        code(sfsync::org::http),
        help("this is usually transient (maintenance, limits): try again later")
    )]
    Http {
        url: String,
        status: u16,
        body: String,
    },

    /// A response we could not understand.
    #[error("the org's answer to {operation} is not valid: {message}")]
    #[diagnostic(
        code(sfsync::org::protocol),
        help("the server does not speak the Metadata API as expected: check that the URL points at a Salesforce instance")
    )]
    Protocol { operation: String, message: String },

    /// The OAuth token endpoint refused us.
    #[error("authentication at {url} failed: {message}")]
    #[diagnostic(
        code(sfsync::org::auth),
        help(
            "the refresh token or access token is no longer valid: re-authenticate with \
             `git sfsync org add <alias> --url <url> --auth-url-file <file>` or `--sf-alias <alias>`"
        )
    )]
    Auth { url: String, message: String },

    /// Credentials are missing or cannot be read or written.
    #[error("credentials for org '{alias}': {message}")]
    #[diagnostic(
        code(sfsync::org::credentials),
        help("add credentials with `git sfsync org add <alias> --url <url> [--auth-url-file F | --access-token-env VAR | --sf-alias A]`")
    )]
    Credentials { alias: String, message: String },

    /// An org URL we do not know how to talk to.
    #[error("'{url}' is not an org URL: {message}")]
    #[diagnostic(
        code(sfsync::org::url),
        help("use https://<domain>.my.salesforce.com, http://127.0.0.1:<port> (a running emulator) or local:<dir>")
    )]
    InvalidUrl { url: String, message: String },

    /// A retrieved zip that would write outside its target or is too big.
    #[error("refusing the retrieved zip: entry '{entry}' {reason}; nothing was written")]
    #[diagnostic(
        code(sfsync::org::unsafe_zip),
        help("the org (or something between us and it) sent a dangerous archive: do not retry blindly, inspect the org")
    )]
    UnsafeZip { entry: String, reason: String },

    /// A zip that cannot be read or written.
    #[error("zip archive: {message}")]
    #[diagnostic(code(sfsync::org::zip))]
    Zip { message: String },

    /// An asynchronous operation did not finish in time.
    #[error("{operation} {id} did not finish within {seconds} s")]
    #[diagnostic(
        code(sfsync::org::timeout),
        help("the org may still be working: check its Deployment Status page before retrying")
    )]
    Timeout {
        operation: String,
        id: String,
        seconds: u64,
    },

    /// The org reported that a retrieve failed as a whole.
    #[error("the retrieve failed: {message}")]
    #[diagnostic(
        code(sfsync::org::retrieve_failed),
        help("check the selection: the org refused it as a whole")
    )]
    RetrieveFailed { message: String },

    /// Input we were handed cannot be sent (bad selection, unreadable file).
    #[error("{message}")]
    #[diagnostic(code(sfsync::org::input))]
    Input { message: String },

    /// A local file could not be read or written.
    #[error("cannot access {path}: {source}")]
    #[diagnostic(code(sfsync::org::io))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    /// The emulator could not start or serve.
    #[error("emulator: {message}")]
    #[diagnostic(
        code(sfsync::org::emulator),
        help("check that the org directory exists and is writable, and that the port is free")
    )]
    Emulator { message: String },
}

impl Error {
    /// Returns true for failures worth retrying for an idempotent call.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Unreachable { .. } => true,
            Error::Http { status, .. } => matches!(status, 500 | 502 | 503 | 504 | 420 | 429),
            Error::Fault { code, .. } => matches!(
                code.as_str(),
                "UNKNOWN_EXCEPTION" | "INVALID_CROSS_REFERENCE_KEY" | "REQUEST_RUNNING_TOO_LONG"
            ),
            Error::Protocol { .. } => true,
            _ => false,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
