#!/usr/bin/env python3
"""The clients and the report of the soak benchmark (scripts/bench-soak.sh),
standard library only.

  requests STORE URL OUT PROPOSAL SUBSCRIPTION
      writes the list of read requests wrk rotates over (benches/load/soak.lua):
      one request a line, "FLAGS PATH" (flags: a = with the token wrk is given,
      an admin's; g = Accept-Encoding: gzip; - = none), built from ids and codes of STORE
      and the tilesets the server at URL lists; shuffled with a fixed seed.
  writes STORE URL SECS RATE TOKENS RECEIVER OUT
      RATE writes a second through the API for SECS seconds, on a steady
      schedule, by a few lanes each carrying a scenario: a naming proposal
      created, revised and carried a few steps; an account with a role
      granted, a token issued, rotated and revoked, the account disabled; a
      webhook subscription to RECEIVER made and ended. TOKENS is a JSON
      object of role → token (made by `fangyu token create`). Writes OUT
      (JSON): the count of each write by status, latencies, the scenarios.
  batches STORE URL SECS EVERY ROWS ADMIN OUT
      a POST /geocode/batch job of ROWS CSV rows every EVERY seconds for SECS
      seconds, and GET /audit/verify after every fourth job. Writes OUT (JSON).
  receiver PORTFILE SECRETFILE SECS OUT
      a webhook receiver on 127.0.0.1 (its port written to PORTFILE): POST
      /hook checks X-Fangyu-Signature against the secret in SECRETFILE (read
      once it exists) and the order of X-Fangyu-Seq; POST /scratch/… (the
      short-lived subscriptions of the writers) are only counted. Stops by
      itself after SECS seconds (or at SIGTERM) and writes OUT (JSON).
  report WORK SECS
      the summary of a run from the files bench-soak.sh left in WORK; exits 1
      if a request failed (5xx, 429, connection error), a stream or the
      webhook went wrong, the server died, or memory was not flat.

Every request goes to 127.0.0.1 only.
"""

import hashlib
import hmac
import http.client
import http.server
import json
import math
import os
import random
import re
import signal
import sqlite3
import sys
import threading
import time
import urllib.parse
import urllib.request

SEED = 20261207
# The county the proposals name roads in (海曙区, as the review tests do).
COUNTY = "330203"
# The division levels by number, as /divisions?level= names them.
LEVELS = {1: "province", 2: "prefecture", 3: "county", 4: "township", 5: "village"}
# Common characters a proposed road name is made of (3 of them and 路).
NAME_CHARS = "安宁和顺兴泰康乐丰茂瑞祥景明清远晨曦松柏桂兰竹梅荷柳溪泉澜涛嘉禾锦绣静雅望舒朗悦"


