//! The Metadata API client against the emulator, over real HTTP on 127.0.0.1:
//! retrieve, deploy, list, describe, sessions, faults and hostile zips.

use sfsync::org::emulator::{self, Options};
use sfsync::org::{
    ClientOptions, ComponentKey, Credentials, DeployOptions, Error, Files, ListMetadataQuery,
    MetadataOrg, Org, OrgUrl, Package, PackageTypeMembers, Secret,
};
use std::path::Path;
use std::time::Duration;

const CLASS_A: &str =
    "public class InvoiceService {\n    public Integer total() { return 1; }\n}\n";
const CLASS_META: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ApexClass xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <apiVersion>65.0</apiVersion>\n    <status>Active</status>\n</ApexClass>\n";
const LAYOUT: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Layout xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <layoutSections/>\n</Layout>\n";

/// Writes a small org in source format.
fn seed(dir: &Path) {
    let base = dir.join("force-app/main/default");
    std::fs::create_dir_all(base.join("classes")).unwrap();
    std::fs::create_dir_all(base.join("layouts")).unwrap();
    std::fs::write(base.join("classes/InvoiceService.cls"), CLASS_A).unwrap();
    std::fs::write(base.join("classes/InvoiceService.cls-meta.xml"), CLASS_META).unwrap();
    std::fs::write(
        base.join("layouts/Account-Account Layout.layout-meta.xml"),
        LAYOUT,
    )
    .unwrap();
}

fn package(types: &[(&str, &[&str])]) -> Package {
    Package {
        types: types
            .iter()
            .map(|(name, members)| PackageTypeMembers {
                members: members.iter().map(|m| m.to_string()).collect(),
                name: name.to_string(),
            })
            .collect(),
        version: "65.0".into(),
    }
}

fn class_files(name: &str, body: &str) -> Files {
    let mut files = Files::new();
    files.insert(
        format!("force-app/main/default/classes/{name}.cls"),
        body.as_bytes().to_vec(),
    );
    files.insert(
        format!("force-app/main/default/classes/{name}.cls-meta.xml"),
        CLASS_META.as_bytes().to_vec(),
    );
    files
}

async fn connect_to(
    running: &emulator::Running,
    token: Option<&str>,
) -> Result<MetadataOrg, Error> {
    let mut credentials = Credentials::from_sfdx_auth_url(&running.auth_url())?;
    credentials.access_token = token.map(Secret::new);
    MetadataOrg::connect(
        &OrgUrl::Emulator(running.url.clone()),
        Some(credentials),
        Some(ClientOptions::local()),
    )
    .await
}

#[tokio::test]
async fn retrieve_returns_source_files_and_reports_missing_components() {
    let tmp = tempfile::tempdir().unwrap();
    seed(tmp.path());
    let org = MetadataOrg::connect(&OrgUrl::Local(tmp.path().to_path_buf()), None, None)
        .await
        .unwrap();
    let retrieved = org
        .retrieve(
            &package(&[
                ("ApexClass", &["*"]),
                ("Layout", &["Account-Account Layout", "Missing"]),
            ]),
            "force-app",
            &[],
        )
        .await
        .unwrap();
    let paths: Vec<&str> = retrieved.files.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        vec![
            "force-app/main/default/classes/InvoiceService.cls",
            "force-app/main/default/classes/InvoiceService.cls-meta.xml",
            "force-app/main/default/layouts/Account-Account Layout.layout-meta.xml",
        ]
    );
    assert_eq!(
        retrieved.files["force-app/main/default/classes/InvoiceService.cls"],
        CLASS_A.as_bytes()
    );
    assert_eq!(
        retrieved.messages,
        vec!["Entity of type 'Layout' named 'Missing' cannot be found"]
    );
    let class = retrieved
        .properties
        .iter()
        .find(|p| p.type_ == "ApexClass")
        .unwrap();
    assert_eq!(class.file_name, "classes/InvoiceService.cls");
    assert!(class.id.starts_with("01p"), "{}", class.id);
    assert!(retrieved.properties.iter().any(|p| p.type_ == "Package"));
}

