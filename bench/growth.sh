#!/usr/bin/env bash
# Issue 12's growth target: how much the ranked top 10 of each query of
# queries.txt slows from a small corpus to one ten times larger (target ≤ 4×).
#
#   bench/growth.sh [SMALL_MiB] [LARGE_MiB]     (defaults 100 and 1024)
#
# The two indexes are timed in alternating rounds, in-process (`pia-bench
# queries --top10 --only-top10 --exact-up-to 0`: the best ten only, no exact
# totals), and each side keeps the least of its rounds' medians. On a shared
# VM one side's medians move by 20–40 % within minutes; alternating and
# taking the least compares the two in the same minutes and keeps the
# rounds the neighbours disturbed least.
#
# Needs python3 only. Env: PIA, PIA_BENCH, KIT, SEEDS (see common.sh),
# PIA_GROWTH_DIR (scratch, default /tmp/pia-growth; corpora and indexes there
# are reused), ROUNDS (default 3), REPEAT (timed searches per query per
# round, default 20).
# Prints one TSV row per query: query, small ms, large ms, growth.
set -euo pipefail

SMALL="${1:-100}"
LARGE="${2:-1024}"
source "$(dirname "$0")/common.sh"
ROOT="${PIA_GROWTH_DIR:-/tmp/pia-growth}"
ROUNDS="${ROUNDS:-3}"
REPEAT="${REPEAT:-20}"
mkdir -p "$ROOT"

# corpus_and_index MiB: generated once, indexed once (an unchanged re-run
# of `pia index` only checks the files).
corpus_and_index() {
  local mb="$1"
  [ -d "$ROOT/c$mb" ] || generate "$mb" "$ROOT/c$mb"
  say "index: $ROOT/i$mb"
  "$PIA" index "$ROOT/c$mb" --index "$ROOT/i$mb" >&2
}

corpus_and_index "$SMALL"
corpus_and_index "$LARGE"

for round in $(seq "$ROUNDS"); do
  say "round $round of $ROUNDS"
  for mb in "$SMALL" "$LARGE"; do
    "$PIA_BENCH" queries "$KIT/queries.txt" --index "$ROOT/i$mb" --corpus "c$mb" \
      --repeat "$REPEAT" --top10 --only-top10 --exact-up-to 0 \
      | awk -F'\t' -v mb="$mb" '$1 == "query" && $3 ~ /^top10/ { print mb "\t" $5 "\t" $7 }'
  done
done | python3 -c '
import sys
small, large = sys.argv[1], sys.argv[2]
best, order = {}, []
for line in sys.stdin:
    mb, query, median = line.rstrip("\n").split("\t")
    if query not in order:
        order.append(query)
    key = (mb, query)
    best[key] = min(best.get(key, float("inf")), float(median))
print(f"#query\tms_{small}mib\tms_{large}mib\tgrowth")
for q in order:
    s, l = best[(small, q)], best[(large, q)]
    print(f"{q}\t{s:.3f}\t{l:.3f}\t{l / s:.2f}")
' "$SMALL" "$LARGE"