def store(path):
    """A read-only connection to a store."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def sample(conn, sql, n, key="fid"):
    """n rows of a query in a fixed pseudo-random order of its KEY column
    (the same every run)."""
    return conn.execute(f"{sql} ORDER BY ({key} * 2654435761) % 1000003 LIMIT {int(n)}").fetchall()


def get_json(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)


def q(value):
    return urllib.parse.quote(str(value), safe="")


# --- requests: the read list -------------------------------------------------


def tile_of(lon, lat, z):
    """The web-mercator tile holding a point at zoom z."""
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    lat_r = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def read_requests(store_path, url, proposal, subscription):
    rnd = random.Random(SEED)
    c = store(store_path)
    out = []

    def add(path, flags="-", times=1):
        out.extend([f"{flags} {path}"] * times)

    # Orchestration, description, map page and its assets.
    add("/health", times=20)
    add("/ready", times=20)
    add("/metrics", times=2)
    add("/openapi.json", times=2)
    add("/docs", times=2)
    for slug in ("not-found", "rate-limited", "separation-of-duties"):
        add(f"/problems/{slug}")
    add("/map", times=3)
    for asset in ("map.js", "map.css", "maplibre-gl.js", "maplibre-gl.css"):
        add(f"/map/{asset}", "g")
    add("/styles/base.json", times=5)

    # Door plates: reverse, forward, structured, standardize, by code.
    plates = sample(
        c,
        "SELECT a.code, a.standard_address, a.lon, a.lat, a.street, a.number, d.name "
        "FROM addresses a JOIN divisions d ON d.code = substr(a.division_code, 1, 6) AND d.valid_to IS NULL "
        "WHERE a.status = 'current' AND a.fid % 7 = 0",
        400,
        key="a.fid",
    )
    for i, (code, standard, lon, lat, street, number, county) in enumerate(plates):
        add(f"/reverse?lon={lon + 0.0003:.6f}&lat={lat - 0.0002:.6f}")
        if i % 10 == 0:
            add(f"/reverse?lon={lon:.6f}&lat={lat:.6f}&at=2010-01-01")
        add(f"/geocode?limit=1&q={q(standard)}")
        add(f"/addresses/{code}")
        if i % 2 == 0:
            add(f"/standardize?q={q(standard)}")
        if i % 2 == 1 and number:
            add(f"/geocode/structured?county={q(county)}&road={q(street)}&number={q(number)}")
        if i % 8 == 0:
            add(f"/places?near={lon:.5f},{lat:.5f}&class=road&limit=5")
            add(f"/places?bbox={lon - 0.01:.5f},{lat - 0.01:.5f},{lon + 0.01:.5f},{lat + 0.01:.5f}&limit=20")

    # Divisions: search by name and pinyin, one, its children, a boundary.
    divisions = sample(
        c, "SELECT code, name, level, pinyin FROM divisions WHERE valid_to IS NULL AND level <= 4", 200
    )
    for i, (code, name, level, pinyin) in enumerate(divisions):
        add(f"/divisions/{code}")
        if level <= 3:
            add(f"/divisions/{code}/children")
        if i % 4 == 0:
            add(f"/divisions?q={q(name)}&limit=5")
            if level >= 3:
                add(f"/divisions?q={q(name)}&level={LEVELS[level]}&within={code[:4]}00")
            add(f"/autocomplete?q={q(name[:2])}")
        if i % 4 == 1 and pinyin:
            initials = "".join(w[0] for w in pinyin.split() if w).lower()
            add(f"/divisions?q={q(initials)}&limit=5")
            add(f"/autocomplete?q={q(initials)}")
        if i % 10 == 2 and level in (3, 4):
            add(f"/divisions/{code}?geometry=true")

    # Places by id and name.
    for fid, name in sample(c, "SELECT fid, name FROM places WHERE status = 'current'", 150):
        add(f"/places/{fid}")
        if fid % 3 == 0:
            add(f"/places?q={q(name)}&limit=5")

    # Boundary markers near a marker and in a box around it.
    for i, (lon, lat) in enumerate(sample(c, "SELECT lon, lat FROM boundary_markers", 40)):
        add(f"/markers?near={lon:.5f},{lat:.5f}&limit=5")
        if i % 2 == 0:
            add(f"/markers?bbox={lon - 0.05:.5f},{lat - 0.05:.5f},{lon + 0.05:.5f},{lat + 0.05:.5f}")

    # Tiles: the list, each tileset's TileJSON, tiles at every zoom over the
    # plates and over division seats across the country, some gzip.
    add("/tiles", times=3)
    listed = get_json(f"{url}/tiles")
    tilesets = [t["id"] for t in listed["tilesets"]]
    for t in tilesets:
        add(f"/tiles/{q(t)}", times=2)
    base = get_json(f"{url}/tiles/base")
    zmin, zmax = int(base.get("minzoom", 0)), int(base.get("maxzoom", 14))
    seats = sample(c, "SELECT seat_lon, seat_lat FROM divisions WHERE valid_to IS NULL AND seat_lon IS NOT NULL AND level <= 3", 60)
    points = [(p[2], p[3]) for p in plates[:60]] + [tuple(s) for s in seats]
    layers = [t for t in tilesets if t != "base"]
    tiles = set()
    for lon, lat in points:
        for z in range(zmin, zmax + 1):
            x, y = tile_of(lon, lat, z)
            tiles.add(("base", z, x, y))
            if layers and rnd.random() < 0.3:
                tiles.add((rnd.choice(layers), z, x, y))
    for lon, lat in points[:20]:
        z = rnd.randint(max(zmin, 5), min(zmax, 12))
        x, y = tile_of(lon, lat, z)
        tiles.add(("county,boundary", z, x, y))
    for i, (tileset, z, x, y) in enumerate(sorted(tiles)):
        add(f"/tiles/{tileset}/{z}/{x}/{y}", "g" if i % 2 else "-")

    # The feed and the authenticated reads (admin token).
    head = c.execute("SELECT COALESCE(MAX(seq), 0) FROM change_log").fetchone()[0]
    for since in (0, max(0, head - 50), head):
        add(f"/changes?since={since}&limit=100", "a", times=3)
    add("/changes?since=0&limit=50&kind=proposal", "a", times=3)
    for path in ("/proposals?limit=20", "/proposals?state=checked&limit=10", "/proposals/overdue",
                 f"/proposals/{proposal}", "/accounts?limit=20", "/accounts/me", "/accounts/me/activity",
                 "/tokens", "/audit/checkpoints", f"/subscriptions/{subscription}"):
        add(path, "a", times=3)

    rnd.shuffle(out)
    return out


def cmd_requests(store_path, url, out_path, proposal, subscription):
    lines = read_requests(store_path, url, proposal, subscription)
    with open(out_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    families = {line.split(" ", 1)[1].split("?")[0].split("/")[1] for line in lines}
    print(f"{len(lines)} read requests ({len(set(lines))} distinct) under {len(families)} top-level paths",
          file=sys.stderr)


# --- HTTP client with counts -------------------------------------------------


class Tally:
    """Counts of each operation by status, and latencies; thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.latencies = []

    def add(self, op, status, seconds):
        with self.lock:
            by = self.counts.setdefault(op, {})
            by[str(status)] = by.get(str(status), 0) + 1
            self.latencies.append(seconds)

    def summary(self):
        with self.lock:
            lat = sorted(self.latencies)
            pct = lambda p: round(lat[min(len(lat) - 1, int(len(lat) * p))] * 1000, 1) if lat else None
            return {"counts": self.counts, "sent": len(lat), "p50_ms": pct(0.5), "p99_ms": pct(0.99),
                    "max_ms": round(lat[-1] * 1000, 1) if lat else None}