#[tokio::test]
async fn deploy_writes_the_org_and_bumps_last_modified() {
    let tmp = tempfile::tempdir().unwrap();
    seed(tmp.path());
    let org = MetadataOrg::connect(&OrgUrl::Local(tmp.path().to_path_buf()), None, None)
        .await
        .unwrap();
    let before = org
        .list(&[ListMetadataQuery {
            folder: None,
            type_: "ApexClass".into(),
        }])
        .await
        .unwrap();
    assert_eq!(before.len(), 1);
    assert_eq!(before[0].last_modified_by_name, "Direct Edit");

    let mut files = class_files("InvoiceService", "public class InvoiceService { }\n");
    files.extend(class_files("NewThing", "public class NewThing { }\n"));
    let outcome = org
        .deploy(&files, &[], &DeployOptions::default())
        .await
        .unwrap();
    assert!(outcome.succeeded(), "{:?}", outcome.results);
    let result = &outcome.results[0];
    assert_eq!(result.number_components_deployed, 2);
    let created: Vec<(&str, bool, bool)> = result
        .component_successes
        .iter()
        .filter(|m| !m.component_type.is_empty())
        .map(|m| (m.full_name.as_str(), m.created, m.changed))
        .collect();
    assert_eq!(
        created,
        vec![("InvoiceService", false, true), ("NewThing", true, false)]
    );
    assert!(result
        .component_successes
        .iter()
        .any(|m| m.file_name == "package.xml" && m.component_type.is_empty()));
    let on_disk = std::fs::read_to_string(
        tmp.path()
            .join("force-app/main/default/classes/NewThing.cls"),
    )
    .unwrap();
    assert_eq!(on_disk, "public class NewThing { }\n");

    let after = org
        .list(&[ListMetadataQuery {
            folder: None,
            type_: "ApexClass".into(),
        }])
        .await
        .unwrap();
    let invoice = after
        .iter()
        .find(|p| p.full_name == "InvoiceService")
        .unwrap();
    assert_eq!(invoice.last_modified_by_name, "Admin User");
    assert_eq!(invoice.id, before[0].id);
}

#[tokio::test]
async fn deploy_reports_apex_and_xml_failures_at_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    seed(tmp.path());
    let org = MetadataOrg::connect(&OrgUrl::Local(tmp.path().to_path_buf()), None, None)
        .await
        .unwrap();
    let mut files = class_files(
        "Broken",
        "public class Broken {\n    public void m() {\n        Integer x = ;\n    }\n}\n",
    );
    files.insert(
        "force-app/main/default/layouts/Account-Bad.layout-meta.xml".into(),
        b"<Layout>\n<a></b>\n</Layout>\n".to_vec(),
    );
    files.extend(class_files("Fine", "public class Fine { }\n"));
    let outcome = org
        .deploy(&files, &[], &DeployOptions::default())
        .await
        .unwrap();
    assert!(!outcome.succeeded());
    let result = &outcome.results[0];
    assert_eq!(result.status, "Failed");
    let failures = outcome.failures();
    let apex = failures
        .iter()
        .find(|(_, m)| m.full_name == "Broken")
        .expect("an Apex failure");
    assert_eq!(apex.1.line_number, Some(3));
    assert!(apex.1.column_number.is_some_and(|c| c > 1));
    assert_eq!(
        apex.0.as_deref(),
        Some("force-app/main/default/classes/Broken.cls")
    );
    let xml = failures
        .iter()
        .find(|(_, m)| m.full_name == "Account-Bad")
        .expect("an XML failure");
    assert_eq!(xml.1.line_number, Some(2));
    // rollbackOnError: nothing was written, not even the good class.
    assert!(!tmp
        .path()
        .join("force-app/main/default/classes/Fine.cls")
        .exists());

    let partial = DeployOptions {
        rollback_on_error: false,
        ..DeployOptions::default()
    };
    let outcome = org.deploy(&files, &[], &partial).await.unwrap();
    assert_eq!(outcome.results[0].status, "SucceededPartial");
    assert!(tmp
        .path()
        .join("force-app/main/default/classes/Fine.cls")
        .exists());
    assert!(!tmp
        .path()
        .join("force-app/main/default/classes/Broken.cls")
        .exists());
}

