#!/usr/bin/env python3
"""Draws the calibration of forward geocoding as an SVG: for each
confidence band, the share of answers right at county level, for the
generated set and the set written as records write them (CSV from
`fangyu eval --bands FILE`). Usage: plot-calibration.py BANDS.csv OUT.svg"""
import csv
import sys

rows = list(csv.DictReader(open(sys.argv[1])))
bands = []
for r in rows:
    key = (r["low"], r["high"])
    if key not in bands:
        bands.append(key)
W, H, L, B, T = 720, 440, 70, 70, 90
plot_w, plot_h = W - L - 30, H - B - T
slot = plot_w / len(bands)


def y(v):
    return T + (1 - v) * plot_h


out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="15">Forward geocoding: share right at county level, by confidence band</text>']
for t in range(0, 11, 2):
    v = t / 10
    out.append(f'<line x1="{L}" y1="{y(v)}" x2="{L + plot_w}" y2="{y(v)}" stroke="#ddd"/>')
    out.append(f'<text x="{L - 8}" y="{y(v) + 4}" text-anchor="end">{100 * v:.0f} %</text>')
out.append(f'<text x="{W / 2}" y="{H - 14}" text-anchor="middle">confidence band (numbers on the bars: answers in the band)</text>')
out.append(f'<text x="18" y="{T + plot_h / 2}" text-anchor="middle" transform="rotate(-90 18 {T + plot_h / 2})">share right</text>')
colours = {"generated": "#1f6feb", "records": "#d9480f"}
labels = {"generated": "generated from the division tree (153,122 answers)",
          "records": "written as records write them (5,000 answers)"}
for b, (lo, hi) in enumerate(bands):
    out.append(f'<text x="{L + slot * (b + 0.5):.1f}" y="{y(0) + 18}" text-anchor="middle">{lo}–{hi}</text>')
for k, (name, colour) in enumerate(colours.items()):
    for r in rows:
        if r["set"] != name or int(r["answers"]) == 0:
            continue
        b = bands.index((r["low"], r["high"]))
        n, right = int(r["answers"]), int(r["right"])
        share = right / n
        bar_w = slot / 2 - 6
        bx = L + slot * b + 4 + k * (bar_w + 4)
        out.append(f'<rect x="{bx:.1f}" y="{y(share):.1f}" width="{bar_w:.1f}" height="{y(0) - y(share):.1f}" fill="{colour}" fill-opacity="0.8"><title>{name} {r["low"]}–{r["high"]}: {n} answers, {100 * share:.2f} % right</title></rect>')
        out.append(f'<text x="{bx + bar_w / 2:.1f}" y="{y(share) - 4:.1f}" text-anchor="middle" font-size="9">{n}</text>')
    out.append(f'<rect x="{L}" y="{36 + 18 * k}" width="12" height="12" fill="{colour}"/>')
    out.append(f'<text x="{L + 18}" y="{47 + 18 * k}">{labels[name]}</text>')
out.append('</svg>')
open(sys.argv[2], "w").write("\n".join(out) + "\n")
