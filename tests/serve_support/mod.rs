//! Shared fixture of the `pia serve` tests: the bundled corpus plus one
//! hostile document (markup in its text and its file name), indexed into a
//! temporary directory, served on an ephemeral loopback port once per test
//! binary.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use pia_search::index::indexer::{self, IndexOptions};
use pia_search::index::store::Store;
use pia_search::serve;

/// File name of the hostile document (markup in the name, too).
pub const XSS_FILE: &str = "900_<b>x\"y.txt";
/// Name the hostile document gives its contractor; search for it.
pub const XSS_WORD: &str = "ゼツボウ株式会社";
/// Script and attribute-breaking markup placed in the document text.
pub const XSS_PAYLOAD: &str =
    "<script>window.__xss=1</script>\"><img src=x onerror=\"window.__xss=2\">";

/// The corpus directory of the fixture (bundled corpus + hostile document).
pub fn corpus() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir").keep();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        for e in std::fs::read_dir(&src).expect("corpus") {
            let e = e.expect("entry");
            std::fs::copy(e.path(), dir.join(e.file_name())).expect("copy");
        }
        let base = std::fs::read_to_string(src.join("003_2bb90e44d61317a5.txt")).expect("seed");
        assert!(
            base.contains("日本電気株式会社"),
            "the seed names the contractor to replace"
        );
        let hostile = base
            .replacen("日本電気株式会社", &format!("{XSS_WORD}{XSS_PAYLOAD}"), 1)
            .replacen("相模原市", &format!("相模原市{XSS_PAYLOAD}"), 3);
        std::fs::write(dir.join(XSS_FILE), hostile).expect("write hostile doc");
        dir
    })
}

/// The fixture's index.
pub fn store() -> Store {
    static INDEX: OnceLock<PathBuf> = OnceLock::new();
    let path = INDEX.get_or_init(|| {
        let path = tempfile::tempdir().expect("tempdir").keep();
        let store = Store::open_or_create(&path).expect("create index");
        let opts = IndexOptions {
            progress: false,
            ..Default::default()
        };
        let r = indexer::index_dir(&store, corpus(), &opts).expect("index");
        assert!(r.failed.is_empty(), "{:?}", r.failed);
        assert_eq!(r.added, 5, "corpus + hostile document: {r:?}");
        path
    });
    Store::open(path).expect("open index")
}

/// The server, started once.
pub fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| serve::spawn(store(), Some(corpus().to_path_buf())).expect("serve"))
}

/// GET `path`, panicking on transport errors.
pub fn get(path: &str) -> serve::HttpResponse {
    serve::http_get(server(), path).unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

/// GET `path` and parse its JSON body.
pub fn get_json(path: &str) -> (u16, serde_json::Value) {
    let r = get(path);
    let v = serde_json::from_str(&r.body)
        .unwrap_or_else(|e| panic!("GET {path}: not JSON ({e}): {}", r.body));
    (r.status, v)
}

/// Percent-encodes a query value or path segment.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