#[tokio::test]
async fn check_only_and_deletions() {
    let tmp = tempfile::tempdir().unwrap();
    seed(tmp.path());
    let org = MetadataOrg::connect(&OrgUrl::Local(tmp.path().to_path_buf()), None, None)
        .await
        .unwrap();
    let class = tmp
        .path()
        .join("force-app/main/default/classes/InvoiceService.cls");
    let check_only = DeployOptions {
        check_only: true,
        ..DeployOptions::default()
    };
    let deletion = [ComponentKey::new("ApexClass", "InvoiceService")];
    let outcome = org
        .deploy(&Files::new(), &deletion, &check_only)
        .await
        .unwrap();
    assert!(outcome.succeeded(), "{:?}", outcome.results);
    assert!(class.exists(), "checkOnly must not change the org");

    let outcome = org
        .deploy(&Files::new(), &deletion, &DeployOptions::default())
        .await
        .unwrap();
    assert!(outcome.succeeded(), "{:?}", outcome.results);
    assert!(outcome.results[0]
        .component_successes
        .iter()
        .any(|m| m.deleted));
    assert!(!class.exists());

    // Deleting what is not there is a warning, which fails unless ignored.
    let outcome = org
        .deploy(&Files::new(), &deletion, &DeployOptions::default())
        .await
        .unwrap();
    let warning = &outcome.results[0].component_failures[0];
    assert_eq!(warning.problem_type.as_deref(), Some("Warning"));
    assert_eq!(
        warning.problem.as_deref(),
        Some("No ApexClass named: InvoiceService found")
    );
    let ignore = DeployOptions {
        ignore_warnings: true,
        ..DeployOptions::default()
    };
    assert!(org
        .deploy(&Files::new(), &deletion, &ignore)
        .await
        .unwrap()
        .succeeded());
}

#[tokio::test]
async fn describe_and_list_with_folders_and_children() {
    let tmp = tempfile::tempdir().unwrap();
    seed(tmp.path());
    let base = tmp.path().join("force-app/main/default");
    std::fs::create_dir_all(base.join("reports/Sales")).unwrap();
    std::fs::write(
        base.join("reports/Sales.reportFolder-meta.xml"),
        "<ReportFolder/>",
    )
    .unwrap();
    std::fs::write(
        base.join("reports/Sales/Pipeline.report-meta.xml"),
        "<Report/>",
    )
    .unwrap();
    std::fs::create_dir_all(base.join("labels")).unwrap();
    std::fs::write(
        base.join("labels/CustomLabels.labels-meta.xml"),
        "<CustomLabels xmlns=\"http://soap.sforce.com/2006/04/metadata\"><labels><fullName>Greeting</fullName><value>Hi</value></labels></CustomLabels>",
    )
    .unwrap();
    let org = MetadataOrg::connect(&OrgUrl::Local(tmp.path().to_path_buf()), None, None)
        .await
        .unwrap();
    let described = org.describe().await.unwrap();
    assert!(described
        .iter()
        .any(|o| o.xml_name == "ApexClass" && o.meta_file));

    let listed = org
        .list_types(&["Report", "CustomLabel", "Layout"])
        .await
        .unwrap();
    let mut names: Vec<String> = listed
        .iter()
        .map(|p| format!("{}:{}", p.type_, p.full_name))
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            "CustomLabel:Greeting",
            "Layout:Account-Account Layout",
            "Report:Sales/Pipeline",
            "ReportFolder:Sales",
        ]
    );
    let empty = org
        .list(&[ListMetadataQuery {
            folder: None,
            type_: "Flow".into(),
        }])
        .await
        .unwrap();
    assert!(empty.is_empty());
    let too_many = vec![
        ListMetadataQuery {
            folder: None,
            type_: "Flow".into(),
        };
        4
    ];
    // The client splits queries in threes, so the org never sees four.
    assert!(org.list(&too_many).await.unwrap().is_empty());
}

