#!/usr/bin/env python3
"""At-scale check of `pia contractors NAME`: on a corpus made by
../shared/bench/gen_corpus.py, the set of files returned for every vendor of
the manifest must equal the manifest rows whose vendor_mentions contain it.

Usage: bench/contractors_check.py [--docs 2000] [--pia target/release/pia]
Prints one line per vendor (expected, got, missing, extra) and a summary;
exits 1 if any vendor differs.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--pia", default=os.path.join(ROOT, "target/release/pia"))
    ap.add_argument("--shared", default=os.environ.get("PIA_SHARED", os.path.join(ROOT, "../shared")))
    ap.add_argument("--work", default="/tmp/pia-bench")
    args = ap.parse_args()

    corpus = os.path.join(args.work, f"contractors{args.docs}")
    index = os.path.join(args.work, f"contractors{args.docs}-idx")
    gen = os.path.join(args.shared, "bench/gen_corpus.py")
    subprocess.run([sys.executable, gen, "--seed", str(args.seed), "--docs", str(args.docs),
                    "--out", corpus], check=True, stdout=subprocess.DEVNULL)
    t = time.time()
    subprocess.run([args.pia, "index", corpus, "--index", index], check=True)
    print(f"indexed {args.docs} docs in {time.time() - t:.1f} s")

    truth = {}
    with open(os.path.join(corpus, "manifest.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            c = line.rstrip("\n").split("\t")
            for v in filter(None, c[9].split("|")):
                truth.setdefault(v, set()).add(c[0])

    bad = 0
    t = time.time()
    for vendor in sorted(truth):
        out = subprocess.run([args.pia, "contractors", vendor, "--no-aliases", "--json",
                              "--index", index], check=True, capture_output=True, text=True).stdout
        got = {json.loads(l)["file"] for l in out.splitlines() if l.strip()}
        want = truth[vendor]
        missing, extra = want - got, got - want
        bad += bool(missing or extra)
        print(f"{'ok  ' if not (missing or extra) else 'DIFF'} {vendor}\texpected {len(want)}\tgot {len(got)}"
              f"\tmissing {len(missing)}\textra {len(extra)}")
    print(f"{len(truth) - bad}/{len(truth)} vendors exact; {len(truth)} lookups in {time.time() - t:.1f} s")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
