#!/usr/bin/env python3
"""Run one command and print a scale.tsv row: wall time, peak RSS and CPU
from wait4's rusage, so that machines without /usr/bin/time can measure too.

    timed.py LABEL THREADS CORPUS BASE_S -- COMMAND...

BASE_S is the 1-thread wall time the speed-up is measured against (0: none).
The command's stdout is echoed to stderr; where it is `pia index --json`'s
summary, its stage split (where the wall time went) ends the row.
A failing command fails this script.
"""
import json
import os
import subprocess
import sys
import time


def corpus_mib(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            total += os.path.getsize(os.path.join(root, name))
    return total / (1 << 20)


def main():
    sep = sys.argv.index("--")
    label, threads, corpus, base_s = sys.argv[1:sep]
    cmd = sys.argv[sep + 1:]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    sys.stderr.buffer.write(out)
    try:
        stages = json.loads(out)["stages"]
        stages = " ".join(f"{k}={v:.2f}" for k, v in stages.items())
    except (ValueError, KeyError, TypeError):
        stages = "-"
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{label}: {' '.join(cmd)} failed with status {status}")
    mib = corpus_mib(corpus)
    cpu = usage.ru_utime + usage.ru_stime
    base = float(base_s)
    speedup = f"{base / wall:.2f}" if base > 0 else "1.00"
    print(f"{label}\t{threads}\t{mib:.0f}\t{wall:.2f}\t{mib / wall:.2f}\t{speedup}\t"
          f"{usage.ru_maxrss // 1024}\t{cpu:.1f}\t{cpu / wall:.2f}\t{stages}")


if __name__ == "__main__":
    main()
