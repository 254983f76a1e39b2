#!/usr/bin/env python3
"""Print the fixed list of tiles used by the tile benchmark, one `z/x/y` a line.

Every XYZ tile (Web Mercator, y counted from the north) at zooms MIN..=MAX whose
bounds intersect Zhejiang's bounding box, lon 118.0-123.0, lat 27.0-31.2.
Zooms in ascending order, then x, then y. No sampling: every tile is listed.

    z5-z12 (default): 4,330 tiles (1 + 4 + 9 + 25 + 64 + 225 + 812 + 3,190)
    --max-zoom 10:      328 tiles (z5-z10)

Not run in CI. See benches/tiles/README.md.
"""

import argparse
import math
import signal

LON_MIN, LON_MAX = 118.0, 123.0
LAT_MIN, LAT_MAX = 27.0, 31.2


def tile_x(lon: float, z: int) -> float:
    return (lon + 180.0) / 360.0 * (1 << z)


def tile_y(lat: float, z: int) -> float:
    r = math.radians(lat)
    return (1.0 - math.log(math.tan(r) + 1.0 / math.cos(r)) / math.pi) / 2.0 * (1 << z)


def tiles(min_zoom: int, max_zoom: int):
    for z in range(min_zoom, max_zoom + 1):
        # A tile intersects the box when its open interior overlaps it; a box edge
        # falling exactly on a tile edge does not pull in the neighbouring tile.
        x0 = math.floor(tile_x(LON_MIN, z))
        x1 = math.ceil(tile_x(LON_MAX, z)) - 1
        y0 = math.floor(tile_y(LAT_MAX, z))  # north edge -> smallest y
        y1 = math.ceil(tile_y(LAT_MIN, z)) - 1
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                yield z, x, y


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--min-zoom", type=int, default=5)
    p.add_argument("--max-zoom", type=int, default=12)
    p.add_argument("--counts", action="store_true",
                   help="print the number of tiles per zoom instead of the list")
    a = p.parse_args()
    if not 0 <= a.min_zoom <= a.max_zoom <= 22:
        p.error("need 0 <= --min-zoom <= --max-zoom <= 22")
    if a.counts:
        per = {}
        for z, _, _ in tiles(a.min_zoom, a.max_zoom):
            per[z] = per.get(z, 0) + 1
        for z, n in per.items():
            print(f"z{z}\t{n}")
        print(f"total\t{sum(per.values())}")
        return
    for z, x, y in tiles(a.min_zoom, a.max_zoom):
        print(f"{z}/{x}/{y}")


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet under `| head`
    main()
