//! `pia serve`: the web UI and JSON API over the same index and library calls
//! as the CLI, so a shared link shows what `pia search …` prints.
//!
//! Read-only and loopback by default. Every page is a plain GET form (works
//! with JavaScript off); the only script is `/` to focus the search box.
//! Library calls block (tantivy), so they run on tokio's blocking pool, and
//! each request opens a fresh reader: a `pia index` commit is seen at once.

mod client;
mod compare_page;
mod contractors_page;
mod doc_page;
mod html;
mod load;
mod params;
mod search_page;
mod table;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::index::{indexer, store};
use crate::reports::{compare, contractors};

pub use client::{get as http_get, HttpResponse};
pub use load::{load_test, LoadReport};

/// What `pia serve` needs besides the index.
#[derive(Debug, Clone)]
pub struct Options {
    /// Address to listen on (loopback by default: the UI has no login).
    pub listen: SocketAddr,
    /// Directory the index was built from, for the "original text" link
    /// (None: the link says the originals are not available).
    pub corpus: Option<PathBuf>,
    /// Open the start page in the desktop browser.
    pub open: bool,
}

/// Shared, read-only state of every handler.
pub(crate) struct Ctx {
    /// The index (a fresh reader per request sees the last commit).
    pub store: store::Store,
    /// Where the indexed files are, for `/text/…`.
    pub corpus: Option<PathBuf>,
    /// Contractor aliases (the bundled table, as the CLI loads it).
    pub aliases: contractors::Aliases,
    /// Every contractor, for `/contractors` and its exports.
    pub contractor_summary: store::PerCommit<Vec<contractors::Summary>>,
    /// Every comparable item, for the compare picker.
    pub compare_items: store::PerCommit<Vec<compare::ItemVariation>>,
    /// Every indexed document's record.
    docs: store::PerCommit<Vec<indexer::DocRecord>>,
}

impl Ctx {
    /// Every indexed document, read once per commit: the start page, each
    /// document page and each original-text link need them, and reading
    /// the file records took 19 ms at 1 GiB (11 286 documents), four times
    /// that at national scale.
    pub fn docs(&self) -> Result<Arc<Vec<indexer::DocRecord>>> {
        self.docs.get_or_make(self.store.commit_key()?, || {
            indexer::doc_records(&self.store)
        })
    }
}

/// Shared state as handlers receive it.
pub(crate) type App = Arc<Ctx>;

/// Serves until SIGINT or SIGTERM, then finishes the requests in flight.
pub fn run(store: store::Store, opts: Options) -> Result<()> {
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(opts.listen)
            .await
            .with_context(|| format!("cannot listen on {}", opts.listen))?;
        let addr = listener.local_addr()?;
        let url = format!("http://{addr}/");
        eprintln!(
            "pia serve: {url} (index {}); Ctrl-C stops",
            store.path.display()
        );
        if !addr.ip().is_loopback() {
            eprintln!(
                "pia serve: warning: listening beyond loopback; there is no login, \
                 anyone who can reach {addr} can read the index"
            );
        }
        if opts.open {
            open_browser(&url);
        }
        let app = router(store, opts.corpus)?;
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("server error")?;
        eprintln!("pia serve: stopped");
        Ok(())
    })
}

/// Starts a server on an ephemeral loopback port in a background thread and
/// returns its address: what the tests and the load test run against.
pub fn spawn(store: store::Store, corpus: Option<PathBuf>) -> Result<SocketAddr> {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let app = router(store, corpus)?;
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("async runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(std_listener).expect("listener");
            axum::serve(listener, app).await.expect("server");
        });
    });
    Ok(addr)
}

/// Every route. Pages and their exports share one handler per resource; the
/// `/api` routes return what the CLI's `--json` prints.
pub fn router(store: store::Store, corpus: Option<PathBuf>) -> Result<Router> {
    let ctx = Arc::new(Ctx {
        store,
        corpus,
        aliases: contractors::Aliases::load(None)?,
        contractor_summary: store::PerCommit::default(),
        compare_items: store::PerCommit::default(),
        docs: store::PerCommit::default(),
    });
    Ok(Router::new()
        .route("/", get(search_page::page))
        .route("/search", get(search_page::page))
        .route("/search.csv", get(search_page::csv))
        .route("/api/search", get(search_page::api))
        .route("/api/docs", get(doc_page::api_list))
        .route("/doc/{*file}", get(doc_page::page))
        .route("/api/doc/{*file}", get(doc_page::api))
        .route("/text/{*file}", get(doc_page::original))
        .route("/contractors", get(contractors_page::list))
        .route("/contractors.csv", get(contractors_page::list_csv))
        .route("/api/contractors", get(contractors_page::list_api))
        .route("/contractor", get(contractors_page::one))
        .route("/contractor.csv", get(contractors_page::one_csv))
        .route("/api/contractor", get(contractors_page::one_api))
        .route("/compare", get(compare_page::page))
        .route("/compare.csv", get(compare_page::csv))
        .route("/api/compare", get(compare_page::api))
        .route("/api/compare/items", get(compare_page::items_api))
        .route("/assets/app.css", get(html::css))
        .route("/assets/app.js", get(html::js))
        .fallback(not_found)
        .layer(axum::middleware::map_response(security_headers))
        .with_state(ctx))
}

async fn not_found(req: Request) -> Response {
    let json = req.uri().path().starts_with("/api/");
    Error::new(StatusCode::NOT_FOUND, "no such page")
        .json(json)
        .into_response()
}

/// Defence in depth behind HTML escaping: no inline script, no foreign
/// origins, no framing, no content sniffing.
async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
             form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener).arg(url).spawn() {
        eprintln!("pia serve: cannot open a browser ({opener}: {e}); visit {url}");
    }
}

/// A request that cannot be answered: a status and a message for people
/// (an HTML page) or programs (`{"error": …}` under `/api`).
#[derive(Debug)]
pub(crate) struct Error {
    status: StatusCode,
    message: String,
    json: bool,
}

impl Error {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Error {
        Error {
            status,
            message: message.into(),
            json: false,
        }
    }

    /// 400 Bad Request.
    pub fn bad(message: impl Into<String>) -> Error {
        Error::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404 Not Found.
    pub fn missing(message: impl Into<String>) -> Error {
        Error::new(StatusCode::NOT_FOUND, message)
    }

    /// Answer as JSON instead of a page.
    pub fn json(mut self, json: bool) -> Error {
        self.json = json;
        self
    }
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Error {
        Error::new(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}"))
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if self.json {
            let body = serde_json::json!({ "error": self.message, "status": self.status.as_u16() });
            return (self.status, axum::Json(body)).into_response();
        }
        let title = format!(
            "{} {}",
            self.status.as_u16(),
            self.status.canonical_reason().unwrap_or("")
        );
        (
            self.status,
            html::page(&title, "", &[], html::error_body(&title, &self.message)),
        )
            .into_response()
    }
}

/// A JSON answer: the value, or the error as `{"error": …}` with its status.
pub(crate) fn json<T: serde::Serialize>(r: Answer<T>) -> Response {
    match r {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => e.json(true).into_response(),
    }
}

/// Result of a handler.
pub(crate) type Answer<T> = std::result::Result<T, Error>;

/// Runs blocking library work on the blocking pool; a panic there becomes a
/// 500 answer, never a dead server.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Answer<T> + Send + 'static,
) -> Answer<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        Error::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("internal error: {e}"),
        )
    })?
}