class Client:
    """One keep-alive connection to the server; records every answer."""

    def __init__(self, url, tally):
        parsed = urllib.parse.urlsplit(url)
        self.host, self.port = parsed.hostname, parsed.port
        self.tally = tally
        self.conn = None

    def call(self, op, method, path, token=None, body=None, headers=None):
        """(status, JSON body or None, headers); status is the exception's
        name when the connection failed."""
        hdrs = {"content-type": "application/json"} if body is not None else {}
        if token:
            hdrs["authorization"] = f"Bearer {token}"
        hdrs.update(headers or {})
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        start = time.monotonic()
        for attempt in (0, 1):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                self.conn.request(method, path, body=data, headers=hdrs)
                resp = self.conn.getresponse()
                raw = resp.read()
                status = resp.status
                try:
                    value = json.loads(raw) if raw else None
                except ValueError:
                    value = None
                self.tally.add(op, status, time.monotonic() - start)
                return status, value, resp.headers
            except http.client.RemoteDisconnected:
                # The server closed an idle keep-alive connection: one retry
                # on a new one (nothing was processed).
                self.close()
                if attempt == 1:
                    self.tally.add(op, "RemoteDisconnected", time.monotonic() - start)
                    return "RemoteDisconnected", None, {}
            except (OSError, http.client.HTTPException) as e:
                self.close()
                self.tally.add(op, type(e).__name__, time.monotonic() - start)
                return type(e).__name__, None, {}
        return "unreachable", None, {}

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# --- writes ------------------------------------------------------------------


class Pacer:
    """Hands out the slots of a steady schedule (RATE a second) until the end."""

    def __init__(self, rate, secs):
        self.lock = threading.Lock()
        self.start = time.monotonic()
        self.end = self.start + secs
        self.interval = 1.0 / rate
        self.n = 0

    def wait(self):
        """Sleeps until the next free slot; False once the run is over."""
        with self.lock:
            at = self.start + self.n * self.interval
            self.n += 1
        if at >= self.end:
            return False
        delay = at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        return time.monotonic() < self.end


class Over(Exception):
    """The run is over."""


