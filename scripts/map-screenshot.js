#!/usr/bin/env node
// Screenshots a web page with headless Chromium (WebGL through SwiftShader),
// waiting until a JavaScript condition holds (by default the map page's
// `window.__mapIdle`). Talks to Chromium over the DevTools protocol on a
// pipe (--remote-debugging-pipe), so it needs only node and chromium.
//
// Usage:
//   node scripts/map-screenshot.js URL OUT.png [options]
// Options:
//   --size WxH          window size in CSS pixels (default 1024x768)
//   --wait EXPR         JavaScript condition to wait for
//                       (default: window.__mapIdle === true)
//   --fail EXPR         JavaScript condition that aborts the wait early
//                       (default: none; e.g. "!!window.__mapError")
//   --timeout MS        give up after this long (default 60000)
//   --settle MS         extra wait after the condition holds (default 300)
//   --min-colors N      fail unless the screenshot has at least N distinct
//                       colours (a blank map has < 100; a drawn one 1000s)
//   --chromium PATH     browser binary (default $CHROMIUM, else chromium,
//                       chromium-browser, google-chrome on PATH)
//   --keep-profile      do not delete the temporary profile directory
//   --verbose           log the browser's console and page errors to stderr
//
//   --shoot-anyway      write the screenshot even when the wait failed
// Exit status: 0 screenshot written (and not blank, with --min-colors);
// 1 timed out, the page failed or the shot looks blank (no screenshot
// unless --shoot-anyway); 2 bad usage or no browser binary.
// Prints one JSON line on stdout:
//   {"ok":..,"file":..,"ms":..,"png":{"width","height","colors","drawn"},
//    "errors":[console errors, failed requests],"failure":".."}
// `drawn` is the share of pixels unlike the most common colour.
'use strict';

const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

function usage(msg) {
  if (msg) process.stderr.write(`map-screenshot: ${msg}\n`);
  process.stderr.write('usage: node scripts/map-screenshot.js URL OUT.png [--size WxH] [--wait EXPR] ' +
    '[--fail EXPR] [--timeout MS] [--settle MS] [--min-colors N] [--chromium PATH] [--shoot-anyway] [--keep-profile] [--verbose]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = {
    width: 1024, height: 768, wait: 'window.__mapIdle === true', fail: null,
    timeout: 60000, settle: 300, minColors: 0, chromium: process.env.CHROMIUM || null,
    keepProfile: false, verbose: false, shootAnyway: false, positional: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
    switch (a) {
      case '--size': {
        const m = /^(\d+)x(\d+)$/.exec(next());
        if (!m) usage('--size must be WxH');
        o.width = +m[1]; o.height = +m[2];
        break;
      }
      case '--wait': o.wait = next(); break;
      case '--fail': o.fail = next(); break;
      case '--timeout': o.timeout = +next(); break;
      case '--settle': o.settle = +next(); break;
      case '--min-colors': o.minColors = +next(); break;
      case '--chromium': o.chromium = next(); break;
      case '--keep-profile': o.keepProfile = true; break;
      case '--shoot-anyway': o.shootAnyway = true; break;
      case '--verbose': o.verbose = true; break;
      case '-h': case '--help': usage(); break;
      default:
        if (a.startsWith('--')) usage(`unknown option ${a}`);
        o.positional.push(a);
    }
  }
  if (o.positional.length !== 2) usage('need URL and OUT.png');
  if (!(o.timeout > 0) || !(o.settle >= 0) || !(o.minColors >= 0)) usage('bad --timeout, --settle or --min-colors');
  [o.url, o.out] = o.positional;
  return o;
}

function findChromium(explicit) {
  const candidates = explicit ? [explicit] : ['chromium', 'chromium-browser', 'google-chrome'];
  for (const c of candidates) {
    if (c.includes('/')) { if (fs.existsSync(c)) return c; continue; }
    try {
      return execFileSync('sh', ['-c', `command -v ${c}`], { encoding: 'utf8' }).trim();
    } catch (e) { /* next */ }
  }
  return null;
}

// The flags that make headless Chromium render WebGL on a machine without a
// GPU (SwiftShader through ANGLE) and keep it off the network.
function chromiumArgs(profile, o) {
  return [
    '--headless',
    '--no-sandbox',
    '--use-angle=swiftshader',
    '--enable-unsafe-swiftshader',
    '--ignore-gpu-blocklist',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--disable-extensions',
    '--disable-default-apps',
    '--disable-breakpad',
    '--disable-crash-reporter',
    '--disable-domain-reliability',
    '--disable-client-side-phishing-detection',
    '--disable-features=Translate,MediaRouter,OptimizationHints,AutofillServerCommunication',
    '--metrics-recording-only',
    '--no-pings',
    '--password-store=basic',
    '--use-mock-keychain',
    '--disable-dev-shm-usage',
    '--hide-scrollbars',
    '--mute-audio',
    '--force-device-scale-factor=1',
    `--window-size=${o.width},${o.height}`,
    `--user-data-dir=${profile}`,
    '--remote-debugging-pipe',
    'about:blank',
  ];
}

