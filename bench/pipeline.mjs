#!/usr/bin/env node
/**
 * The whole Detector1 pipeline, ours against jwst's Detector1Pipeline, side by side (not a test).
 *
 *   make build
 *   node bench/pipeline.mjs [--case full|sub640|miri-tso|all] [--no-jwst] [--workers 1,2] [--banded] [--whole] [--repeat N]
 *
 * Cases (simulated once into target/bench/<case>/ with a mini CRDS cache; not in git):
 *   full:   NIRCam FULL 2048x2048, RAPID, 10 groups, 1 integration (uncal 84 MB);
 *   sub640: NIRCam SUB640, 10 groups, 1 and 10 integrations: peak memory against NINTS;
 *   miri-tso: MIRI BRIGHTSKY 512x512 FAST, 45 groups, 50 integrations (not in `all`: jwst needs
 *   minutes and many GB on it).
 * Each configuration runs in its own child process so peak RSS is its own: ours with 1 and 2
 * workers as `detector1 run` runs (a full frame by row bands through the chain), with --banded
 * also `detector1 run --banded` (by row bands even step by step), with --whole also
 * `detector1 run --no-banded` (integration by integration), and jwst
 * (bench/pipeline.py in .venv) on the same files, both choosing references from the same cache.
 * Reported: wall and CPU seconds, peak RSS (MB), uncal size, ratios. One JSON document at the end.
 * `--repeat N` runs N rounds of every configuration in turn and reports the medians (and each
 * side's best), since this machine's speed drifts from minute to minute.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadOurPipeline } from './our-pipeline.mjs';
import { peakRssMB } from './peak-rss.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const NIRCAM = { instrument: 'nircam', detector: 'NRCA1', readpatt: 'RAPID', stem: 'jw00000001001_01101_00001_nrca1' };
const CASES = {
  full: [{ ...NIRCAM, name: 'nrc-full-10x1', subarray: 'FULL', ngroups: 10, nints: 1 }],
  sub640: [
    { ...NIRCAM, name: 'nrc-sub640-10x1', subarray: 'SUB640', ngroups: 10, nints: 1 },
    { ...NIRCAM, name: 'nrc-sub640-10x10', subarray: 'SUB640', ngroups: 10, nints: 10 },
  ],
  // The MIRI TSO shape of the issues: 512x512 (BRIGHTSKY), 45 groups, 50 integrations (1.2 GB uncal).
  'miri-tso': [
    { instrument: 'miri', detector: 'MIRIMAGE', readpatt: 'FAST', stem: 'jw00000001001_01101_00001_mirimage', tso: true, name: 'miri-brightsky-45x50', subarray: 'BRIGHTSKY', ngroups: 45, nints: 50 },
  ],
};

async function prepare(c) {
  const dir = join(root, 'target', 'bench', c.name);
  const manifest = join(dir, 'bench.json');
  if (existsSync(manifest)) return JSON.parse(readFileSync(manifest, 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const sim = await import(join(root, 'dist/sim/node.js'));
  const request = {
    instrument: c.instrument, detector: c.detector, subarray: c.subarray, readpatt: c.readpatt, ngroups: c.ngroups, nints: c.nints, seed: 7,
    tso: c.tso ?? false,
    scene: { background: 30, stars: 200, galaxies: 20, starFlux: [1000, 300000], saturateAtGroups: [0, 4] },
    events: { cosmicRaysPerIntegration: c.instrument === 'miri' ? 200 : 2000, snowballs: c.instrument === 'miri' ? 0 : 3 },
  };
  const simulated = await sim.simulateToDirectory(request, dir, c.stem);
  const cache = await sim.writeMiniCrdsCache(join(dir, 'crds'), [{ plan: simulated.plan }]);
  const info = { uncal: simulated.uncal, crds: cache.root, context: cache.context };
  writeFileSync(manifest, JSON.stringify(info, null, 1));
  return info;
}

/** Child: our pipeline once, one JSON line. */
async function child(manifestPath, workers, mode) {
  const ours = await loadOurPipeline(manifestPath, workers, mode);
  const out = join(dirname(manifestPath), `ours-${workers}`);
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const started = await ours.start();
  try {
    await started.run(out);
  } finally {
    await started.stop();
  }
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ impl: `ours-${workers}w${mode === 'auto' ? '' : `-${mode}`}`, seconds: (performance.now() - wall) / 1000, cpu: (used.user + used.system) / 1e6, peakMB: peakRssMB() }));
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  const line = result.stdout.trim().split('\n').pop();
  if (result.status !== 0 || !line?.startsWith('{')) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr.slice(-3000)}`);
  return JSON.parse(line);
}

async function main() {
  const { values } = parseArgs({
    options: {
      case: { type: 'string', default: 'all' },
      'no-jwst': { type: 'boolean', default: false },
      workers: { type: 'string', default: '1,2' },
      child: { type: 'string' },
      'child-workers': { type: 'string' },
      banded: { type: 'boolean', default: false },
      whole: { type: 'boolean', default: false },
      'child-mode': { type: 'string', default: 'auto' },
      repeat: { type: 'string', default: '1' },
    },
  });
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat must be a positive integer, got ${values.repeat}`);
  if (values.child) return child(values.child, Number(values['child-workers']), values['child-mode']);
  const cases = values.case === 'all' ? [...CASES.full, ...CASES.sub640] : CASES[values.case];
  if (!cases) throw new Error(`--case must be full, sub640, miri-tso or all (all = full and sub640)`);
  const python = join(root, '.venv', 'bin', 'python');
  const report = [];
  for (const c of cases) {
    const info = await prepare(c);
    const manifest = join(root, 'target', 'bench', c.name, 'bench.json');
    const uncalMB = statSync(info.uncal).size / 2 ** 20;
    // With --repeat, rounds of every configuration in turn: this machine's speed drifts within
    // minutes, so each side sees the same phases; the table gives the medians (and the best).
    const runs = [];
    for (let round = 0; round < repeat; round++) {
      for (const w of values.workers.split(',').map(Number)) {
        const args = [fileURLToPath(import.meta.url), '--child', manifest, '--child-workers', String(w)];
        runs.push(run(process.execPath, args));
        if (values.banded) runs.push(run(process.execPath, [...args, '--child-mode', 'banded']));
        if (values.whole) runs.push(run(process.execPath, [...args, '--child-mode', 'whole']));
      }
      if (!values['no-jwst'] && existsSync(python)) {
        runs.push(run(python, [join(root, 'bench', 'pipeline.py'), info.uncal, info.crds, info.context, join(root, 'target', 'bench', c.name, 'jwst')]));
      }
    }
    const median = (values) => {
      const sorted = [...values].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    };
    const rows = [...new Set(runs.map((r) => r.impl))].map((impl) => {
      const mine = runs.filter((r) => r.impl === impl);
      const seconds = mine.map((r) => r.seconds);
      return { ...mine[0], seconds: median(seconds), best: Math.min(...seconds), cpu: median(mine.map((r) => r.cpu)), peakMB: median(mine.map((r) => r.peakMB)), runs: mine };
    });
    const jwst = rows.find((r) => r.impl === 'jwst');
    console.log(`\n${c.name}: uncal ${uncalMB.toFixed(1)} MB${repeat > 1 ? `, medians of ${repeat} rounds (best wall and its ratio to jwst's best in brackets)` : ''}`);
    console.log('  impl            wall s    cpu s   peak MB  peak/uncal  jwst/ours');
    for (const r of rows) {
      const ratio = jwst && r !== jwst ? (jwst.seconds / r.seconds).toFixed(1) + 'x' : '';
      const best = repeat > 1 ? ` [${r.best.toFixed(2)}${jwst && r !== jwst ? `, ${(jwst.best / r.best).toFixed(1)}x` : ''}]` : '';
      console.log(`  ${r.impl.padEnd(14)} ${r.seconds.toFixed(2).padStart(7)} ${r.cpu.toFixed(2).padStart(8)} ${r.peakMB.toFixed(0).padStart(9)} ${(r.peakMB / uncalMB).toFixed(2).padStart(11)}  ${ratio.padStart(9)}${best}`);
    }
    report.push({ case: c, uncalMB, rows });
  }
  console.log(JSON.stringify({ load: (await import('node:os')).loadavg(), report }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
