//! Fidelity check: jsforce, the Metadata API client the Salesforce CLI is
//! built on, retrieves and deploys against the emulator unchanged.
//!
//! Needs `node` and jsforce: `npm install --prefix tests/jsforce` (or a
//! NODE_PATH that holds jsforce). Only a missing `node` skips the test.

use sfsync::org::emulator::{self, Options};
use std::path::Path;

const CLASS_META: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ApexClass xmlns=\"http://soap.sforce.com/2006/04/metadata\"><apiVersion>63.0</apiVersion><status>Active</status></ApexClass>\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsforce_retrieves_and_deploys_against_the_emulator() {
    if std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!(
            "\n\n!!!!!!!! SKIPPED jsforce fidelity check: `node` is not installed !!!!!!!!\n\n"
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let classes = tmp.path().join("force-app/main/default/classes");
    std::fs::create_dir_all(&classes).unwrap();
    std::fs::write(
        classes.join("InvoiceService.cls"),
        "public class InvoiceService {\n}\n",
    )
    .unwrap();
    std::fs::write(classes.join("InvoiceService.cls-meta.xml"), CLASS_META).unwrap();
    let running = emulator::start(Options::new(tmp.path())).await.unwrap();

    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut node_path: Vec<std::path::PathBuf> = std::env::var_os("NODE_PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    node_path.push(manifest_dir.join("tests/jsforce/node_modules"));
    let node_path = std::env::join_paths(node_path).unwrap();
    let script = manifest_dir.join("tests/jsforce/fidelity.js");
    let (url, token, refresh) = (
        running.url.clone(),
        running.access_token.clone(),
        running.refresh_token.clone(),
    );
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg(script)
            .args([&url, &token, &refresh])
            .env("NODE_PATH", node_path)
            .output()
            .expect("run node")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "jsforce fidelity script failed (is jsforce installed? `npm install --prefix tests/jsforce`)\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        vec![
            "describe types=true apexclass_suffix=cls",
            "list names=InvoiceService id_prefix=01p",
            "list_empty count=0",
            "retrieve status=Succeeded success=true files=classes/InvoiceService.cls,classes/InvoiceService.cls-meta.xml,package.xml",
            "retrieve_messages Entity of type 'ApexClass' named 'Missing' cannot be found",
            "deploy status=Succeeded success=true done=true components=FromJsforce:created=true",
            "deploy_failure status=Failed file=classes/Broken.cls line=3 column=19",
            "cancel done=true status=Canceled",
            "refresh events=1 names=FromJsforce,InvoiceService",
        ],
        "stderr:\n{stderr}"
    );
    // jsforce's deploy reached the org directory.
    assert!(classes.join("FromJsforce.cls").exists());
    assert!(!classes.join("Broken.cls").exists());
}
