//! The `dojo` binary as a user runs it: startup, errors, accounts, and a token
//! through a real socket, on SQLite and (with DOJO_TEST_DATABASE_URL) PostgreSQL.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use dojo_storage::testing::{TestDb, POSTGRES_ENV};

const DOJO: &str = env!("CARGO_BIN_EXE_dojo");
const PASSWORD: &str = "Correct-Horse-42";

fn dojo(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(DOJO);
    command
        .args(args)
        .env_remove("DOJO_DATABASE_URL")
        .env("DOJO_LOG", "warn");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run dojo")
}

fn stderr_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn unsupported_database_url_ends_with_one_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = dojo(
        &["serve"],
        &[
            ("DOJO_DATABASE_URL", "mysql://root@localhost/dojo"),
            ("DOJO_DATA_DIR", &dir.path().to_string_lossy()),
        ],
    );
    assert!(!output.status.success());
    let lines = stderr_lines(&output);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("error: "), "{lines:?}");
    assert!(lines[0].contains("DOJO_DATABASE_URL"), "{lines:?}");
}

#[test]
fn unreachable_postgres_ends_with_one_line_without_the_password() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = dojo(
        &["serve"],
        &[
            (
                "DOJO_DATABASE_URL",
                "postgres://postgres:secret@127.0.0.1:1/dojo",
            ),
            ("DOJO_DATA_DIR", &dir.path().to_string_lossy()),
        ],
    );
    assert!(!output.status.success());
    let lines = stderr_lines(&output);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("cannot connect to PostgreSQL"),
        "{lines:?}"
    );
    assert!(
        !lines[0].contains("secret"),
        "the password leaked: {lines:?}"
    );
}

#[test]
fn unwritable_data_folder_ends_with_one_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A regular file where a folder should be: creating the data folder fails even as root.
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, b"x").expect("write blocker");
    let output = dojo(
        &["serve"],
        &[("DOJO_DATA_DIR", &blocker.join("data").to_string_lossy())],
    );
    assert!(!output.status.success());
    let lines = stderr_lines(&output);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("error: cannot create data folder"),
        "{lines:?}"
    );
}

#[test]
fn parse_lists_scan_types_and_rejects_malformed_reports() {
    let output = dojo(&["parse", "--list"], &[]);
    assert!(output.status.success());
    let list = String::from_utf8_lossy(&output.stdout);
    assert!(list
        .lines()
        .any(|l| l.split('\t').next() == Some("Bandit Scan")));

    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("bandit.json");
    std::fs::write(&report, b"{ not json").expect("write report");
    let path = report.to_string_lossy().into_owned();
    let output = dojo(&["parse", "--scan-type", "Bandit Scan", &path], &[]);
    assert!(!output.status.success());
    assert_eq!(
        stderr_lines(&output).len(),
        1,
        "{:?}",
        stderr_lines(&output)
    );

    let output = dojo(&["parse", "--scan-type", "No Such Scan", &path], &[]);
    assert!(!output.status.success());
    assert!(stderr_lines(&output)[0].contains("unknown scan type"));
}

