#!/usr/bin/env python3
"""Derives data/review/common_chars.txt: the characters the naming checks
treat as common. A character is common when it appears in at least
MIN_NAMES distinct road, village, town or compound names of the bundled
vocabularies, or in any official division name (MCA 2025).

    scripts/derive-common-chars.py > data/review/common_chars.txt
"""
import collections
import gzip
import json

MIN_NAMES = 5


def han(c):
    return "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf"


count = collections.Counter()
for path in ["data/sources/region.dic.gz", "data/sources/community.dic.gz"]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            count.update(c for c in set(line.strip()) if han(c))
common = {c for c, n in count.items() if n >= MIN_NAMES}

with gzip.open("data/sources/mca_divisions_2025.json.gz", "rt", encoding="utf-8") as f:
    text = f.read()
common.update(c for c in text if han(c))

chars = sorted(common)
print("# Common characters for place names (one line per 100 characters).")
print(f"# {len(chars)} characters: in >= {MIN_NAMES} distinct names of data/sources/region.dic.gz")
print("# and community.dic.gz, or in any MCA 2025 division name.")
print("# Derived by scripts/derive-common-chars.py; lines starting with # are comments.")
for i in range(0, len(chars), 100):
    print("".join(chars[i : i + 100]))