// A minimal DevTools protocol client over Chromium's pipe (fd 3 in, fd 4 out,
// NUL-separated JSON messages).
class Cdp {
  constructor(write, read) {
    this.write = write;
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = [];
    this.closed = null;
    let buf = '';
    read.setEncoding('utf8');
    read.on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\0')) >= 0) {
        const raw = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let msg;
        try { msg = JSON.parse(raw); } catch (e) { continue; }
        if (msg.id && this.pending.has(msg.id)) {
          const { resolve, reject, method } = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          if (msg.error) reject(new Error(`${method}: ${msg.error.message}`));
          else resolve(msg.result);
        } else if (msg.method) {
          for (const l of this.listeners) l(msg);
        }
      }
    });
    const onClose = () => this.fail(new Error('browser closed the DevTools pipe'));
    read.on('close', onClose);
    read.on('error', onClose);
    write.on('error', onClose);
  }
  fail(err) {
    if (this.closed) return;
    this.closed = err;
    for (const { reject } of this.pending.values()) reject(err);
    this.pending.clear();
  }
  send(method, params = {}, sessionId) {
    if (this.closed) return Promise.reject(this.closed);
    const id = this.nextId++;
    const msg = { id, method, params };
    if (sessionId) msg.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.write.write(JSON.stringify(msg) + '\0');
    });
  }
  on(fn) { this.listeners.push(fn); }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Decodes an 8-bit RGB/RGBA non-interlaced PNG (what Chromium writes) and
