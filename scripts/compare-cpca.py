#!/usr/bin/env python3
"""Scores `cpca` (the Python Chinese address parser, from PyPI) and Fangyu
side by side, at county level, on the same strings: the cases
`fangyu eval --cases FILE` wrote, with the county each was written from and
the county Fangyu answered. A case is right when the county-level code
answered is the one wanted (cpca's `adcode`, Fangyu's answer's county).

Usage: scripts/compare-cpca.sh (makes the environment), or
       python compare-cpca.py CASES.tsv [LIMIT]"""
import collections
import csv
import sys

import cpca

path = sys.argv[1]
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 0
rows = list(csv.DictReader(open(path, encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE))
if limit:
    # Every class keeps its share: every n-th row.
    step = max(1, len(rows) // limit)
    rows = rows[::step]
inputs = [r["input"].replace("\\n", "\n") for r in rows]
found = cpca.transform(inputs)
codes = [str(c) if isinstance(c, str) or c == c else "" for c in found["adcode"]]
tally = collections.defaultdict(lambda: [0, 0, 0])
for r, code in zip(rows, codes):
    for key in (r["set"] + " / " + r["class"].split("/")[0], r["set"] + " / all"):
        t = tally[key]
        t[0] += 1
        t[1] += (code or "")[:6] == r["want_county"]
        t[2] += r["got_county"] == r["want_county"]
print("| set / group | cases | cpca right | Fangyu right |")
print("|---|---|---|---|")
for key in sorted(tally):
    n, c, f = tally[key]
    print(f"| {key} | {n} | {100 * c / n:.2f} % | {100 * f / n:.2f} % |")