class Writer:
    """One lane of writes: scenarios one after another, each write on a slot."""

    def __init__(self, lane, url, tokens, pacer, tally, plates, receiver, stats):
        self.lane, self.tokens, self.pacer = lane, tokens, pacer
        self.client = Client(url, tally)
        self.plates, self.receiver, self.stats = plates, receiver, stats
        self.n = 0

    def step(self, op, method, path, role=None, body=None, headers=None):
        """One write on the next slot; raises Over when the run is over."""
        if not self.pacer.wait():
            raise Over
        return self.client.call(op, method, path, self.tokens.get(role), body, headers)

    def count(self, what):
        with self.stats["lock"]:
            self.stats[what] = self.stats.get(what, 0) + 1

    def road_name(self):
        """A road name unique in this run: 3 common characters and 路."""
        k, chars = self.lane * 100_000 + self.n, NAME_CHARS
        self.n += 1
        k = (k * 7919) % (len(chars) ** 3)
        return chars[k % len(chars)] + chars[k // len(chars) % len(chars)] + chars[k // len(chars) ** 2] + "路"

    def proposal(self, carry_on):
        """create → revise → submit → check → withdraw, or, with carry_on,
        → start_expert_review → opinion (left in expert review)."""
        lon, lat = self.plates[(self.lane * 7919 + self.n) % len(self.plates)]
        name = self.road_name()
        geometry = {"type": "LineString", "coordinates": [[lon, lat + 0.0005], [lon + 0.002, lat + 0.0007]]}
        body = {"kind": "name", "class": "road", "name": name, "division": COUNTY, "geometry": geometry,
                "reason": "新建道路需要命名", "applicant": "海曙区住建局"}
        status, p, hdrs = self.step("create_proposal", "POST", "/proposals", "applicant", body)
        if status != 201:
            return
        pid, etag = p["id"], hdrs.get("etag")
        status, p, _ = self.step("revise_proposal", "PATCH", f"/proposals/{pid}", "applicant",
                                 {"meaning": f"取“{name[:2]}”之意"}, {"if-match": etag} if etag else {})
        failed = any(c.get("result") == "fail" for c in (p or {}).get("checks", []))
        if failed:
            self.count("proposals_with_failed_checks")
            self.step("withdraw", "POST", f"/proposals/{pid}/withdraw", "applicant", {})
            return
        self.step("submit", "POST", f"/proposals/{pid}/submit", "applicant", {})
        status, p, _ = self.step("check", "POST", f"/proposals/{pid}/check", "reviewer", {})
        failed = any(c.get("result") == "fail" for c in (p or {}).get("checks", []))
        if carry_on and status == 200 and not failed:
            self.step("start_expert_review", "POST", f"/proposals/{pid}/start_expert_review", "reviewer", {})
            self.step("opinion", "POST", f"/proposals/{pid}/opinion", "expert",
                      {"position": "support", "text": "名称规范，寓意良好"})
            self.count("proposals_in_expert_review")
        else:
            self.step("withdraw", "POST", f"/proposals/{pid}/withdraw", "applicant", {})
            self.count("proposals_withdrawn")

    def account(self):
        """An account, a role granted, a token issued, rotated and revoked,
        the account disabled."""
        body = {"name": f"压测账户{self.lane}-{self.n}", "department": "压测", "roles": ["applicant"]}
        self.n += 1
        status, a, _ = self.step("create_account", "POST", "/accounts", "admin", body)
        if status != 201:
            return
        aid = a["id"]
        self.step("grant_role", "PUT", f"/accounts/{aid}/roles/expert", "admin")
        status, t, _ = self.step("create_token", "POST", "/tokens", "admin",
                                 {"account": aid, "role": "expert", "days": 30})
        if status == 201:
            status, t2, _ = self.step("rotate_token", "POST", f"/tokens/{t['id']}/rotate", "admin", {"days": 7})
            if status == 201:
                self.step("revoke_token", "DELETE", f"/tokens/{t2['id']}", "admin")
        self.step("disable_account", "DELETE", f"/accounts/{aid}", "admin")
        self.count("accounts_cycled")

    def subscription(self):
        """A webhook subscription to the receiver's scratch path, then its end."""
        body = {"url": f"{self.receiver}/scratch/{self.lane}", "kinds": ["proposal"], "division": "3302"}
        status, s, _ = self.step("subscribe", "POST", "/subscriptions", "subscriber", body)
        if status == 201:
            self.step("unsubscribe", "DELETE", f"/subscriptions/{s['id']}", "subscriber")
            self.count("subscriptions_cycled")

    def run(self):
        scenarios = [lambda: self.proposal(False), self.account, lambda: self.proposal(True),
                     self.subscription, lambda: self.proposal(False)]
        k = self.lane
        try:
            while True:
                scenarios[k % len(scenarios)]()
                k += 1
        except Over:
            pass
        finally:
            self.client.close()


def cmd_writes(store_path, url, secs, rate, tokens_path, receiver, out_path, lanes=8):
    tokens = json.load(open(tokens_path))
    plates = store(store_path).execute(
        "SELECT lon, lat FROM addresses WHERE division_code LIKE ? AND kind = 'road_plate' "
        "ORDER BY fid LIMIT 200", (COUNTY + "%",)).fetchall()
    tally, pacer = Tally(), Pacer(float(rate), float(secs))
    stats = {"lock": threading.Lock()}
    writers = [Writer(i, url, tokens, pacer, tally, plates, receiver, stats) for i in range(lanes)]
    threads = [threading.Thread(target=w.run) for w in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats.pop("lock")
    result = tally.summary()
    result.update({"scenarios": stats, "rate": float(rate), "secs": float(secs)})
    json.dump(result, open(out_path, "w"), ensure_ascii=False, indent=1)


# --- batches -----------------------------------------------------------------


def batch_rows(store_path, rows):
    """ROWS addresses as people write them: standard, without the province,
    with full-width digits."""
    c = store(store_path)
    standard = [r[0] for r in sample(c, "SELECT standard_address FROM addresses WHERE status = 'current'", rows)]
    provinces = [r[0] for r in c.execute("SELECT DISTINCT name FROM divisions WHERE level = 1")]
    full = str.maketrans("0123456789", "０１２３４５６７８９")
    out = []
    for i, s in enumerate(standard):
        if i % 3 == 1:
            s = next((s[len(p):] for p in provinces if s.startswith(p)), s)
        elif i % 3 == 2:
            s = s.translate(full)
        out.append('"' + s.replace('"', '""') + '"')
    return "id,address\n" + "".join(f"{i},{a}\n" for i, a in enumerate(out))


def cmd_batches(store_path, url, secs, every, rows, admin, out_path):
    body = batch_rows(store_path, int(rows)).encode()
    tally = Tally()
    parsed = urllib.parse.urlsplit(url)
    jobs, end, n = [], time.monotonic() + float(secs), 0
    verify = Client(url, tally)
    while True:
        at = time.monotonic()
        if at >= end:
            break
        n += 1
        job = {"job": n, "rows_sent": int(rows)}
        try:
            conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)
            conn.request("POST", "/geocode/batch?column=address", body=body, headers={"content-type": "text/csv"})
            resp = conn.getresponse()
            lines = resp.read().decode("utf-8", "replace").splitlines()
            job.update(status=resp.status, rows_back=max(0, len(lines) - 1))
            conn.close()
        except (OSError, http.client.HTTPException) as e:
            job.update(status=type(e).__name__, rows_back=0)
        job["secs"] = round(time.monotonic() - at, 2)
        tally.add("geocode_batch", job["status"], job["secs"])
        if n % 4 == 0 and time.monotonic() < end:
            t = time.monotonic()
            status, v, _ = verify.call("audit_verify", "GET", "/audit/verify", admin)
            job["audit_verify"] = {"status": status, "secs": round(time.monotonic() - t, 2),
                                   "intact": (v or {}).get("intact")}
        jobs.append(job)
        # The next job EVERY seconds after this one started (at once if late).
        time.sleep(max(0.0, min(at + float(every), end) - time.monotonic()))
    verify.close()
    result = tally.summary()
    result["jobs"] = jobs
    json.dump(result, open(out_path, "w"), ensure_ascii=False, indent=1)


# --- webhook receiver --------------------------------------------------------


def cmd_receiver(port_file, secret_file, secs, out_path):
    stats = {"hook": 0, "bad_signature": 0, "out_of_order": 0, "repeated": 0, "last_seq": 0, "scratch": 0}
    lock, secret = threading.Lock(), [None]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            with lock:
                if self.path.startswith("/hook"):
                    if secret[0] is None and os.path.exists(secret_file):
                        secret[0] = open(secret_file).read().strip().encode()
                    want = "sha256=" + hmac.new(secret[0] or b"", body, hashlib.sha256).hexdigest()
                    if not hmac.compare_digest(want, self.headers.get("x-fangyu-signature", "")):
                        stats["bad_signature"] += 1
                    seq = int(self.headers.get("x-fangyu-seq") or 0)
                    if seq == stats["last_seq"]:
                        stats["repeated"] += 1
                    elif seq < stats["last_seq"]:
                        stats["out_of_order"] += 1
                    stats["last_seq"] = max(stats["last_seq"], seq)
                    stats["hook"] += 1
                else:
                    stats["scratch"] += 1
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(port_file + ".tmp", port_file)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait(float(secs))
    server.shutdown()
    with lock:
        json.dump(stats, open(out_path, "w"), indent=1)


# --- report ------------------------------------------------------------------


def metrics_counts(path):
    """(route, status) → count of http_requests_total in a /metrics text."""
    counts = {}
    if not os.path.exists(path):
        return counts
    for line in open(path):
        if not line.startswith("http_requests_total{"):
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', line[: line.rindex("}")]))
        value = float(line.rsplit(" ", 1)[1])
        key = (labels.get("route", "?"), labels.get("status", "?"))
        counts[key] = counts.get(key, 0) + value
    return counts


def wrk_figures(path):
    text = open(path).read() if os.path.exists(path) else ""
    num = lambda pattern: int(m.group(1)) if (m := re.search(pattern, text)) else 0
    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    return {
        "requests": num(r"(\d+) requests in"),
        "rate": float(rate.group(1)) if rate else 0.0,
        "non_2xx_3xx": num(r"Non-2xx or 3xx responses: (\d+)"),
        "socket": {k: num(rf"{k} (\d+)") for k in ("connect", "read", "write", "timeout")},
        "ran": bool(rate),
    }


def load(path, default=None):
    try:
        return json.load(open(path))
    except (OSError, ValueError):
        return default


def bad_status(status):
    """A failed request: a connection error (not a number), a 5xx or a 429."""
    return not str(status).isdigit() or int(status) >= 500 or int(status) == 429


def cmd_report(work, secs):
    secs = float(secs)
    failures = []
    path = lambda name: os.path.join(work, name)

    # Every answer the server gave during the run, per route.
    before, after = metrics_counts(path("metrics-before.txt")), metrics_counts(path("metrics-after.txt"))
    delta = {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0) > 0}
    routes = {}
    for (route, status), n in delta.items():
        r = routes.setdefault(route, {"total": 0, "other": {}})
        r["total"] += n
        if not ("200" <= status < "400"):
            r["other"][status] = r["other"].get(status, 0) + n
    total = sum(r["total"] for r in routes.values())
    print(f"\nserver answers during the run: {int(total):,} ({total / secs:,.0f}/s), per route:")
    print(f"  {'route':<34} {'answers':>11}  not 2xx/3xx")
    for route in sorted(routes, key=lambda r: -routes[r]["total"]):
        r = routes[route]
        other = ", ".join(f"{s}×{int(n)}" for s, n in sorted(r["other"].items())) or "-"
        print(f"  {route:<34} {int(r['total']):>11,}  {other}")
        for s, n in r["other"].items():
            if bad_status(s):
                failures.append(f"{route}: {int(n)} × {s}")

    limited = sum(n for (_, status), n in delta.items() if status == "429")
    print(f"  429 (rate limited; loopback is exempt): {int(limited)}")

    # The clients' side.
    w = wrk_figures(path("wrk.out"))
    sock = w["socket"]
    print(f"\nreads (wrk): {w['requests']:,} requests, {w['rate']:,.0f}/s, not 2xx/3xx {w['non_2xx_3xx']}, "
          f"socket errors: connect {sock['connect']}, read {sock['read']}, write {sock['write']}, "
          f"timeout {sock['timeout']}")
    if not w["ran"]:
        failures.append("wrk did not finish")
    if sum(sock.values()):
        failures.append(f"wrk socket errors {sock}")
    writes = load(path("writes.json"), {})
    print(f"writes: {writes.get('sent', 0):,} ({writes.get('sent', 0) / secs:.1f}/s), p50 {writes.get('p50_ms')} ms, "
          f"p99 {writes.get('p99_ms')} ms, max {writes.get('max_ms')} ms; {writes.get('scenarios', {})}")
    for op, by in sorted(writes.get("counts", {}).items()):
        print(f"  {op:<22} " + ", ".join(f"{s}×{n}" for s, n in sorted(by.items())))
        failures += [f"write {op}: {n} × {s}" for s, n in by.items() if bad_status(s)]
    if not writes:
        failures.append("the writer left no figures")
    batches = load(path("batches.json"), {})
    jobs = batches.get("jobs", [])
    print(f"batch jobs: {len(jobs)}, statuses {batches.get('counts', {}).get('geocode_batch', {})}, "
          f"seconds {min((j['secs'] for j in jobs), default=0)}–{max((j['secs'] for j in jobs), default=0)}, "
          f"rows back {sum(j['rows_back'] for j in jobs):,} of {sum(j['rows_sent'] for j in jobs):,}")
    for j in jobs:
        if bad_status(j["status"]) or j["rows_back"] != j["rows_sent"]:
            failures.append(f"batch job {j['job']}: {j['status']}, {j['rows_back']} of {j['rows_sent']} rows")
        if "audit_verify" in j:
            v = j["audit_verify"]
            print(f"  audit verify after job {j['job']}: {v['status']} in {v['secs']} s, intact {v['intact']}")
            if bad_status(v["status"]) or v["intact"] is False:
                failures.append(f"audit verify: {v['status']}, intact {v['intact']}")
    if not batches:
        failures.append("the batch client left no figures")

    # Event streams and the webhook.
    streams = sorted(f for f in os.listdir(work) if f.startswith("sse-") and f.endswith(".status"))
    for f in streams:
        code, rc = (open(path(f)).read().split() + ["?", "?"])[:2]
        events = sum(1 for line in open(path(f.replace(".status", ".out")), errors="replace")
                     if line.startswith("event: change"))
        print(f"event stream {f[4:-7]}: HTTP {code}, {events:,} change events, curl exit {rc}"
              f"{' (held to the end)' if rc == '28' else ''}")
        if code != "200" or rc != "28":
            failures.append(f"event stream {f[4:-7]}: HTTP {code}, curl exit {rc}")
    hook, sub = load(path("receiver.json"), {}), load(path("subscription.json"), {})
    if hook:
        print(f"webhook: {hook['hook']:,} deliveries received (last seq {hook['last_seq']}), bad signatures "
              f"{hook['bad_signature']}, out of order {hook['out_of_order']}, repeated {hook['repeated']}; "
              f"subscription delivered_seq {sub.get('delivered_seq')}, pending {sub.get('pending')}, "
              f"last_error {sub.get('last_error')}; {hook['scratch']:,} deliveries to short-lived subscriptions")
        if hook["bad_signature"] or hook["out_of_order"]:
            failures.append("webhook deliveries badly signed or out of order")
    else:
        failures.append("the webhook receiver left no figures")

    # Memory: the spread of the RSS samples in the last 10 minutes (the last
    # third of a run shorter than 30 minutes).
    rows = [line.strip().split(",") for line in open(path("rss.csv")).readlines()[1:] if line.strip()]
    samples = [(float(t), int(kb) / 1024) for t, kb in rows]
    window = 600.0 if secs >= 1800 else secs / 3
    last = [mb for t, mb in samples if t >= secs - window]
    flat = False
    if len(last) >= 2:
        lo, hi = min(last), max(last)
        flat = hi <= lo * 1.05
        print(f"\nRSS: {len(samples)} samples every 10 s, first {samples[0][1]:.0f} MB, last {samples[-1][1]:.0f} MB, "
              f"peak {max(mb for _, mb in samples):.0f} MB; last {window:.0f} s: min {lo:.0f} MB, max {hi:.0f} MB, "
              f"spread {100 * (hi - lo) / lo:.1f} % -> {'flat' if flat else 'NOT flat'} (within 5 %)")
    else:
        print("\nRSS: too few samples")
    if not flat:
        failures.append("memory not flat")
    alive = open(path("server.alive")).read().strip() if os.path.exists(path("server.alive")) else "?"
    panics = sum(1 for line in open(path("serve.log"), errors="replace") if "panicked" in line) \
        if os.path.exists(path("serve.log")) else 0
    print(f"server alive at the end: {alive}; panics in its log: {panics}")
    if alive != "yes":
        failures.append("the server died")
    if panics:
        failures.append(f"{panics} panics in the server's log")

    print(f"\nsoak {'FAILED' if failures else 'passed'} ({secs:.0f} s)")
    for f in failures:
        print(f"  - {f}")
    sys.exit(1 if failures else 0)


def main(argv):
    commands = {"requests": (cmd_requests, 5), "writes": (cmd_writes, 7), "batches": (cmd_batches, 7),
                "receiver": (cmd_receiver, 4), "report": (cmd_report, 2)}
    if len(argv) < 2 or argv[1] not in commands or len(argv) - 2 != commands[argv[1]][1]:
        sys.exit(__doc__)
    fn, _ = commands[argv[1]]
    fn(*argv[2:])


if __name__ == "__main__":
    main(sys.argv)
