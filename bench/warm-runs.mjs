#!/usr/bin/env node
/**
 * One exposure run several times in one process with one worker pool (not a test): how much of a
 * run is the cost of starting cold (the workers' boot, V8's baseline code and its compiles),
 * which a service that keeps its pool pays once.
 *
 *   make build
 *   node bench/pipeline.mjs --case full --no-jwst   # makes target/bench/nrc-full-10x1
 *   node bench/warm-runs.mjs [--manifest target/bench/nrc-full-10x1/bench.json] [--runs 3] [--workers 2]
 *
 * Prints each run's wall and CPU time (all threads). The first run's clock starts where the bench
 * child's does (after the imports): it includes compiling the kernels, opening the CRDS cache and
 * starting the pool.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    manifest: { type: 'string', default: join(root, 'target', 'bench', 'nrc-full-10x1', 'bench.json') },
    runs: { type: 'string', default: '3' },
    workers: { type: 'string', default: '2' },
  },
});
const runs = Number(values.runs);
const workers = Number(values.workers);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers must be a positive integer, got ${values.workers}`);

const info = JSON.parse(readFileSync(values.manifest, 'utf8'));
const { loadKernels } = await import(join(root, 'dist/kernels/load-node.js'));
const { createNodePool } = await import(join(root, 'dist/pool/node.js'));
const { runDetector1File } = await import(join(root, 'dist/pipeline/node.js'));
const { openCrdsCache } = await import(join(root, 'dist/crds/node.js'));
const { crdsHeaderFromMeta } = await import(join(root, 'dist/crds/index.js'));

let wall = performance.now();
let cpu = process.cpuUsage();
await loadKernels();
const cache = await openCrdsCache(info.crds, { context: info.context });
const pool = await createNodePool({ size: workers, startAll: true });
try {
  for (let run = 0; run < runs; run++) {
    await runDetector1File(info.uncal, {
      outputDir: join(dirname(values.manifest), `warm-runs-${workers}`),
      selectReference: async (reftype, meta) => {
        const selection = await cache.selectReference(reftype, crdsHeaderFromMeta(meta));
        return selection.status === 'found' ? { path: selection.path, recorded: `crds://${selection.file}` } : undefined;
      },
      context: { pool },
      rampFitPool: pool,
      sharedProducts: true,
    });
    const used = process.cpuUsage(cpu);
    console.log(`run ${run + 1}: ${((performance.now() - wall) / 1000).toFixed(3)} s wall, ${((used.user + used.system) / 1e6).toFixed(3)} s CPU${run === 0 ? ' (cold)' : ''}`);
    wall = performance.now();
    cpu = process.cpuUsage();
  }
} finally {
  await pool.destroy();
}
