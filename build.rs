//! Compiles the bundled IPADIC sources (dictionaries/ipadic) into lindera's binary
//! format at build time, so that the binary embeds its dictionary and nothing is
//! downloaded (lindera's own `embed-*` features fetch the sources over the network).

use std::path::{Path, PathBuf};

use lindera_dictionary::builder::DictionaryBuilder;
use lindera_dictionary::dictionary::metadata::Metadata;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Read at run time: `env!` would freeze the path of whichever checkout
    // first compiled this script into a target directory others share.
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let src = root.join("dictionaries/ipadic");
    println!("cargo:rerun-if-changed=dictionaries/ipadic");
    println!("cargo:rerun-if-changed=build.rs");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let out = out_dir.join("lindera-ipadic");
    if !out.exists() {
        // Build beside the final place and rename, so an interrupted build never
        // leaves a half-written dictionary that a later build would take as done.
        let tmp = out_dir.join("lindera-ipadic.tmp");
        let _ = std::fs::remove_dir_all(&tmp);
        let metadata: Metadata =
            serde_json::from_slice(&std::fs::read(src.join("metadata.json"))?)?;
        DictionaryBuilder::new(metadata).build_dictionary(&src, &tmp)?;
        std::fs::rename(&tmp, &out)?;
    }
    println!("cargo:rustc-env=LINDERA_WORKDIR={}", out_dir.display());
    println!(
        "cargo:rustc-env=PIA_ANALYSIS_FINGERPRINT={:016x}",
        analysis_fingerprint(&root)?
    );
    Ok(())
}

/// A fingerprint of the code that decides what goes into the index (parser,
/// normalisation, analysis, schema, data tables): when it changes, indexed
/// files are re-parsed even though their content hash is unchanged.
fn analysis_fingerprint(root: &Path) -> Result<u64, Box<dyn std::error::Error>> {
    use std::hash::{Hash, Hasher};
    let mut files = Vec::new();
    for dir in ["src/parse", "data"] {
        for e in std::fs::read_dir(root.join(dir))? {
            files.push(e?.path());
        }
    }
    for f in [
        "src/normalize.rs",
        "src/ingest/decode.rs",
        "src/ingest/pdftext.rs",
        "src/index/analysis.rs",
        "src/index/schema.rs",
        "src/index/indexer.rs",
    ] {
        files.push(root.join(f));
    }
    files.sort();
    // FNV-1a: stable across Rust versions, unlike DefaultHasher.
    let mut h = Fnv(0xcbf29ce484222325);
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        // A missing file is an error: a moved module must be re-listed here,
        // or its changes would silently stop forcing a re-index.
        std::fs::read(f)?.hash(&mut h);
    }
    Ok(h.finish())
}

struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x100000001b3);
        }
    }
}