#[tokio::test]
async fn expired_session_is_refreshed_once_and_retried() {
    let tmp = tempfile::tempdir().unwrap();
    seed(tmp.path());
    let options = Options {
        session_ttl: Some(Duration::from_millis(300)),
        ..Options::new(tmp.path())
    };
    let running = emulator::start(options).await.unwrap();
    let token = running.access_token.clone();
    let org = connect_to(&running, Some(&token)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let listed = org
        .list(&[ListMetadataQuery {
            folder: None,
            type_: "ApexClass".into(),
        }])
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    let credentials = org.client().credentials().await;
    assert_ne!(
        credentials
            .access_token
            .as_ref()
            .map(|t| t.expose().to_string()),
        Some(token),
        "a new session was issued"
    );

    // Without a refresh token the expired session is an InvalidSession error.
    let plain = Credentials {
        instance_url: Some(running.url.clone()),
        access_token: Some(Secret::new(running.access_token.clone())),
        ..Credentials::default()
    };
    let org = MetadataOrg::connect(&OrgUrl::Emulator(running.url.clone()), Some(plain), None)
        .await
        .unwrap();
    let err = org.describe().await.unwrap_err();
    assert!(matches!(err, Error::InvalidSession { .. }), "{err}");
    let help = miette::Diagnostic::help(&err).unwrap().to_string();
    assert!(help.contains("re-authenticate"), "{help}");
}

#[tokio::test]
async fn bad_refresh_token_is_an_auth_error() {
    let tmp = tempfile::tempdir().unwrap();
    let running = emulator::start(Options::new(tmp.path())).await.unwrap();
    let host = running.url.trim_start_matches("http://");
    let credentials =
        Credentials::from_sfdx_auth_url(&format!("force://PlatformCLI::wrong@{host}")).unwrap();
    let err = MetadataOrg::connect(
        &OrgUrl::Emulator(running.url.clone()),
        Some(credentials),
        None,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err}");
    assert!(
        err.to_string().contains("expired access/refresh token"),
        "{err}"
    );
}

#[tokio::test]
async fn transient_failures_are_retried_for_idempotent_calls_only() {
    let tmp = tempfile::tempdir().unwrap();
    seed(tmp.path());
    let options = Options {
        fail_every: Some(2),
        latency: Duration::from_millis(1),
        ..Options::new(tmp.path())
    };
    let running = emulator::start(options).await.unwrap();
    let token = running.access_token.clone();
    let org = connect_to(&running, Some(&token)).await.unwrap();
    // Every second SOAP call fails: retrieve, polls and list still succeed.
    for _ in 0..3 {
        let retrieved = org
            .retrieve(&package(&[("ApexClass", &["*"])]), "force-app", &[])
            .await
            .unwrap();
        assert_eq!(retrieved.files.len(), 2);
    }
    // A deploy is sent at most once: when its call is the failing one, the
    // client reports the failure instead of sending it again.
    let mut failed = 0;
    for _ in 0..4 {
        match org
            .deploy(
                &class_files("Once", "public class Once { }\n"),
                &[],
                &DeployOptions::default(),
            )
            .await
        {
            Ok(outcome) => assert!(outcome.succeeded(), "{:?}", outcome.results),
            Err(Error::Fault {
                operation, code, ..
            }) => {
                assert_eq!(
                    (operation.as_str(), code.as_str()),
                    ("deploy", "UNKNOWN_EXCEPTION")
                );
                failed += 1;
            }
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert!(
        failed > 0,
        "the deploy call hit an injected failure at least once"
    );
}

#[tokio::test]
async fn unreachable_org_says_how_to_fix_it() {
    // Bind then drop a listener to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let credentials = Credentials {
        access_token: Some(Secret::new("x")),
        ..Credentials::default()
    };
    let options = ClientOptions {
        attempts: 1,
        ..ClientOptions::local()
    };
    let err = MetadataOrg::connect(&OrgUrl::Emulator(url), Some(credentials), Some(options))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unreachable { .. }), "{err}");
    let help = miette::Diagnostic::help(&err).unwrap().to_string();
    assert!(help.contains("git sfsync emulator"), "{help}");
}

