#!/usr/bin/env bash
# How ingest scales with cores, and what memory a national-size corpus takes:
# the part of issue 12 that a 2-core machine cannot show.
#
#   bench/scale.sh [MiB] [BIG_MiB]     (defaults 256 and 0 = no big corpus)
#
# 1. gen_corpus.py MiB, then `pia index` at 1, 2, 4, … up to all cores.
# 2. uniquify.py of it (prose that never repeats: no memo hits), at 1 thread
#    and at all cores.
# 3. BIG_MiB > 0: gen_corpus.py BIG_MiB, indexed at all cores, re-run
#    unchanged, then in-process ranked top-10 and count latencies.
#
# Needs python3 only (no /usr/bin/time: timed.py reads wait4's rusage).
# Env: PIA, PIA_BENCH, KIT, SEEDS (see common.sh), PIA_SCALE_DIR (scratch, default /tmp/pia-scale),
#      OUT_DIR (results, default $PIA_SCALE_DIR/results), REPEAT (query rounds),
#      THREADS / UNIQUE_THREADS (thread counts of steps 1 and 2, e.g. "1 16").
# Writes $OUT_DIR/scale.tsv: label, threads, corpus MiB, wall s, MiB/s,
# speed-up over 1 thread, peak RSS MiB, CPU seconds (user+sys), cores busy,
# and the run's stage split (`pia index --json`: what bounds the wall time).
set -euo pipefail

MB="${1:-256}"
BIG="${2:-0}"
source "$(dirname "$0")/common.sh"
ROOT="${PIA_SCALE_DIR:-/tmp/pia-scale}"
OUT_DIR="${OUT_DIR:-$ROOT/results}"
REPEAT="${REPEAT:-5}"
ALL=$(nproc)
mkdir -p "$ROOT" "$OUT_DIR"
TSV="$OUT_DIR/scale.tsv"


# timed LABEL THREADS CORPUS INDEX: one `pia index`, one row of scale.tsv.
BASE_S=""
printf '#label\tthreads\tcorpus_mib\twall_s\tmib_per_s\tspeedup\tpeak_rss_mib\tcpu_s\tcores_busy\tstages_s\n' > "$TSV"
timed() {
  local label="$1" threads="$2" corpus="$3" idx="$4"
  say "$label: pia index --threads $threads $corpus"
  python3 "$HERE/timed.py" "$label" "$threads" "$corpus" "${BASE_S:-0}" -- \
    "$PIA" index "$corpus" --index "$idx" --threads "$threads" --json >> "$TSV"
  tail -n1 "$TSV" >&2
}

generate "$MB" "$ROOT/c$MB"

for t in ${THREADS:-$(printf '%s\n' 1 2 4 8 16 32 64 "$ALL" | awk -v n="$ALL" '$1 <= n' | sort -nu)}; do
  rm -rf "$ROOT/i$MB"
  timed "plain" "$t" "$ROOT/c$MB" "$ROOT/i$MB"
  [ "$t" = 1 ] && BASE_S=$(tail -n1 "$TSV" | cut -f4)
done
BASE_S=""
timed "plain-unchanged" "$ALL" "$ROOT/c$MB" "$ROOT/i$MB"
rm -rf "$ROOT/i$MB"

say "unique prose: uniquify.py"
rm -rf "$ROOT/u$MB"
python3 "$KIT/uniquify.py" --src "$ROOT/c$MB" --out "$ROOT/u$MB" \
  --ipadic "$REPO/dictionaries/ipadic" > "$ROOT/kit.log" 2>&1 || { tail "$ROOT/kit.log" >&2; exit 1; }
rm -f "$ROOT/u$MB/manifest.tsv"
rm -rf "$ROOT/c$MB"
BASE_S=""
for t in ${UNIQUE_THREADS:-$(printf '%s\n' 1 "$ALL" | sort -nu)}; do
  rm -rf "$ROOT/iu$MB"
  timed "unique" "$t" "$ROOT/u$MB" "$ROOT/iu$MB"
  [ "$t" = 1 ] && BASE_S=$(tail -n1 "$TSV" | cut -f4)
done
rm -rf "$ROOT/iu$MB" "$ROOT/u$MB"

if [ "$BIG" -gt 0 ]; then
  rm -rf "$ROOT/i$BIG"
  generate "$BIG" "$ROOT/c$BIG"
  BASE_S=""
  timed "big" "$ALL" "$ROOT/c$BIG" "$ROOT/i$BIG"
  timed "big-unchanged" "$ALL" "$ROOT/c$BIG" "$ROOT/i$BIG"
  du -sm "$ROOT/i$BIG" | sed 's/^/index MiB: /' >&2
  say "in-process queries on the big index ($REPEAT rounds)"
  "$PIA_BENCH" queries "$KIT/queries.txt" --index "$ROOT/i$BIG" --corpus "c$BIG" \
    --repeat "$REPEAT" --top10 > "$OUT_DIR/queries$BIG.tsv"
  cat "$OUT_DIR/queries$BIG.tsv" >&2
fi
say "done: $TSV"