// measures how much is drawn: distinct colours and the share of pixels that
// differ from the most common colour (a blank map is one colour plus the
// controls).
function pngStats(buf) {
  const zlib = require('zlib');
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let off = 8, width = 0, height = 0, depth = 0, ctype = 0, interlace = 0;
  const idat = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0); height = data.readUInt32BE(4);
      depth = data[8]; ctype = data[9]; interlace = data[12];
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const bpp = ctype === 6 ? 4 : ctype === 2 ? 3 : 0;
  if (depth !== 8 || !bpp || interlace) throw new Error(`unsupported PNG (depth ${depth}, colour type ${ctype})`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const counts = new Map();
  let prev = Buffer.alloc(stride), cur = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? cur[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
      let v = line[i];
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      cur[i] = v & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const k = (cur[x * bpp] << 16) | (cur[x * bpp + 1] << 8) | cur[x * bpp + 2];
      counts.set(k, (counts.get(k) || 0) + 1);
    }
    [prev, cur] = [cur, prev];
  }
  let top = 0;
  for (const n of counts.values()) if (n > top) top = n;
  const total = width * height;
  return { width, height, colors: counts.size, drawn: +(1 - top / total).toFixed(4) };
}

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, reject) => { t = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(t));
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const deadline = started + o.timeout;
  const bin = findChromium(o.chromium);
  if (!bin) {
    process.stderr.write('map-screenshot: no chromium found (apt-get install chromium, or set CHROMIUM)\n');
    process.exit(2);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'map-screenshot-'));
  const errors = [];
  const log = (s) => { if (o.verbose) process.stderr.write(s + '\n'); };

  const child = spawn(bin, chromiumArgs(profile, o), {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
    detached: true, // own process group, so the whole browser can be ended
  });
  let stderrTail = '';
  let browserReady = false;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    // D-Bus complaints are normal in containers; keep the rest for diagnosis.
    const useful = d.split('\n').filter((l) => l && !/dbus/i.test(l)).join('\n');
    if (useful) stderrTail = (stderrTail + useful + '\n').slice(-4000);
    if (o.verbose) process.stderr.write(d.replace(/^/gm, '[chromium] '));
  });
  let exited = false;
  const exitPromise = new Promise((r) => child.on('exit', () => { exited = true; r(); }));
  child.on('error', (e) => errors.push(`spawn: ${e.message}`));

  // Ends the browser's whole process group (its zygote, GPU and renderer
  // processes too). The profile is thrown away, so a clean shutdown buys
  // nothing: half a second's grace after Browser.close, then SIGKILL.
  const groupAlive = () => {
    try { process.kill(-child.pid, 0); return true; } catch (e) { return false; }
  };
  const cleanup = async () => {
    if (!exited) await Promise.race([exitPromise, sleep(500)]);
    for (let i = 0; i < 50 && groupAlive(); i++) {
      if (i % 10 === 0) { try { process.kill(-child.pid, 'SIGKILL'); } catch (e) { /* gone */ } }
      await sleep(50);
    }
    if (!o.keepProfile) {
      try { fs.rmSync(profile, { recursive: true, force: true }); } catch (e) { /* leave it */ }
    }
  };
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => { cleanup().finally(() => process.exit(130)); });
  }

  let ok = false;
  let shot = false;
  let stats = null;
  let failure = null;
  try {
    const cdp = new Cdp(child.stdio[3], child.stdio[4]);
    const remaining = () => Math.max(1, deadline - Date.now());
    await withTimeout(cdp.send('Browser.getVersion'), Math.min(remaining(), 30000), 'browser start');
    browserReady = true;

    const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
    const page = (m, p) => cdp.send(m, p, sessionId);

    cdp.on((msg) => {
      if (msg.sessionId !== sessionId) return;
      const p = msg.params || {};
      if (msg.method === 'Runtime.exceptionThrown') {
        const d = p.exceptionDetails || {};
        const text = (d.exception && d.exception.description) || d.text || 'exception';
        errors.push(`page exception: ${text.split('\n')[0]}`);
        log(`[page exception] ${text}`);
      } else if (msg.method === 'Runtime.consoleAPICalled') {
        const text = (p.args || []).map((a) => (a.value !== undefined ? a.value : a.description || '')).join(' ');
        if (p.type === 'error') errors.push(`console.error: ${text}`);
        log(`[console.${p.type}] ${text}`);
      } else if (msg.method === 'Log.entryAdded') {
        const e = p.entry || {};
        if (e.level === 'error') errors.push(`${e.source}: ${e.text}${e.url ? ' ' + e.url : ''}`);
        log(`[log.${e.level}] ${e.text} ${e.url || ''}`);
      }
    });
    await page('Runtime.enable');
    await page('Log.enable');
    await page('Page.enable');
    await page('Emulation.setDeviceMetricsOverride', {
      width: o.width, height: o.height, deviceScaleFactor: 1, mobile: false,
    });

    const nav = await page('Page.navigate', { url: o.url });
    if (nav.errorText) throw new Error(`navigation failed: ${nav.errorText}`);

    const cond = `(function(){try{` +
      (o.fail ? `if (${o.fail}) return 'fail';` : '') +
      `return (${o.wait}) ? 'ok' : 'wait';}catch(e){return 'wait';}})()`;
    let state = 'wait';
    while (Date.now() < deadline) {
      const r = await page('Runtime.evaluate', { expression: cond, returnByValue: true });
      state = r.result && r.result.value;
      if (state === 'ok' || state === 'fail') break;
      await sleep(100);
    }
    if (state === 'ok') {
      ok = true;
    } else {
      const why = await page('Runtime.evaluate', {
        expression: 'String(window.__mapError || "")', returnByValue: true,
      }).catch(() => ({}));
      const mapError = why.result && why.result.value;
      failure = state === 'fail'
        ? `page failed: ${o.fail}${mapError ? ` (${mapError})` : ''}`
        : `timed out after ${o.timeout} ms waiting for ${o.wait}${mapError ? ` (window.__mapError: ${mapError})` : ''}`;
    }
    if (ok || o.shootAnyway) {
      if (ok && o.settle) await sleep(o.settle);
      const { data } = await page('Page.captureScreenshot', { format: 'png', captureBeyondViewport: false });
      fs.mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
      const png = Buffer.from(data, 'base64');
      fs.writeFileSync(o.out, png);
      shot = true;
      stats = pngStats(png);
      if (ok && stats.colors < o.minColors) {
        ok = false;
        failure = `screenshot looks blank: ${stats.colors} colours < --min-colors ${o.minColors}`;
      }
    }
    await cdp.send('Browser.close').catch(() => {});
  } catch (e) {
    failure = e.message;
    if (!browserReady && stderrTail && !o.verbose) process.stderr.write(stderrTail.replace(/^/gm, '[chromium] '));
  } finally {
    await cleanup();
  }
  const result = { ok, file: shot ? path.resolve(o.out) : null, ms: Date.now() - started, png: stats, errors };
  if (failure) result.failure = failure;
  process.stdout.write(JSON.stringify(result) + '\n');
  if (failure) process.stderr.write(`map-screenshot: ${failure}\n`);
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  process.stderr.write(`map-screenshot: ${e.stack || e}\n`);
  process.exit(2);
});
