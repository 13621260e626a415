//! `pia serve` in a real headless Chromium (the system package, driven by
//! the system chromedriver): what a user does — `/`, type a query, Enter,
//! click a facet, remove its chip, open the document at its section, open
//! a contractor, pick a compare item, export CSV — and that hostile document
//! text shows as text. Screenshots of each page go to
//! target/serve-screenshots/ for a look by eye.
//!
//! Needs `apt-get install chromium chromium-driver fonts-ipafont-gothic`
//! (`.ci/run` installs them); without chromedriver these tests fail.

mod serve_support;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, ClientBuilder, Locator};
use serve_support::{enc, server, XSS_FILE, XSS_WORD};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const ENTER: &str = "\u{e007}";

/// A chromedriver process, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver() -> Driver {
    assert!(
        Path::new(CHROMEDRIVER).exists(),
        "{CHROMEDRIVER} is missing: the browser tests need the Debian packages \
         `chromium chromium-driver fonts-ipafont-gothic` \
         (apt-get install -y --no-install-recommends chromium chromium-driver fonts-ipafont-gothic; .ci/run does this)"
    );
    // Tests run in parallel, each with its own chromedriver: a port another
    // test's driver took, or a driver that exits at start, means a new try.
    for _ in 0..5 {
        let port = free_port();
        let mut child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(_)) = child.try_wait() {
                break; // exited (port taken): try another port
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Driver { child, port };
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("chromedriver exited at start five times");
}

/// A port no other test of this process was given.
fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

async fn browser(driver: &Driver) -> Client {
    browser_with(driver, true).await
}

