#!/usr/bin/env node
/**
 * Per-step benchmark of the near-IR Detector1 steps, ours against jwst, side by side (not a test).
 *
 *   make bench-steps            # = make build && node bench/steps.mjs
 *   node bench/steps.mjs [--workers 1,2] [--repeat 3] [--no-jwst]
 *
 * A 2048 x 2048 x 10 groups x 1 integration NIRCam exposure and its reference files are simulated
 * once into target/bench (reused afterwards). Each configuration runs in its own child process:
 * ours with a pool of 1 and of 2 Node workers, and jwst 3.0.0 (bench/steps.py in .venv, if it
 * exists). Every run takes the uncal through dq_init, saturation, superbias, refpix, linearity,
 * dark_current, charge_migration, jump, persistence, ramp_fit and gain_scale in that order (the
 * two Detector1 skips by default switched on), timing each step (reference reading
 * included, file I/O of the uncal excluded); each configuration makes `--repeat` passes and
 * keeps each step's best time, as other load on the machine only ever adds time. MB/s is the step's science input (the float32 ramp,
 * or for gain_scale the rate product's SCI/ERR/VAR arrays) over its wall time. Prints a table and
 * one JSON document (also written to target/bench/steps.json).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = join(root, 'target', 'bench');
const stem = 'bench_nrca1_full';
const steps = ['dq_init', 'saturation', 'superbias', 'refpix', 'linearity', 'dark_current', 'charge_migration', 'jump', 'persistence', 'ramp_fit', 'gain_scale'];
/** persistence_time of the persistence step (off by default in Detector1, like charge_migration). */
const persistenceTime = 100;
/** GAINFACT given to the rate products, so gain_scale does its work (the simulated GAIN has none). */
const gainFactor = 1.3637;
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};

