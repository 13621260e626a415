#!/usr/bin/env bash
# pia side by side with SQLite FTS5, Groonga and ripgrep on one generated corpus.
#
#   bench/run.sh [MiB]            (default 100)
#
# Env: PIA_SHARED   the shared kit (default: ../../shared next to this script)
#      PIA_BENCH_DIR scratch root (default /tmp/pia-bench)
#      QUERIES      queries file (default: $PIA_SHARED/bench/queries.txt)
#      REPEAT       timed rounds per query (default 10)
#      SKIP         peer steps of run_all.sh to skip (e.g. "groonga-mecab-para")
#      PEERS=0      pia only (no run_all.sh)
#      NO_BUILD=1   use the binaries in target/release as they are
#      UNIQUE=0     skip the unique-prose run (uniquify.py)
#
# Writes $PIA_BENCH_DIR/results/corpus<MiB>/: pia.tsv (build + query rows),
# cli.tsv (whole-process latency, hyperfine), index.tsv (one row per pia index
# run: thread sweep 1/2/all, the same pinned to as many cores (taskset),
# unchanged re-run, unique prose; wall time, peak RSS, CPU), check.tsv,
# normtruth.tsv, the peers' TSVs (with their --top10 rows), unique-groonga.tsv,
# summary.md (all tools) and ratios.md (pia vs each peer, targets of issue 12).
set -euo pipefail

MB="${1:-100}"
KIT="${PIA_SHARED:-$(cd "$(dirname "$0")/../.." && pwd)/shared}/bench"
source "$(dirname "$0")/common.sh"
ROOT="${PIA_BENCH_DIR:-/tmp/pia-bench}"
CORPUS="$ROOT/corpus$MB"
IDX="$ROOT/pia-idx$MB"
OUT="$ROOT/results/corpus$MB"
QUERIES="${QUERIES:-$KIT/queries.txt}"
REPEAT="${REPEAT:-10}"

# --- prerequisites ---------------------------------------------------------
missing=()
for t in python3:python3 groonga:groonga-bin rg:ripgrep bc:bc hyperfine:hyperfine \
         /usr/bin/time:time taskset:util-linux cargo:cargo; do
  command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t#*:}")
