#!/usr/bin/env python3
"""Document hit counts under pia's normative phrase definition, by brute force.

  norm_truth.py CORPUS_DIR QUERIES_FILE

norm(s) = NFKC, 〇 -> ○, table-export HTML tags removed, all whitespace
removed, ー after a katakana letter removed (see src/normalize.rs).  A file
is a hit when norm(query) is a substring of norm(file text).  Prints TSV:

  #normtruth  corpus query docs

pia matches section by section (a hit must lie inside one section's body,
choice lists excluded unless --choices), so its count can only be lower
than this document-level count; `pia-bench check` compares the engine with
the same definition applied to the stored section bodies.
"""
import os
import re
import sys
import unicodedata

TAGS = re.compile(
    r"(?i)</?(p|ul|ol|li|table|tr|td|th|div|span|input|br|b|i|u|strong|em|font|thead|tbody)"
    r"(\s[^<>]*)?/?>")
KATA = re.compile("([\u30a1-\u30fa\u30fd-\u30ff\u31f0-\u31ff])ー+")
WS = re.compile(r"\s+")


def norm(s):
    s = unicodedata.normalize("NFKC", s).replace("\u3007", "○")
    s = WS.sub("", TAGS.sub("", s))
    # ー after katakana (also after a ー that followed katakana: ーー)
    return KATA.sub(r"\1", s)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    corpus, qfile = sys.argv[1:]
    with open(qfile, encoding="utf-8") as f:
        queries = [q.rstrip("\r\n") for q in f]
    queries = [q for q in queries if q.strip() and not q.lstrip().startswith("#")]
    nq = [norm(q) for q in queries]
    docs = [0] * len(queries)
    names = sorted(n for n in os.listdir(corpus) if n.endswith(".txt"))
    for n in names:
        with open(os.path.join(corpus, n), encoding="utf-8", errors="replace") as f:
            t = norm(f.read())
        for i, q in enumerate(nq):
            docs[i] += q in t
    label = os.path.basename(os.path.normpath(corpus))
    print("#normtruth\tcorpus\tquery\tdocs")
    for q, d in zip(queries, docs):
        print(f"normtruth\t{label}\t{q}\t{d}")


if __name__ == "__main__":
    main()
