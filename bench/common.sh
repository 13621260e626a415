# Sourced by bench/scale.sh and bench/growth.sh: where the binaries and the
# shared kit are, and the generated corpora they both use.
# Env: PIA, PIA_BENCH (binaries; default target/release), KIT (the shared
# kit, default ../shared/bench), SEEDS (gen_corpus.py's seeds, default the
# kit's ../seeds; corpus/ holds the same files).

HERE="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
REPO="$(dirname "$HERE")"
PIA="${PIA:-$REPO/target/release/pia}"
PIA_BENCH="${PIA_BENCH:-$REPO/target/release/pia-bench}"
KIT="${KIT:-$REPO/../shared/bench}"
SEEDS="${SEEDS:-$KIT/../seeds}"

say() { printf '== %s\n' "$*" >&2; }

# generate MiB DIR: gen_corpus.py's corpus of MiB (seed 42) in DIR, afresh,
# without its manifest (not an assessment). The kit's log goes to
# DIR.log and is shown when it fails.
generate() {
  local mb="$1" dir="$2"
  say "corpus: gen_corpus.py --seed 42 --mb $mb"
  rm -rf "$dir"
  python3 "$KIT/gen_corpus.py" --seeds "$SEEDS" --seed 42 --mb "$mb" --out "$dir" > "$dir.log" 2>&1 \
    || { tail "$dir.log" >&2; exit 1; }
  rm -f "$dir/manifest.tsv"
}
