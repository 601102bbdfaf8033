//! The web pages in a real browser: Debian's Chromium, headless, driven through
//! chromedriver (WebDriver), against `dojo serve` listening on a real port.
//!
//! These tests need `chromedriver` and `chromium` on the PATH (`apt-get install
//! chromium chromium-driver`). Without them they say so and pass, unless
//! `DOJO_REQUIRE_BROWSER=1` (CI sets it) makes a missing browser a failure.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use dojo_storage::{db_test, Db};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::import::{generic, App};
use crate::web::{person, PASSWORD};

/// chromedriver on a port of its own, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_program(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// chromedriver and the browser binary, or `None` (after saying why) when this
/// machine has none and none is required.
fn browser_programs() -> Option<(std::path::PathBuf, std::path::PathBuf)> {
    let driver = find_program("chromedriver");
    let browser = find_program("chromium").or_else(|| find_program("google-chrome"));
    match (driver, browser) {
        (Some(driver), Some(browser)) => Some((driver, browser)),
        _ if std::env::var("DOJO_REQUIRE_BROWSER").as_deref() == Ok("1") => {
            panic!("DOJO_REQUIRE_BROWSER=1 but chromedriver or chromium is not on the PATH")
        }
        _ => {
            eprintln!("skipped: chromedriver or chromium is not on the PATH");
            None
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn start_driver(program: &std::path::Path) -> Driver {
    let port = free_port();
    let child = Command::new(program)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not listen on {port}");
}

/// `dojo serve` on the test's database, on a port of its own.
async fn start_server(db: &Db) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listen");
    let addr: SocketAddr = listener.local_addr().expect("address");
    let state = crate::support::state(db);
    tokio::spawn(async move {
        let _ = dojo_server::serve(listener, state).await;
    });
    format!("http://{addr}")
}

async fn open_browser(driver: &Driver, browser: &std::path::Path) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": browser,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,1024"],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a browser session")
}

async fn fill(client: &Client, css: &str, text: &str) {
    let field = client.find(Locator::Css(css)).await.expect(css);
    field.clear().await.expect("clear");
    field.send_keys(text).await.expect("type");
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .expect(css)
        .click()
        .await
        .expect("click");
}

/// Waits (up to ten seconds) for the page after a click to be the one titled
/// `title`: a click that submits a form returns before the next page is there.
async fn wait_for_title(client: &Client, title: &str) {
    for _ in 0..200 {
        if client.title().await.is_ok_and(|t| t == title) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "no page titled {title:?}; the browser shows {:?}: {}",
        client.title().await.unwrap_or_default(),
        client.source().await.unwrap_or_default()
    );
}

async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .expect(css)
        .text()
        .await
        .expect("text")
}

db_test!(
    a_security_engineer_signs_in_imports_and_reads_the_dashboard,
    |db| {
        let Some((driver_program, browser_program)) = browser_programs() else {
            return;
        };
        let app = App::new(&db).await;
        let engagement = app.engagement("Shop", "CI", false).await;
        person(&db, "alice", true).await;
        let base = start_server(&db).await;
        let driver = start_driver(&driver_program).await;
        let client = open_browser(&driver, &browser_program).await;

        // Signing in from a deep link comes back to it.
        client
            .goto(&format!("{base}/metrics"))
            .await
            .expect("open the metrics page");
        let url = client.current_url().await.expect("url");
        assert_eq!(url.path(), "/login");
        fill(&client, "#id_username, input[name=username]", "alice").await;
        fill(&client, "input[name=password]", PASSWORD).await;
        click(&client, "form button[type=submit]").await;
        wait_for_title(&client, "Metrics of all your products · Dojo").await;
        let url = client.current_url().await.expect("url");
        assert_eq!(url.path(), "/metrics");

        // Import a report through the form, the file chosen as a person would.
        // A file of its own: the SQLite and PostgreSQL runs of this test share a process.
        let report = tempfile::Builder::new()
            .suffix(".json")
            .tempfile_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("a report file");
        std::fs::write(
            report.path(),
            generic(&[
                ("XSS", "High"),
                ("SQL injection", "Critical"),
                ("Banner", "Info"),
            ]),
        )
        .expect("write the report");
        let report_path = report.path().to_owned();
        client
            .goto(&format!(
                "{base}/engagement/{}/import_scan_results",
                engagement.id
            ))
            .await
            .expect("open the import form");
        client
            .find(Locator::Css("#scan_type"))
            .await
            .expect("scan type")
            .select_by_label("Generic Findings Import")
            .await
            .expect("choose the scan type");
        client
            .find(Locator::Css("#verified"))
            .await
            .expect("verified")
            .select_by_value("true")
            .await
            .expect("choose verified");
        client
            .find(Locator::Css("#file"))
            .await
            .expect("file input")
            .send_keys(&report_path.to_string_lossy())
            .await
            .expect("choose the file");
        click(&client, "form.stacked button[type=submit]").await;
        wait_for_title(&client, "Scan results imported · Dojo").await;
        let new = text_of(&client, ".tile:first-child .number").await;
        assert_eq!(new, "3");
        drop(report);

        // The dashboard shows them: three open, one Critical, charts drawn.
        click(&client, "nav.main a[href='/dashboard']").await;
        wait_for_title(&client, "Dashboard · Dojo").await;
        let page = client.source().await.expect("source");
        assert!(
            page.contains(
                "<span class=\"number\">3</span><span class=\"what\">Open findings</span>"
            ),
            "{page}"
        );
        let charts = client
            .find_all(Locator::Css("svg.chart"))
            .await
            .expect("charts");
        assert!(charts.len() >= 3, "{} charts", charts.len());
        let first_product = text_of(&client, "#top-title + .table-wrap tbody tr td a").await;
        assert_eq!(first_product, "Shop");

        // Signing out from the header ends the session.
        click(&client, "header form[action='/logout'] button").await;
        wait_for_title(&client, "Sign in · Dojo").await;
        let url = client.current_url().await.expect("url");
        assert_eq!(url.path(), "/login");
        client
            .goto(&format!("{base}/dashboard"))
            .await
            .expect("dashboard again");
        assert_eq!(client.current_url().await.expect("url").path(), "/login");
        client.close().await.expect("close the browser");
    }
);