done
if [ "${PEERS:-1}" != 0 ] && ! ls /usr/lib/*/groonga/plugins/tokenizers/mecab.so >/dev/null 2>&1; then
  missing+=(groonga-tokenizer-mecab)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "missing: ${missing[*]}" >&2
  echo "install: apt-get install -y ${missing[*]/cargo/} (cargo: https://rustup.rs)" >&2
  exit 1
fi
[ -f "$KIT/gen_corpus.py" ] || { echo "no benchmark kit at $KIT (set PIA_SHARED)" >&2; exit 1; }
mkdir -p "$OUT"

# --- build -----------------------------------------------------------------
if [ "${NO_BUILD:-0}" != 1 ]; then
  say "cargo build --release"
  (cd "$REPO" && cargo build --release --bin pia --bin pia-bench) >&2
fi

# --- corpus ----------------------------------------------------------------
say "corpus: gen_corpus.py --seed 42 --mb $MB --out $CORPUS"
python3 "$KIT/gen_corpus.py" --seed 42 --mb "$MB" --out "$CORPUS" 2>/dev/null >&2

# --- pia index runs, timed, with peak RSS ----------------------------------
# index_run LABEL CORPUS INDEX THREADS [CPUS]: one `pia index` under
# /usr/bin/time -v, appended to index.tsv; leaves its wall seconds in $RUN_S.
# CPUS (a taskset list such as 0 or 0-3) pins the run to those cores: with
# one thread pia keeps about 1.8 cores busy (a parsing thread and tantivy's
# writer), so only pinned runs say how ingest scales per core.
printf '#index\tlabel\tthreads\tcorpus_mib\twall_s\tmib_per_s\tpeak_rss_mib\tcpu\n' > "$OUT/index.tsv"
index_run() {
  local label="$1" corpus="$2" idx="$3" threads="$4" cpus="${5:-}" t0 t1 rss cpu mib
  local pin=()
  [ -n "$cpus" ] && pin=(taskset -c "$cpus")
  t0=$(date +%s.%N)
  /usr/bin/time -v -o "$OUT/index-$label.time" "${pin[@]}" "$PIA" index "$corpus" --index "$idx" \
    --threads "$threads" >&2
  t1=$(date +%s.%N)
  RUN_S=$(echo "$t1 - $t0" | bc)
  rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$OUT/index-$label.time")
  cpu=$(awk -F': ' '/Percent of CPU/ {print $2}' "$OUT/index-$label.time")
  mib=$(du -sm --apparent-size "$corpus/" | cut -f1)
  printf 'index\t%s\t%s\t%s\t%.2f\t%.2f\t%s\t%s\n' "$label" "$threads" "$mib" "$RUN_S" \
    "$(echo "$mib / $RUN_S" | bc -l)" "$((rss / 1024))" "$cpu" >> "$OUT/index.tsv"
  LAST_RSS_KB=$rss LAST_CPU=$cpu
}

# The peers index only *.txt: keep manifest.tsv out of pia's walk meanwhile.
mv "$CORPUS/manifest.tsv" "$ROOT/manifest$MB.tsv"
ALL=$(nproc)
SWEEP=$(printf '%s\n' 1 2 "$ALL" | sort -nu)
for t in $SWEEP; do
  [ "$t" = "$ALL" ] && continue
  say "pia index --threads $t (sweep)"
  rm -rf "$IDX-t$t"
  index_run "threads-$t" "$CORPUS" "$IDX-t$t" "$t"
  rm -rf "$IDX-t$t"
  say "pia index --threads $t on $t core(s) (taskset)"
  index_run "cores-$t" "$CORPUS" "$IDX-t$t" "$t" "0-$((t - 1))"
  rm -rf "$IDX-t$t"
done
say "pia index $CORPUS --index $IDX (all $ALL cores)"
rm -rf "$IDX"
index_run "threads-$ALL" "$CORPUS" "$IDX" "$ALL"
BUILD_S=$RUN_S RSS_KB=$LAST_RSS_KB CPU=$LAST_CPU
say "pia index again, nothing changed"
index_run "unchanged" "$CORPUS" "$IDX" "$ALL"
mv "$ROOT/manifest$MB.tsv" "$CORPUS/manifest.tsv"
"$PIA_BENCH" build-row "$CORPUS" --index "$IDX" --build-s "$BUILD_S" \
  --notes "peak_rss_mib=$((RSS_KB / 1024)) cpu=$CPU threads=$ALL" > "$OUT/pia.tsv"

# --- unique prose: no memo hits (uniquify.py), pia 1 thread and all, Groonga --
if [ "${UNIQUE:-1}" != 0 ]; then
  UCORPUS="$ROOT/corpus$MB-unique"
  say "uniquify.py --src $CORPUS --out $UCORPUS"
  python3 "$KIT/uniquify.py" --src "$CORPUS" --out "$UCORPUS" \
    --ipadic "$REPO/dictionaries/ipadic" >&2
  mv "$UCORPUS/manifest.tsv" "$ROOT/umanifest$MB.tsv" 2>/dev/null || true
  for t in $(printf '%s\n' 1 "$ALL" | sort -nu); do
    say "pia index (unique prose) --threads $t"
    rm -rf "$IDX-unique"
    index_run "unique-threads-$t" "$UCORPUS" "$IDX-unique" "$t"
    if [ "$t" != "$ALL" ]; then
      say "pia index (unique prose) --threads $t on $t core(s) (taskset)"
      rm -rf "$IDX-unique"
      index_run "unique-cores-$t" "$UCORPUS" "$IDX-unique" "$t" "0-$((t - 1))"
    fi
  done
  rm -rf "$IDX-unique"
  if [ "${PEERS:-1}" != 0 ]; then
    say "groonga bigram-doc on the unique-prose corpus"
    python3 "$KIT/bench_groonga.py" "$UCORPUS" "$QUERIES" --repeat 1 \
      --workdir "$ROOT/work-unique" > "$OUT/unique-groonga.tsv" 2>/dev/null \
      || echo "groonga failed on the unique corpus" >&2
    rm -rf "$ROOT/work-unique"
  fi
  mv "$ROOT/umanifest$MB.tsv" "$UCORPUS/manifest.tsv" 2>/dev/null || true
fi

# --- in-process query latency ----------------------------------------------
say "pia-bench queries (in-process, $REPEAT rounds)"
"$PIA_BENCH" queries "$QUERIES" --index "$IDX" --corpus "corpus$MB" --repeat "$REPEAT" --top10 >> "$OUT/pia.tsv"
# The best ten alone, no totals kept (what the peers' `LIMIT 10` does).
"$PIA_BENCH" queries "$QUERIES" --index "$IDX" --corpus "corpus$MB" --repeat "$REPEAT" --top10 \
  --exact-up-to 0 | grep -P '^query\tpia\ttop10' >> "$OUT/pia.tsv"

# --- hit counts: engine vs brute force with the normative definition --------
say "pia-bench check (engine vs stored sections) and norm_truth.py (whole files)"
"$PIA_BENCH" check "$QUERIES" --index "$IDX" > "$OUT/check.tsv" || echo "CHECK FAILED (see $OUT/check.tsv)" >&2
python3 "$HERE/norm_truth.py" "$CORPUS" "$QUERIES" > "$OUT/normtruth.tsv"

# --- whole process: pia search vs rg -F (hyperfine) -------------------------
say "hyperfine: pia search vs rg -F, per query"
mapfile -t QS < <(grep -v '^[[:space:]]*#' "$QUERIES" | grep -v '^[[:space:]]*$')
printf '#query\ttool\tvariant\tcorpus\tquery\thits\tmedian_ms\tmin_ms\tmax_ms\tfirst_ms\truns\n' > "$OUT/cli.tsv"
for i in "${!QS[@]}"; do
  q="${QS[$i]}"
  json="$OUT/hyperfine-$i.json"
  hyperfine -N --warmup 2 --runs "$REPEAT" --export-json "$json" \
    -n pia "$PIA search \"$q\" --index $IDX --limit 10" \
    -n rg "rg -F -c -l --no-ignore --hidden -g *.txt -e $q $CORPUS" >/dev/null 2>&1 \
    || { echo "hyperfine failed for $q" >&2; continue; }
  pia_hits=$(awk -F'\t' -v q="$q" '$1=="query" && $3=="count" && $5==q {print $6}' "$OUT/pia.tsv")
  rg_hits=$(rg -F -c -l --no-ignore --hidden -g '*.txt' -e "$q" "$CORPUS" | wc -l)
  python3 - "$json" "$q" "corpus$MB" "$pia_hits" "$rg_hits" >> "$OUT/cli.tsv" <<'PY'
import json, statistics, sys
path, q, corpus, pia_hits, rg_hits = sys.argv[1:]
for r in json.load(open(path))["results"]:
    t = [x * 1000 for x in r["times"]]
    name = r["command"]
    tool, variant, hits = (("pia", "cli-top10", pia_hits) if name == "pia"
                           else ("ripgrep", "fixed-hyperfine", rg_hits))
    print(f"query\t{tool}\t{variant}\t{corpus}\t{q}\t{hits}\t{statistics.median(t):.4f}\t"
          f"{min(t):.4f}\t{max(t):.4f}\t{t[0]:.4f}\t{len(t)}")
PY
done

# --- peers -----------------------------------------------------------------
if [ "${PEERS:-1}" != 0 ]; then
  say "peers: $KIT/run_all.sh $CORPUS (about 3 min for 100 MiB on 2 cores)"
  REPEAT="$REPEAT" SKIP="${SKIP:-}" "$KIT/run_all.sh" "$CORPUS" "$QUERIES" "$OUT" > /dev/null
fi

# --- tables ----------------------------------------------------------------
echo
echo "### pia rows"
cat "$OUT/pia.tsv" "$OUT/cli.tsv"
echo
cat "$OUT/check.tsv"
echo
FILES=()
for n in truth rg fts5 fts5-contentless groonga-bigram-doc groonga-bigram-para \
         groonga-mecab-doc groonga-mecab-para; do
  [ -s "$OUT/$n.tsv" ] && FILES+=("$OUT/$n.tsv")
done
python3 "$KIT/summarize.py" "${FILES[@]}" "$OUT/pia.tsv" "$OUT/cli.tsv" > "$OUT/summary.md"
python3 "$HERE/ratios.py" "$OUT" > "$OUT/ratios.md"
cat "$OUT/index.tsv"
cat "$OUT/summary.md" "$OUT/ratios.md"
