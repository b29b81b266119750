#!/usr/bin/env node
// Writes the inputs of the golden cases (tests/golden/cases.json) with the simulator: each case's
// `_uncal.fits`, `_truth.fits` and `_sim.json` under <out>/<case>/input/, and one mini CRDS cache
// (simulated references + the real files a case names, mappings, offline config) under <crds>.
// Deterministic: the same cases give byte-identical files. Needs `make build` (imports dist/).
//
//   node scripts/golden-inputs.mjs --cases tests/golden/cases.json --out tests/golden \
//        --crds target/golden-crds [--real-dir ../shared/data/real] [--case NAME ...]
//
// Prints a JSON summary (paths relative to --out / --crds, SHA-256, seconds) on stdout.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readFits } from '../dist/io/fits/node.js';
import { planExposure } from '../dist/sim/index.js';
import { simulateToDirectory, writeMiniCrdsCache } from '../dist/sim/node.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: 'tests/golden/cases.json' },
    out: { type: 'string', default: 'tests/golden' },
    crds: { type: 'string', default: 'target/golden-crds' },
    'real-dir': { type: 'string', default: '../shared/data/real' },
    case: { type: 'string', multiple: true },
  },
});

const sha256 = async (path) => createHash('sha256').update(await readFile(path)).digest('hex');

/** Region-sized SCI of a real reference, as float32. */
async function readSci(path) {
  const fits = await readFits(path);
  try {
    const { data } = await fits.readImage(fits.get('SCI'), { as: 'float32' });
    return { data, shape: fits.get('SCI').shape };
  } finally {
    await fits.close();
  }
}

const spec = JSON.parse(await readFile(values.cases, 'utf8'));
const names = values.case ?? Object.keys(spec.cases);
const members = [];
const summary = { cases: {}, crds: {} };
for (const name of names) {
  const definition = spec.cases[name];
  if (!definition) throw new Error(`no case "${name}" in ${values.cases}`);
  const request = { ...definition.request };
  const missingReal = Object.values(definition.real ?? {})
    .map((file) => resolve(values['real-dir'], file))
    .filter((path) => !existsSync(path));
  if (missingReal.length > 0) {
    console.error(`golden-inputs: skipping case ${name}: ${missingReal.join(', ')} not found (../shared absent)`);
    continue;
  }
  const real = {};
  for (const [reftype, file] of Object.entries(definition.real ?? {})) {
    real[reftype] = resolve(values['real-dir'], file);
    const { data, shape } = await readSci(real[reftype]);
    if (reftype === 'superbias') request.bias = data;
    else if (reftype === 'dark') request.darkFrames = { data, nframes: shape[0] };
    else throw new Error(`${name}: real ${reftype} references are not supported by the simulator`);
  }
  const plan = planExposure(request);
  const dir = join(values.out, name, 'input');
  await rm(dir, { recursive: true, force: true });
  const files = await simulateToDirectory(plan, dir);
  members.push({ plan, real });
  summary.cases[name] = {
    stem: files.stem,
    seconds: Number(files.seconds.toFixed(3)),
    events: files.events,
    files: Object.fromEntries(
      await Promise.all(
        [files.uncal, files.truth, files.sidecar].map(async (path) => [relative(values.out, path), await sha256(path)]),
      ),
    ),
  };
}
await rm(values.crds, { recursive: true, force: true });
const started = performance.now();
const cache = await writeMiniCrdsCache(values.crds, members);
summary.crds = {
  context: cache.context,
  seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
  mappings: Object.fromEntries(await Promise.all(cache.mappings.map(async (m) => [m, await sha256(join(values.crds, 'mappings', 'jwst', m))]))),
  references: Object.fromEntries(
    await Promise.all(cache.references.map(async (r) => [r.path, { sha256: await sha256(join(values.crds, r.path)), real: r.real }])),
  ),
};
process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
