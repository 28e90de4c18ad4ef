//! `git sfsync org ...` and `git sfsync emulator` as a user runs them.

use crate::common::{sfsync_bin, TestEnv};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A `git sfsync emulator` child process, killed on drop.
struct EmulatorProcess {
    child: Child,
    url: String,
    token: String,
    auth_url: String,
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_emulator(env: &TestEnv, dir: &std::path::Path, extra: &[&str]) -> EmulatorProcess {
    let mut cmd: Command = env.command(sfsync_bin(), env.root());
    cmd.arg("emulator")
        .arg("--dir")
        .arg(dir)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("start the emulator");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut field = |prefix: &str| {
        let line = lines
            .next()
            .expect("the emulator prints its address")
            .expect("readable stdout");
        line.strip_prefix(prefix)
            .unwrap_or_else(|| panic!("expected '{prefix}', got '{line}'"))
            .to_string()
    };
    let url = field("url: ");
    let token = field("access token: ");
    let auth_url = field("auth url: ");
    EmulatorProcess {
        child,
        url,
        token,
        auth_url,
    }
}

#[test]
fn org_add_list_remove_with_a_local_org() {
    let env = TestEnv::new();
    let repo = env.init_repo("project");
    env.write(
        &repo,
        "orgs/dev/force-app/main/default/classes/A.cls",
        "public class A {}",
    );
    env.sfsync(&repo, &["org", "add", "dev", "--url", "local:orgs/dev"])
        .success();
    let config = env.read(&repo, "sfsync.toml");
    assert!(config.contains("[orgs.dev]"), "{config}");
    assert!(config.contains("url = \"local:orgs/dev\""), "{config}");

    let listed = env.sfsync(&repo, &["org", "list", "--check"]).success();
    assert!(
        listed
            .stdout
            .starts_with("dev\tlocal:orgs/dev\torgs/dev\tembedded\tok: org 00D000000000001AAA"),
        "{}",
        listed.stdout
    );
    let json = env.sfsync(&repo, &["org", "list", "--json"]).success();
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value[0]["alias"], "dev");
    assert_eq!(value[0]["status"], serde_json::Value::Null);

    env.sfsync(&repo, &["org", "remove", "dev"]).success();
    let listed = env.sfsync(&repo, &["org", "list"]).success();
    assert!(
        listed.stdout.contains("no orgs configured"),
        "{}",
        listed.stdout
    );
    let missing = env
        .sfsync(&repo, &["org", "remove", "dev"])
        .expect_status(2);
    assert!(
        missing.stderr.contains("no org named 'dev'"),
        "{}",
        missing.stderr
    );
}

#[test]
fn org_add_rejects_bad_urls_and_aliases() {
    let env = TestEnv::new();
    let repo = env.init_repo("project");
    let bad_url = env
        .sfsync(&repo, &["org", "add", "dev", "--url", "http://example.com"])
        .expect_status(2);
    assert!(
        bad_url.stderr.contains("only allowed for an emulator"),
        "{}",
        bad_url.stderr
    );
    env.sfsync(&repo, &["org", "add", "../x", "--url", "local:x"])
        .expect_status(2);
}

#[test]
fn running_emulator_with_access_token_from_the_environment() {
    let env = TestEnv::new();
    let repo = env.init_repo("project");
    let emulator = start_emulator(
        &env,
        &env.root().join("org"),
        &["--access-token", "00Dtest!token"],
    );
    assert_eq!(emulator.token, "00Dtest!token");
    env.sfsync(
        &repo,
        &[
            "org",
            "add",
            "ci",
            "--url",
            &emulator.url,
            "--access-token-env",
            "CI_TOKEN",
        ],
    )
    .success();
    let credentials = env.read(&repo, ".git/sfsync/credentials.toml");
    assert!(
        credentials.contains("access_token_env = \"CI_TOKEN\""),
        "{credentials}"
    );
    assert!(!credentials.contains("00Dtest!token"), "{credentials}");

    let run = |token: &str| {
        let output = env
            .command(sfsync_bin(), &repo)
            .env("CI_TOKEN", token)
            .args(["org", "list", "--check"])
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, stdout, _) = run("00Dtest!token");
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("ok: org 00D000000000001AAA"), "{stdout}");
    let (code, stdout, stderr) = run("00Dwrong!token");
    assert_eq!(code, Some(3), "{stdout}{stderr}");
    assert!(stdout.contains("failed: the org at"), "{stdout}");
    assert!(!stdout.contains("00Dwrong!token") && !stderr.contains("00Dwrong!token"));
}

