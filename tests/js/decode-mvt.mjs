// Decodes MVT files with @mapbox/vector-tile (an independent decoder) and
// prints, per file, each layer's extent, version and features with their
// properties and, for polygons, the signed area of every ring by the
// spec's surveyor's formula in tile coordinates (exterior rings must be
// positive). Usage: node decode-mvt.mjs FILE...
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../web/', import.meta.url));
const { VectorTile } = await import(require.resolve('@mapbox/vector-tile'));
const { PbfReader } = await import(require.resolve('pbf'));

function signedArea(ring) {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    sum += ring[j].x * ring[i].y - ring[i].x * ring[j].y;
  }
  return sum / 2;
}

const out = {};
for (const file of process.argv.slice(2)) {
  const tile = new VectorTile(new PbfReader(readFileSync(file)));
  const layers = {};
  for (const [name, layer] of Object.entries(tile.layers)) {
    const features = [];
    for (let i = 0; i < layer.length; i++) {
      const f = layer.feature(i);
      const rings = f.loadGeometry();
      features.push({
        id: f.id,
        type: f.type,
        properties: f.properties,
        parts: rings.length,
        points: rings.reduce((n, r) => n + r.length, 0),
        ring_areas: f.type === 3 ? rings.map(signedArea) : undefined,
      });
    }
    layers[name] = { version: layer.version, extent: layer.extent, features };
  }
  out[file] = layers;
}
process.stdout.write(JSON.stringify(out));
