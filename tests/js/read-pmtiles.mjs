// Opens a PMTiles archive with the `pmtiles` package (an independent
// reader) and prints its header, metadata and, for each z/x/y given, the
// SHA-256 of the tile's decompressed bytes (null when absent).
// Usage: node read-pmtiles.mjs ARCHIVE [z/x/y ...]
import { openSync, readSync, fstatSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../web/', import.meta.url));
const { PMTiles } = await import(require.resolve('pmtiles'));

class FileSource {
  constructor(path) {
    this.path = path;
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }
  getKey() {
    return this.path;
  }
  async getBytes(offset, length) {
    const n = Math.max(0, Math.min(length, this.size - offset));
    const buf = Buffer.alloc(n);
    readSync(this.fd, buf, 0, n, offset);
    return { data: buf.buffer.slice(buf.byteOffset, buf.byteOffset + n) };
  }
}

const [archive, ...tiles] = process.argv.slice(2);
const p = new PMTiles(new FileSource(archive));
const header = await p.getHeader();
const metadata = await p.getMetadata();
const found = {};
for (const t of tiles) {
  const [z, x, y] = t.split('/').map(Number);
  const r = await p.getZxy(z, x, y);
  found[t] = r ? createHash('sha256').update(Buffer.from(r.data)).digest('hex') : null;
}
process.stdout.write(JSON.stringify({ header, metadata, tiles: found }));
