//! Compiles the bundled IPADIC sources (dictionaries/ipadic) into lindera's binary
//! format at build time, so that the binary embeds its dictionary and nothing is
//! downloaded (lindera's own `embed-*` features fetch the sources over the network).

use std::path::{Path, PathBuf};

use lindera_dictionary::builder::DictionaryBuilder;
use lindera_dictionary::dictionary::metadata::Metadata;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("dictionaries/ipadic");
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
    Ok(())
}