#[cfg(unix)]
#[test]
fn auth_url_file_is_stored_privately_and_never_printed() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let repo = env.init_repo("project");
    let emulator = start_emulator(&env, &env.root().join("org"), &[]);
    env.write(env.root(), "auth.txt", format!("{}\n", emulator.auth_url));
    let auth_file = env.root().join("auth.txt");
    env.sfsync(
        &repo,
        &[
            "org",
            "add",
            "uat",
            "--url",
            &emulator.url,
            "--auth-url-file",
            auth_file.to_str().unwrap(),
        ],
    )
    .success();
    let path = repo.join(".git/sfsync/credentials.toml");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let listed = env.sfsync(&repo, &["org", "list", "--check"]).success();
    assert!(listed.stdout.contains("uat\t"), "{}", listed.stdout);
    assert!(
        listed.stdout.contains("refresh token\tok"),
        "{}",
        listed.stdout
    );
    let refresh = emulator
        .auth_url
        .rsplit_once('@')
        .unwrap()
        .0
        .rsplit(':')
        .next()
        .unwrap();
    assert!(!listed.stdout.contains(refresh) && !listed.stderr.contains(refresh));
    assert!(!env.read(&repo, "sfsync.toml").contains(refresh));
}

#[test]
fn unreachable_emulator_exits_3_with_a_hint() {
    let env = TestEnv::new();
    let repo = env.init_repo("project");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    env.sfsync(
        &repo,
        &[
            "org",
            "add",
            "gone",
            "--url",
            &url,
            "--access-token-env",
            "NOPE",
        ],
    )
    .success();
    let output = env
        .command(sfsync_bin(), &repo)
        .env("NOPE", "x")
        .args(["org", "list", "--check"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("cannot reach the org"), "{stdout}");
}

#[cfg(unix)]
#[test]
fn org_add_imports_an_sf_cli_alias() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let repo = env.init_repo("project");
    let emulator = start_emulator(&env, &env.root().join("org"), &[]);
    // A stand-in for the Salesforce CLI that answers like `sf org auth show-sfdx-auth-url --json`.
    let bin = env.root().join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let answer = serde_json::json!({"status": 0, "result": {"sfdxAuthUrl": emulator.auth_url}});
    let script = format!(
        "#!/bin/sh\n[ \"$1 $2 $3 $4 $5\" = \"org auth show-sfdx-auth-url --target-org my-sandbox\" ] || exit 1\necho '{answer}'\n"
    );
    std::fs::write(bin.join("sf"), script).unwrap();
    std::fs::set_permissions(bin.join("sf"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut path_dirs = vec![sfsync_bin().parent().unwrap().to_path_buf()];
    path_dirs.extend(std::env::split_paths(&path));
    let output = env
        .command(sfsync_bin(), &repo)
        .env("PATH", std::env::join_paths(path_dirs).unwrap())
        .args([
            "org",
            "add",
            "sbx",
            "--url",
            &emulator.url,
            "--sf-alias",
            "my-sandbox",
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listed = env.sfsync(&repo, &["org", "list", "--check"]).success();
    assert!(listed.stdout.contains("sbx\t"), "{}", listed.stdout);
    assert!(
        listed.stdout.contains("refresh token\tok"),
        "{}",
        listed.stdout
    );
}
