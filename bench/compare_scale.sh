#!/usr/bin/env bash
# Times `pia compare` at scale (issue 15): N generated documents (default
# 10,000), one item and the corpus-wide --list, with peak memory.
# Usage: bench/compare_scale.sh [DOCS] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
DOCS=${1:-10000}
WORK=${2:-/tmp/pia-compare-scale}
PIA=target/release/pia
cargo build --release --quiet
mkdir -p "$WORK"
if [ ! -f "$WORK/corpus/manifest.tsv" ]; then
  python3 ../shared/bench/gen_corpus.py --seed 42 --docs "$DOCS" --out "$WORK/corpus" >/dev/null
fi
echo "corpus: $(ls "$WORK/corpus" | wc -l) files, $(du -sh "$WORK/corpus" | cut -f1)"
/usr/bin/time -f "index: %e s, peak RSS %M KiB" $PIA index "$WORK/corpus" --index "$WORK/idx" >/dev/null
for item in 従業者に対する教育・啓発 risk.storage.leak; do
  /usr/bin/time -f "compare $item: %e s, peak RSS %M KiB" \
    $PIA compare "$item" --index "$WORK/idx" --json --view answers > "$WORK/answers.jsonl"
  echo "  answers: $(wc -l < "$WORK/answers.jsonl") distinct; clusters: $($PIA compare "$item" --index "$WORK/idx" --json --view clusters | wc -l)"
done
/usr/bin/time -f "compare --list: %e s, peak RSS %M KiB" \
  $PIA compare --list --index "$WORK/idx" > "$WORK/list.tsv"
head -6 "$WORK/list.tsv"
