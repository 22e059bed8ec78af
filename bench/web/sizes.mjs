// Sizes of the built web app's wasm, JS and CSS: raw, gzip -9 and Brotli q11 (what
// scripts/lib.sh `precompress` writes and the server sends), computed here with
// node's zlib so that any dist/ can be measured the same way.
//
// Usage: node bench/web/sizes.mjs [DIR]   (default web/dist; prints JSON)

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

/** The kind of a built file, or null for the files the app does not load first. */
function kind(name) {
  if (name === 'sw.js') return 'sw';
  if (name.endsWith('.wasm')) return 'wasm';
  if (name.endsWith('.js')) return 'js';
  if (name.endsWith('.css')) return 'css';
  if (name === 'index.html') return 'html';
  return null;
}

/** { files: [{ name, kind, raw, gzip, brotli }], total: { raw, gzip, brotli } } over the wasm, JS, CSS and HTML of `dir`. */
export async function bundleSizes(dir) {
  const files = [];
  for (const name of (await readdir(dir)).sort()) {
    const k = kind(name);
    if (!k) continue;
    const bytes = await readFile(path.join(dir, name));
    files.push({
      name,
      kind: k,
      raw: bytes.length,
      gzip: zlib.gzipSync(bytes, { level: 9 }).length,
      brotli: zlib.brotliCompressSync(bytes, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
        },
      }).length,
    });
  }
  // What a first load fetches: everything but the service worker (fetched after load).
  const total = { raw: 0, gzip: 0, brotli: 0 };
  for (const f of files.filter((f) => f.kind !== 'sw')) {
    for (const k of Object.keys(total)) total[k] += f[k];
  }
  return { files, total };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dist');
  console.log(JSON.stringify(await bundleSizes(dir), null, 2));
}
