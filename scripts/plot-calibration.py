#!/usr/bin/env python3
"""Draws the calibration of forward geocoding as an SVG: for each
confidence band, the share of answers right at county level, for the
generated set and the set written as records write them (CSV from
`fangyu eval --bands FILE`). Usage: plot-calibration.py BANDS.csv OUT.svg"""
import csv
import sys

rows = list(csv.DictReader(open(sys.argv[1])))
W, H, L, B, T = 640, 420, 70, 60, 40
plot_w, plot_h = W - L - 30, H - B - T


def x(v):
    return L + v * plot_w


def y(v):
    return T + (1 - v) * plot_h


out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="15">Forward geocoding: confidence against share right (county level)</text>']
for t in range(0, 11, 2):
    v = t / 10
    out.append(f'<line x1="{x(0)}" y1="{y(v)}" x2="{x(1)}" y2="{y(v)}" stroke="#ddd"/>')
    out.append(f'<text x="{x(0) - 8}" y="{y(v) + 4}" text-anchor="end">{v:.1f}</text>')
    out.append(f'<text x="{x(v)}" y="{y(0) + 18}" text-anchor="middle">{v:.1f}</text>')
out.append(f'<line x1="{x(0)}" y1="{y(0)}" x2="{x(1)}" y2="{y(1)}" stroke="#999" stroke-dasharray="4 4"/>')
out.append(f'<text x="{W / 2}" y="{H - 18}" text-anchor="middle">confidence band</text>')
out.append(f'<text x="18" y="{T + plot_h / 2}" text-anchor="middle" transform="rotate(-90 18 {T + plot_h / 2})">share right</text>')
colours = {"generated": "#1f6feb", "records": "#d9480f"}
for k, (name, colour) in enumerate(colours.items()):
    for r in rows:
        if r["set"] != name or int(r["answers"]) == 0:
            continue
        lo, hi, n, right = float(r["low"]), float(r["high"]), int(r["answers"]), int(r["right"])
        share = right / n
        bar_w = (hi - lo) * plot_w / 2 - 2
        bx = x(lo) + 1 + k * (bar_w + 1)
        out.append(f'<rect x="{bx:.1f}" y="{y(share):.1f}" width="{bar_w:.1f}" height="{y(0) - y(share):.1f}" fill="{colour}" fill-opacity="0.75"><title>{name} {lo}–{hi}: {n} answers, {100 * share:.2f} % right</title></rect>')
        out.append(f'<text x="{bx + bar_w / 2:.1f}" y="{y(share) - 4:.1f}" text-anchor="middle" font-size="9">{n}</text>')
    out.append(f'<rect x="{L + 10}" y="{T + 10 + 18 * k}" width="12" height="12" fill="{colour}"/>')
    label = "generated from the division tree" if name == "generated" else "written as records write them"
    out.append(f'<text x="{L + 28}" y="{T + 21 + 18 * k}">{label} (bar label: answers)</text>')
out.append('</svg>')
open(sys.argv[2], "w").write("\n".join(out) + "\n")