db_test!(
    drilling_down_to_a_finding_closing_it_and_tagging_from_the_list,
    |db| {
        let Some((driver_program, browser_program)) = browser_programs() else {
            return;
        };
        let app = App::new(&db).await;
        let engagement = app.engagement("Shop", "CI", false).await;
        app.import(
            crate::import::generic_form(
                engagement.id,
                &generic(&[("XSS", "High"), ("SQL injection", "Critical")]),
            )
            .text("verified", "true"),
        )
        .await;
        person(&db, "alice", true).await;
        let base = start_server(&db).await;
        let driver = start_driver(&driver_program).await;
        let client = open_browser(&driver, &browser_program).await;
        client.goto(&format!("{base}/login")).await.expect("login");
        fill(&client, "input[name=username]", "alice").await;
        fill(&client, "input[name=password]", PASSWORD).await;
        click(&client, "form button[type=submit]").await;
        wait_for_title(&client, "Dashboard · Dojo").await;

        // Every entry of the menu opens a page, none an error.
        let entries = client
            .find_all(Locator::Css("nav.main a"))
            .await
            .expect("menu");
        let mut links = Vec::new();
        for entry in entries {
            links.push(entry.attr("href").await.expect("href").expect("a link"));
        }
        assert!(links.len() >= 10, "{links:?}");
        for link in &links {
            client.goto(&format!("{base}{link}")).await.expect(link);
            let title = client.title().await.expect("title");
            assert!(
                title.ends_with(" · Dojo")
                    && !["Not found", "Forbidden", "Bad request", "Server error"]
                        .iter()
                        .any(|e| title.starts_with(e)),
                "{link}: {title}"
            );
            let current = client
                .find(Locator::Css(&format!("nav.main a[href='{link}']")))
                .await
                .expect("entry")
                .attr("aria-current")
                .await
                .expect("aria-current");
            assert_eq!(current.as_deref(), Some("page"), "{link}");
        }

        // Products → Shop → CI → its test → the SQL injection finding.
        client
            .goto(&format!("{base}/product"))
            .await
            .expect("products");
        client
            .find(Locator::LinkText("Shop"))
            .await
            .expect("Shop")
            .click()
            .await
            .expect("open Shop");
        wait_for_title(&client, "Product Shop · Dojo").await;
        client
            .find(Locator::LinkText("CI"))
            .await
            .expect("CI")
            .click()
            .await
            .expect("open CI");
        wait_for_title(&client, "Engagement CI · Dojo").await;
        click(&client, "a[href^='/test/']").await;
        for _ in 0..200 {
            if client.title().await.is_ok_and(|t| t.starts_with("Test ")) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        client
            .find(Locator::LinkText("SQL injection"))
            .await
            .expect("the finding")
            .click()
            .await
            .expect("open the finding");
        wait_for_title(&client, "SQL injection · Dojo").await;
        let finding_url = client.current_url().await.expect("url");
        let finding_id: i64 = finding_url
            .path()
            .trim_start_matches("/finding/")
            .parse()
            .expect("a finding id");

        // Close it with a note.
        fill(
            &client,
            "form[action$='/close'] textarea[name=entry]",
            "Fixed in 2.4.1",
        )
        .await;
        click(&client, "form[action$='/close'] button[type=submit]").await;
        for _ in 0..200 {
            if client
                .find(Locator::Css("form[action$='/open']"))
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let closed = {
            let mut conn = db.conn().await.expect("connection");
            dojo_storage::repo::findings::get(&mut conn, finding_id)
                .await
                .expect("finding")
        };
        assert!(closed.is_mitigated && !closed.active);
        assert!(client
            .source()
            .await
            .expect("source")
            .contains("Fixed in 2.4.1"));

        // From the open findings list: tick XSS and tag it.
        client
            .goto(&format!("{base}/finding/open"))
            .await
            .expect("open findings");
        let rows = client
            .find_all(Locator::Css("input[name=finding]"))
            .await
            .expect("rows");
        assert_eq!(rows.len(), 1, "only XSS is still open");
        rows[0].click().await.expect("tick");
        client
            .find(Locator::Css(".bulk select[name=action]"))
            .await
            .expect("action")
            .select_by_value("tag")
            .await
            .expect("choose tag");
        fill(&client, ".bulk input[name=tags]", "from-browser").await;
        click(&client, ".bulk button[type=submit]").await;
        for _ in 0..200 {
            if client
                .current_url()
                .await
                .is_ok_and(|u| u.query().is_some_and(|q| q.contains("done=1")))
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(client
            .source()
            .await
            .expect("source")
            .contains("from-browser"));
        client.close().await.expect("close the browser");
    }
);