#[tokio::test]
async fn a_direct_edit_in_the_org_directory_shows_in_list_and_retrieve() {
    let tmp = tempfile::tempdir().unwrap();
    seed(tmp.path());
    let org = MetadataOrg::connect(&OrgUrl::Local(tmp.path().to_path_buf()), None, None)
        .await
        .unwrap();
    let query = [ListMetadataQuery {
        folder: None,
        type_: "ApexClass".into(),
    }];
    let first = org.list(&query).await.unwrap();
    assert_eq!(first[0].last_modified_by_name, "Direct Edit");
    org.deploy(
        &class_files("InvoiceService", CLASS_A),
        &[],
        &DeployOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        org.list(&query).await.unwrap()[0].last_modified_by_name,
        "Direct Edit"
    );
    // That deploy changed nothing, so the attribution stayed; a real change moves it.
    org.deploy(
        &class_files("InvoiceService", "public class InvoiceService { }\n"),
        &[],
        &DeployOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        org.list(&query).await.unwrap()[0].last_modified_by_name,
        "Admin User"
    );
    std::fs::write(
        tmp.path()
            .join("force-app/main/default/classes/InvoiceService.cls"),
        "public class InvoiceService { /* hotfix */ }\n",
    )
    .unwrap();
    let listed = org.list(&query).await.unwrap();
    assert_eq!(listed[0].last_modified_by_name, "Direct Edit");
    let retrieved = org
        .retrieve(
            &package(&[("ApexClass", &["InvoiceService"])]),
            "force-app",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        retrieved.files["force-app/main/default/classes/InvoiceService.cls"],
        b"public class InvoiceService { /* hotfix */ }\n"
    );
}