/// A headless Chromium session; `javascript: false` turns scripts off.
async fn browser_with(driver: &Driver, javascript: bool) -> Client {
    let binary = ["/usr/lib/chromium/chromium", "/usr/bin/chromium"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("chromium binary (apt-get install chromium)");
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": binary,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1000", "--lang=ja"
            ],
            "prefs": {
                "profile.managed_default_content_settings.javascript": if javascript { 1 } else { 2 }
            }
        }
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    // A driver that has just started may still drop the first session
    // request (seen once as "connection reset by peer"): try again.
    let url = format!("http://127.0.0.1:{}", driver.port);
    let mut tries = 0;
    loop {
        let attempt = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await;
        match attempt {
            Ok(client) => return client,
            Err(e) if tries < 4 => {
                tries += 1;
                eprintln!("chromedriver session, try {tries} failed: {e}; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => panic!("connect to chromedriver: {e:?}"),
        }
    }
}

fn base(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// Saves a screenshot for people to look at. It asserts nothing, so a
/// browser too busy to take one (a loaded CI machine) warns instead of
/// failing the test.
async fn shot(c: &Client, name: &str) {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/serve-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    match c.screenshot().await {
        Ok(png) => std::fs::write(dir.join(format!("{name}.png")), png).unwrap(),
        Err(e) => eprintln!("warning: no screenshot {name}: {e}"),
    }
}

async fn wait_css(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("waiting for {css}: {e}"))
}

async fn count(c: &Client, css: &str) -> usize {
    c.find_all(Locator::Css(css)).await.unwrap().len()
}

/// The search page's result count (`#count`).
async fn result_count(c: &Client) -> u64 {
    c.find(Locator::Css("#count"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .parse()
        .unwrap()
}

async fn js(c: &Client, script: &str) -> serde_json::Value {
    c.execute(script, vec![]).await.expect("script")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_searches_filters_and_follows_links() {
    let addr = server();
    let driver = start_driver();
    let c = browser(&driver).await;
    let b = base(addr);

    // `/` focuses the search box.
    c.goto(&format!("{b}/")).await.unwrap();
    wait_css(&c, "#q").await;
    shot(&c, "1-landing").await;
    c.perform_actions(
        KeyActions::new("keys".into())
            .then(KeyAction::Down { value: '/' })
            .then(KeyAction::Up { value: '/' }),
    )
    .await
    .unwrap();
    let active = c.active_element().await.unwrap();
    assert_eq!(
        active.attr("id").await.unwrap().as_deref(),
        Some("q"),
        "/ focuses the search box"
    );

    // Type a query, press Enter: highlighted results with section links.
    active.send_keys("委託").await.unwrap();
    active.send_keys(ENTER).await.unwrap();
    wait_css(&c, "#summary").await;
    let marks = c.find_all(Locator::Css(".hit mark")).await.unwrap();
    assert!(!marks.is_empty(), "highlighted snippets");
    assert_eq!(marks[0].text().await.unwrap(), "委託");
    let link = c.find(Locator::Css(".hit a.section")).await.unwrap();
    let href = link.attr("href").await.unwrap().unwrap();
    assert!(href.starts_with("/doc/") && href.contains("#s-"), "{href}");
    assert_eq!(
        c.find(Locator::Css("#q"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("委託"),
        "the query stays in the box"
    );
    shot(&c, "2-results").await;
    let total = result_count(&c).await;

    // Click a facet: a chip appears and the count drops; remove the chip.
    let facet = c
        .find(Locator::Css("ul[data-facet=prefecture] li:not(.zero) a"))
        .await
        .unwrap();
    let facet_text = facet.text().await.unwrap();
    facet.click().await.unwrap();
    let chip = wait_css(&c, ".chips a.chip").await;
    assert!(
        chip.text().await.unwrap().starts_with("prefecture: "),
        "{facet_text}"
    );
    let narrowed = result_count(&c).await;
    assert!(narrowed < total, "{facet_text}: {narrowed} < {total}");
    assert!(
        c.current_url()
            .await
            .unwrap()
            .as_str()
            .contains("prefecture="),
        "filter in the URL"
    );
    shot(&c, "3-facet").await;
    chip.click().await.unwrap();
    wait_css(&c, "#summary").await;
    assert_eq!(count(&c, ".chips a.chip").await, 0, "chip removed");
    c.back().await.unwrap();
    wait_css(&c, ".chips a.chip").await;

    // Open the document at the hit's section: opened, marked, scrolled to.
    c.find(Locator::Css(".hit a.section"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let target = wait_css(&c, ".sec.target").await;
    assert!(target.is_displayed().await.unwrap(), "hit section is open");
    assert!(c
        .current_url()
        .await
        .unwrap()
        .fragment()
        .unwrap_or("")
        .starts_with("s-"));
    let in_open = js(
        &c,
        "return document.querySelector('.sec.target').closest('details').open",
    )
    .await;
    assert_eq!(in_open, serde_json::json!(true));
    shot(&c, "4-document").await;

    // Contractors: the table, then one contractor's documents.
    c.goto(&format!("{b}/contractors")).await.unwrap();
    wait_css(&c, "#contractors").await;
    shot(&c, "5-contractors").await;
    c.find(Locator::Css("#contractors tbody a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_css(&c, "#entries").await;
    assert!(count(&c, "#entries tbody tr").await > 0);
    shot(&c, "6-contractor").await;

    // Compare: narrow the item list, pick an item, see grouped wording.
    c.goto(&format!("{b}/compare")).await.unwrap();
    let filter = wait_css(&c, "#item-filter").await;
    filter.send_keys("教育").await.unwrap();
    let visible = js(
        &c,
        "return [...document.querySelectorAll('#items tbody tr')].filter(r => !r.hidden).length",
    )
    .await;
    let all = count(&c, "#items tbody tr").await as u64;
    assert!(
        visible.as_u64().unwrap() < all,
        "typing narrows the item list"
    );
    c.goto(&format!("{b}/compare?item=risk.training"))
        .await
        .unwrap();
    wait_css(&c, "#compared").await;
    assert!(count(&c, "section.group").await > 0);
    shot(&c, "7-compare").await;

    // Export CSV: the link the page offers downloads the result set.
    c.goto(&format!("{b}/search?q={}", enc("委託")))
        .await
        .unwrap();
    let csv = wait_css(&c, "#export-csv")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let r = serve_support::get(&csv);
    assert_eq!(r.status, 200);
    assert!(r.body.lines().count() > 2 && r.body.contains("section_path"));

    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_document_text_shows_as_text() {
    let addr = server();
    let driver = start_driver();
    let c = browser(&driver).await;
    let b = base(addr);
    for (url, literal) in [
        (format!("{b}/search?q={}", enc(XSS_WORD)), true),
        (
            format!("{b}/doc/{}?q={}", enc(XSS_FILE), enc(XSS_WORD)),
            true,
        ),
        (format!("{b}/contractors"), false),
    ] {
        c.goto(&url).await.unwrap();
        wait_css(&c, "main").await;
        let state = js(
            &c,
            "return {xss: window.__xss === undefined ? null : window.__xss, \
             imgs: document.querySelectorAll('img').length, \
             bold: document.querySelectorAll('main b').length, \
             text: document.body.innerText}",
        )
        .await;
        assert_eq!(state["xss"], serde_json::Value::Null, "{url}: a script ran");
        assert_eq!(state["imgs"], 0, "{url}: an img element was injected");
        assert_eq!(
            state["bold"], 0,
            "{url}: markup from a file name was injected"
        );
        if literal {
            let text = state["text"].as_str().unwrap();
            assert!(
                text.contains("<script>window.__xss=1</script>"),
                "{url}: shown literally"
            );
        }
    }
    shot(&c, "8-hostile-document").await;
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_work_with_javascript_off() {
    let addr = server();
    let driver = start_driver();
    let c = browser_with(&driver, false).await;
    let b = base(addr);
    c.goto(&format!("{b}/")).await.unwrap();
    let q = wait_css(&c, "#q").await;
    c.perform_actions(
        KeyActions::new("keys".into())
            .then(KeyAction::Down { value: '/' })
            .then(KeyAction::Up { value: '/' }),
    )
    .await
    .unwrap();
    let active = c.active_element().await.unwrap().attr("id").await.unwrap();
    assert_ne!(active.as_deref(), Some("q"), "scripts are really off");
    q.send_keys("委託").await.unwrap();
    q.send_keys(ENTER).await.unwrap();
    wait_css(&c, "#summary").await;
    assert!(count(&c, ".hit mark").await > 0);
    c.find(Locator::Css("ul[data-facet=form] li:not(.zero) a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_css(&c, ".chips a.chip").await;
    // A new query from the box keeps the active filter (hidden fields).
    let q = c.find(Locator::Css("#q")).await.unwrap();
    q.clear().await.unwrap();
    q.send_keys("再委託").await.unwrap();
    q.send_keys(ENTER).await.unwrap();
    wait_css(&c, "#summary").await;
    let url = c.current_url().await.unwrap();
    assert!(url.as_str().contains("form="), "{url}");
    assert!(count(&c, ".chips a.chip").await == 1);
    // Compare through its GET form.
    c.goto(&format!("{b}/compare")).await.unwrap();
    let item = wait_css(&c, "#item").await;
    item.send_keys("risk.training").await.unwrap();
    item.send_keys(ENTER).await.unwrap();
    wait_css(&c, "#compared").await;
    c.close().await.unwrap();
}
