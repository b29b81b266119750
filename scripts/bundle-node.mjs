#!/usr/bin/env node
/**
 * Bundles the two Node entry points that start every `detector1` run, after tsc has built
 * dist/: the CLI (dist/cli/main.js, with a chunk per command's modules beside it) and the
 * pool's worker (dist/pool/node-worker.js). Each is written over its tsc output; the rest of
 * dist/ (the library's modules) stays as tsc wrote it.
 *
 * Node 20's ESM loader resolves, reads and links ~150 modules one by one: importing the `run`
 * command's modules took 100-120 ms of the main thread, bundled 45-55 ms, and the main thread's
 * start is the critical path of a run (the workers boot meanwhile). Full frame, 2 workers:
 * 1.68-1.705 -> 1.565-1.62 s median (docs/performance.md).
 *
 * Chunks stay in their entry's directory, so the paths the code makes from `import.meta.url`
 * (the .wasm file two levels up, the worker file in ../pool/) hold for bundled and unbundled
 * code alike. Piscina stays a package import: it starts its own worker script by path.
 */
import { mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

async function bundle(entry, chunkPrefix) {
  const directory = join(dist, dirname(entry));
  const staging = mkdtempSync(join(directory, '.bundle-'));
  try {
    const build = await rolldown({ input: join(dist, entry), platform: 'node', external: ['piscina'], logLevel: 'warn' });
    await build.write({ dir: staging, format: 'esm', entryFileNames: '[name].js', chunkFileNames: `${chunkPrefix}-[name]-[hash].js` });
    await build.close();
    for (const file of readdirSync(staging)) renameSync(join(staging, file), join(directory, file));
    // tsc's source map describes the unbundled file.
    rmSync(join(dist, `${entry}.map`), { force: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

await bundle('cli/main.js', 'bundle');
await bundle('pool/node-worker.js', 'worker-bundle');