/// A fake org whose retrieve hands out a zip with a `..` entry.
async fn hostile_org(entry: &'static str) -> String {
    use axum::routing::{get, post};
    use sfsync::org::soap;
    let zip = sfsync::org::zip::write(&[
        ("package.xml".to_string(), b"<Package/>".to_vec()),
        (entry.to_string(), b"owned".to_vec()),
    ])
    .unwrap();
    let encoded = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, zip);
    let app = axum::Router::new()
        .route(
            "/services/data/",
            get(|| async { r#"[{"label":"Winter '26","url":"/services/data/v65.0","version":"65.0"}]"# }),
        )
        .route(
            "/services/Soap/m/{version}",
            post(move |body: String| {
                let encoded = encoded.clone();
                async move {
                    let inner = if body.contains("retrieve>") && !body.contains("checkRetrieveStatus") {
                        "<retrieveResponse><result><done>false</done><id>09S000000000001AAA</id><state>Queued</state></result></retrieveResponse>".to_string()
                    } else {
                        format!("<checkRetrieveStatusResponse><result><done>true</done><id>09S000000000001AAA</id><status>Succeeded</status><success>true</success><zipFile>{encoded}</zipFile></result></checkRetrieveStatusResponse>")
                    };
                    soap::response_envelope(&inner)
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

#[tokio::test]
async fn a_retrieved_zip_that_escapes_is_refused_whole() {
    for entry in ["../../evil.cls", "/etc/evil.cls"] {
        let url = hostile_org(entry).await;
        let credentials = Credentials {
            access_token: Some(Secret::new("x")),
            ..Credentials::default()
        };
        let org = MetadataOrg::connect(&OrgUrl::Emulator(url), Some(credentials), None)
            .await
            .unwrap();
        let err = org
            .retrieve(&package(&[("ApexClass", &["*"])]), "force-app", &[])
            .await
            .unwrap_err();
        assert!(matches!(err, Error::UnsafeZip { .. }), "{entry}: {err}");
        assert!(err.to_string().contains("nothing was written"), "{err}");
    }
}

/// Reads every file under `dir` as `force-app/...` relative paths.
fn read_tree(dir: &Path, prefix: &str) -> Files {
    let mut out = Files::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(format!("{prefix}{rel}"), std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[tokio::test]
async fn sample_project_deploys_and_retrieves_byte_for_byte() {
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sample-project/force-app");
    let source = read_tree(&project, "force-app/");
    let tmp = tempfile::tempdir().unwrap();
    let org = MetadataOrg::connect(&OrgUrl::Local(tmp.path().to_path_buf()), None, None)
        .await
        .unwrap();
    let outcome = org
        .deploy(&source, &[], &DeployOptions::default())
        .await
        .unwrap();
    assert!(
        outcome.succeeded(),
        "{:#?}",
        outcome.results[0].component_failures
    );
    // The org directory now holds the project, file for file.
    assert_eq!(
        read_tree(&tmp.path().join("force-app"), "force-app/"),
        source
    );

    // Retrieving the manifest of the project gives the same files back.
    let (_, package) = sfsync::org::format::to_mdapi(&source, "65.0").unwrap();
    let retrieved = org.retrieve(&package, "force-app", &[]).await.unwrap();
    assert!(retrieved.messages.is_empty(), "{:?}", retrieved.messages);
    let got: Vec<&String> = retrieved.files.keys().collect();
    let want: Vec<&String> = source.keys().collect();
    assert_eq!(got, want);
    for (path, content) in &source {
        assert_eq!(&retrieved.files[path], content, "{path}");
    }
    // Child components are listed on their own.
    let fields = org
        .list(&[ListMetadataQuery {
            folder: None,
            type_: "CustomField".into(),
        }])
        .await
        .unwrap();
    assert!(fields.iter().any(
        |f| f.full_name == "Invoice__c.Amount__c" && f.file_name == "objects/Invoice__c.object"
    ));
}

#[tokio::test]
async fn a_pending_deploy_is_canceled_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let org = MetadataOrg::connect(&OrgUrl::Local(tmp.path().to_path_buf()), None, None)
        .await
        .unwrap();
    let (mdapi, package) =
        sfsync::org::format::to_mdapi(&class_files("Late", "public class Late { }\n"), "65.0")
            .unwrap();
    let mut entries = vec![(
        "package.xml".to_string(),
        package.to_manifest().into_bytes(),
    )];
    entries.extend(mdapi);
    let zip = sfsync::org::zip::write(&entries).unwrap();
    let id = org
        .client()
        .start_deploy(&zip, &DeployOptions::default())
        .await
        .unwrap();
    assert!(id.starts_with("0Af") && id.len() == 18, "{id}");
    assert!(org.cancel(&id).await.unwrap());
    let result = org.client().wait_deploy(&id).await.unwrap();
    assert_eq!((result.status.as_str(), result.done), ("Canceled", true));
    assert!(!tmp
        .path()
        .join("force-app/main/default/classes/Late.cls")
        .exists());
}

#[tokio::test]
async fn unknown_deploy_statuses_mean_still_running_until_done() {
    use axum::routing::{get, post};
    use sfsync::org::soap;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;
    let polls = Arc::new(AtomicU32::new(0));
    let counter = polls.clone();
    let app = axum::Router::new()
        .route(
            "/services/data/",
            get(|| async { r#"[{"label":"Winter '26","url":"/services/data/v65.0","version":"65.0"}]"# }),
        )
        .route(
            "/services/Soap/m/{version}",
            post(move |body: String| {
                let counter = counter.clone();
                async move {
                    let inner = if body.contains("<md:deploy>") {
                        "<deployResponse><result><done>false</done><id>0Af000000000009AAA</id><state>Queued</state></result></deployResponse>".to_string()
                    } else {
                        // Finalizing (outside the WSDL) twice, then done.
                        let n = counter.fetch_add(1, Ordering::SeqCst);
                        let (status, done) = if n < 2 { ("Finalizing", "false") } else { ("Succeeded", "true") };
                        format!("<checkDeployStatusResponse><result><done>{done}</done><id>0Af000000000009AAA</id><status>{status}</status><success>{done}</success></result></checkDeployStatusResponse>")
                    };
                    soap::response_envelope(&inner)
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let credentials = Credentials {
        access_token: Some(Secret::new("x")),
        ..Credentials::default()
    };
    let org = MetadataOrg::connect(&OrgUrl::Emulator(url), Some(credentials), None)
        .await
        .unwrap();
    let result = org
        .client()
        .deploy(b"not inspected by this fake", &DeployOptions::default())
        .await
        .unwrap();
    assert_eq!((result.status.as_str(), result.done), ("Succeeded", true));
    // Two Finalizing polls, the done poll, and the final call with details.
    assert_eq!(polls.load(Ordering::SeqCst), 4);
}