/** The exposure and a JSON map reftype -> reference path, simulated once. */
async function ensureInputs() {
  const manifest = join(benchDir, 'inputs.json');
  if (existsSync(manifest)) return JSON.parse(await readFile(manifest, 'utf8'));
  const { simulateToDirectory, writeMiniCrdsCache } = await import(join(root, 'dist/sim/node.js'));
  await mkdir(benchDir, { recursive: true });
  const request = {
    instrument: 'nircam',
    detector: 'NRCA1',
    subarray: 'FULL',
    readpatt: 'RAPID',
    ngroups: 10,
    nints: 1,
    seed: 2048,
    scene: { background: 30, stars: 200, galaxies: 40, starFlux: [1000, 300000], saturateAtGroups: [0, 8] },
    events: { cosmicRaysPerIntegration: 2000, snowballs: 3 },
  };
  const t0 = performance.now();
  const simulated = await simulateToDirectory(request, benchDir, stem);
  const cache = await writeMiniCrdsCache(join(benchDir, 'crds'), [{ plan: simulated.plan }]);
  const inputs = {
    uncal: simulated.uncal,
    references: Object.fromEntries(cache.references.map((ref) => [ref.reftype, join(cache.root, ref.path)])),
  };
  await writeFile(manifest, JSON.stringify(inputs, null, 1));
  console.error(`simulated ${simulated.uncal} and its references in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return inputs;
}

/** Child: our steps with a pool of `workers`, `repeat` passes; one JSON line of the best seconds per step. */
async function child(workers, repeat) {
  const api = await import(join(root, 'dist/entrypoints/node.js'));
  const inputs = JSON.parse(await readFile(join(benchDir, 'inputs.json'), 'utf8'));
  await api.loadKernels();
  const pool = await api.createNodePool({ size: workers });
  const context = { pool, log: () => {} };
  const refs = {};
  for (const [reftype, path] of Object.entries(inputs.references)) refs[reftype] = await api.openFits(path);
  const seconds = {};
  const timed = async (name, run) => {
    const t = performance.now();
    const result = await run();
    seconds[name] = Math.min(seconds[name] ?? Infinity, (performance.now() - t) / 1000);
    return result;
  };
  try {
    // Warm-up: starts the workers and tiers up the kernel glue.
    await api.dqInitStep(await api.readRamp(inputs.uncal), refs.mask, context);
    for (let r = 0; r < repeat; r++) {
      const ramp = await api.readRamp(inputs.uncal);
      await timed('dq_init', () => api.dqInitStep(ramp, refs.mask, context));
      await timed('saturation', () => api.saturationStep(ramp, refs.saturation, context, { superbias: refs.superbias }));
      await timed('superbias', () => api.superbiasStep(ramp, refs.superbias, context));
      await timed('refpix', () => api.refpixStep(ramp, {}, context));
      await timed('linearity', () => api.linearityStep(ramp, refs.linearity, context));
      await timed('dark_current', () => api.darkCurrentStep(ramp, refs.dark, context));
      await timed('charge_migration', () => api.chargeMigrationStep(ramp, context));
      await timed('jump', () => api.jumpStep(ramp, { gain: refs.gain, readnoise: refs.readnoise }, context));
      await timed('persistence', () => api.persistenceStep(ramp, context, { persistenceTime }));
      const fit = await timed('ramp_fit', async () => {
        // As jwst's step does, the GAIN and READNOISE references are read inside the step's time.
        const refContext = { science: api.scienceGeometry(ramp.meta, ramp.shape, inputs.uncal), instrument: ramp.meta.instrument.name };
        const gain = (await api.readReferenceFloat(refs.gain, 'SCI', refContext)).data;
        const readnoise = (await api.readReferenceFloat(refs.readnoise, 'SCI', refContext)).data;
        return api.rampFitStep(ramp, { gain, readnoise, pool });
      });
      fit.rate.meta.exposure.gainFactor = gainFactor;
      await timed('gain_scale', () => api.gainScaleStep(fit.rate, refs.gain, context));
    }
  } finally {
    await pool.destroy();
    for (const file of Object.values(refs)) await file.close();
  }
  process.stdout.write(`${JSON.stringify(seconds)}\n`);
}

function runChild(command, commandArgs) {
  const result = spawnSync(command, commandArgs, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 2 ** 20, stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) throw new Error(`${command} ${commandArgs.join(' ')} exited with ${result.status}`);
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

async function main() {
  if (args[0] === '--child') return child(Number(args[1]), Number(args[2]));
  if (!existsSync(join(root, 'dist/entrypoints/node.js'))) throw new Error('run `make build` first (workers run dist/)');
  const inputs = await ensureInputs();
  const workerCounts = option('--workers', '1,2').split(',').map(Number);
  const repeat = option('--repeat', '3');
  const python = join(root, '.venv/bin/python');
  const load = { before: loadavg() };
  const runs = {};
  for (const workers of workerCounts) {
    console.error(`ours, ${workers} worker(s) ...`);
    runs[`ours_${workers}w`] = runChild(process.execPath, [fileURLToPath(import.meta.url), '--child', String(workers), repeat]);
  }
  if (!args.includes('--no-jwst') && existsSync(python)) {
    console.error('jwst 3.0.0 ...');
    runs.jwst = runChild(python, [join(root, 'bench/steps.py'), join(benchDir, 'inputs.json'), String(gainFactor), String(persistenceTime), repeat]);
  } else {
    console.error('jwst skipped (no .venv or --no-jwst)');
  }
  load.after = loadavg();

  const rampMB = (2048 * 2048 * 10 * 4) / 1e6;
  const rateMB = (4 * 2048 * 2048 * 4) / 1e6;
  const names = Object.keys(runs);
  const rows = steps.map((step) => {
    const mb = step === 'gain_scale' ? rateMB : rampMB;
    const row = { step, mb };
    for (const name of names) row[name] = { seconds: runs[name][step], mbPerSecond: mb / runs[name][step] };
    return row;
  });
  const header = ['step', ...names.flatMap((n) => [`${n} s`, `${n} MB/s`]), ...(runs.jwst ? names.filter((n) => n !== 'jwst').map((n) => `jwst/${n}`) : [])];
  const lines = [header, ...rows.map((row) => [
    row.step,
    ...names.flatMap((n) => [row[n].seconds.toFixed(3), row[n].mbPerSecond.toFixed(0)]),
    ...(runs.jwst ? names.filter((n) => n !== 'jwst').map((n) => `${(row.jwst.seconds / row[n].seconds).toFixed(1)}x`) : []),
  ])];
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  console.log(lines.map((l) => `| ${l.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`).join('\n'));
  console.log(`load average (1, 5, 15 min) before ${load.before.map((v) => v.toFixed(2)).join(' ')}, after ${load.after.map((v) => v.toFixed(2)).join(' ')}`);
  const report = { shape: [1, 10, 2048, 2048], exposure: inputs.uncal, repeat: Number(repeat), load, rows };
  await writeFile(join(benchDir, 'steps.json'), JSON.stringify(report, null, 1));
  console.log(JSON.stringify(report));
}

await main();