/// A free port on the loopback interface.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn post_form(port: u16, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (status, body)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `dojo serve` and waits for its "listening" log line.
fn start_server(port: u16, env: &[(&str, &str)]) -> Server {
    let mut command = Command::new(DOJO);
    command
        .arg("serve")
        .env_remove("DOJO_DATABASE_URL")
        .env("DOJO_BIND", format!("127.0.0.1:{port}"))
        .env("DOJO_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("start dojo serve");
    let stderr = child.stderr.take().expect("stderr");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut lines = BufReader::new(stderr).lines();
    loop {
        assert!(
            Instant::now() < deadline,
            "dojo serve did not start in time"
        );
        match lines.next() {
            Some(Ok(line)) if line.contains("dojo is listening") => break,
            Some(Ok(_)) => {}
            _ => panic!("dojo serve exited before listening"),
        }
    }
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Server(child)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_sqlite_issues_a_token_to_the_first_admin() {
    end_to_end(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_postgres_issues_a_token_to_the_first_admin() {
    let Some(test_db) = TestDb::postgres().await else {
        eprintln!("skipped: {POSTGRES_ENV} is not set");
        return;
    };
    end_to_end(test_db).await;
}

/// The database is migrated but empty; the server process opens it by URL.
async fn end_to_end(test_db: TestDb) {
    let url = test_db.url();
    let outcome = tokio::task::spawn_blocking(move || {
        let data = tempfile::tempdir().expect("data dir");
        let data_dir = data.path().to_string_lossy().into_owned();
        let env = [
            ("DOJO_DATABASE_URL", url.as_str()),
            ("DOJO_DATA_DIR", data_dir.as_str()),
            ("DOJO_ADMIN_PASSWORD", PASSWORD),
        ];
        let port = free_port();
        let server = start_server(port, &env);
        let credentials = format!("username=admin&password={PASSWORD}");
        let (status, body) = post_form(port, "/api/v2/api-token-auth/", &credentials);
        assert_eq!(status, 200, "{body}");
        let token: serde_json::Value = serde_json::from_str(&body).expect("JSON body");
        let token = token["token"].as_str().expect("token").to_owned();
        assert_eq!(token.len(), 40);
        drop(server);

        // The CLI derives the same key from the same secret and database.
        let output = dojo(&["user", "create-token", "admin"], &env);
        assert!(output.status.success(), "{:?}", stderr_lines(&output));
        assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), token);

        // A second start keeps the admin and its token.
        let port = free_port();
        let server = start_server(port, &env);
        let (status, body) = post_form(port, "/api/v2/api-token-auth/", &credentials);
        assert_eq!(status, 200);
        assert!(body.contains(&token), "{body}");
        drop(server);

        let output = dojo(&["user", "list"], &env);
        assert!(output.status.success());
        let listing = String::from_utf8_lossy(&output.stdout).into_owned();
        assert_eq!(listing.lines().count(), 2, "{listing}");
        assert!(listing.contains("admin"));

        import_and_reimport(&env);
    })
    .await;
    test_db.cleanup().await;
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}

/// `dojo import` and `dojo reimport` against the same database as the server.
fn import_and_reimport(env: &[(&str, &str)]) {
    let report = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/conformance/scans/zap/some_2.9.0.xml");
    if !report.exists() {
        eprintln!("conformance samples not found; import skipped");
        return;
    }
    let report = report.to_string_lossy().into_owned();
    let names = [
        "--scan-type",
        "ZAP Scan",
        "--product-type",
        "Web",
        "--product",
        "Shop",
        "--engagement",
        "CI",
    ];
    let mut args = vec!["import"];
    args.extend(names);
    args.extend(["--json", report.as_str()]);
    let output = dojo(&args, env);
    assert!(output.status.success(), "{:?}", stderr_lines(&output));
    let imported: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("JSON statistics");
    assert_eq!(imported["statistics"]["after"]["total"]["total"], 7);
    assert_eq!(imported["statistics"]["after"]["low"]["active"], 5);

    args[0] = "reimport";
    let output = dojo(&args, env);
    assert!(output.status.success(), "{:?}", stderr_lines(&output));
    let reimported: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("JSON statistics");
    assert_eq!(reimported["test_id"], imported["test_id"]);
    assert_eq!(
        reimported["statistics"]["delta"]["untouched"]["total"]["total"],
        7
    );
    assert_eq!(
        reimported["statistics"]["delta"]["created"]["total"]["total"],
        0
    );

    // A missing product without auto-create is one line and a failure.
    let output = dojo(
        &[
            "import",
            "--scan-type",
            "ZAP Scan",
            "--product",
            "Nope",
            "--engagement",
            "CI",
            "--no-auto-create",
            report.as_str(),
        ],
        env,
    );
    assert!(!output.status.success());
    assert_eq!(
        stderr_lines(&output),
        ["error: Product \"Nope\" does not exist"]
    );
}

#[test]
fn user_commands_create_change_and_refuse() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().to_string_lossy().into_owned();
    let env = [("DOJO_DATA_DIR", data_dir.as_str())];
    let mut child = Command::new(DOJO)
        .args([
            "user",
            "create",
            "carol",
            "--password-stdin",
            "--email",
            "carol@example.com",
        ])
        .env("DOJO_DATA_DIR", &data_dir)
        .env_remove("DOJO_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .expect("write password");
    let created = child.wait_with_output().expect("wait");
    assert!(created.status.success(), "{:?}", stderr_lines(&created));
    assert!(String::from_utf8_lossy(&created.stdout).contains("created user carol"));

    let weak = dojo(&["user", "create", "dave", "--password", "dave"], &env);
    assert!(!weak.status.success());
    let lines = stderr_lines(&weak);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("at least 9 characters"), "{lines:?}");

    let twice = dojo(&["user", "create", "carol", "--password", PASSWORD], &env);
    assert!(!twice.status.success());
    assert!(stderr_lines(&twice)[0].contains("already exists"));

    let changed = dojo(
        &[
            "user",
            "set-password",
            "carol",
            "--password",
            "Another-Horse-43",
        ],
        &env,
    );
    assert!(changed.status.success(), "{:?}", stderr_lines(&changed));

    let missing = dojo(&["user", "create-token", "nobody"], &env);
    assert!(!missing.status.success());
    assert!(stderr_lines(&missing)[0].contains("does not exist"));

    let migrated = dojo(&["migrate"], &env);
    assert!(migrated.status.success());
    assert!(String::from_utf8_lossy(&migrated.stdout).contains("up to date"));
}
