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
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadOurPipeline } from './our-pipeline.mjs';

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

const ours = await loadOurPipeline(values.manifest, workers);
let wall = performance.now();
let cpu = process.cpuUsage();
const started = await ours.start();
try {
  for (let run = 0; run < runs; run++) {
    await started.run(join(dirname(values.manifest), `warm-runs-${workers}`));
    const used = process.cpuUsage(cpu);
    console.log(`run ${run + 1}: ${((performance.now() - wall) / 1000).toFixed(3)} s wall, ${((used.user + used.system) / 1e6).toFixed(3)} s CPU${run === 0 ? ' (cold)' : ''}`);
    wall = performance.now();
    cpu = process.cpuUsage();
  }
} finally {
  await started.stop();
}
