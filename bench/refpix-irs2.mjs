#!/usr/bin/env node
/**
 * NIRSpec IRS2 refpix, ours against jwst 3.0.0's RefPixStep, side by side (not a test).
 *
 *   make build && node bench/refpix-irs2.mjs [--ngroups 5] [--no-jwst]
 *
 * Simulates an NRS1 NRSIRS2RAPID full frame (3200 x 2048 DMS, 1 integration) and a REFPIX
 * reference into target/bench/irs2 (ts/sim/irs2.ts), then times the step (reference reading
 * included, file I/O of the ramp excluded): ours in this thread (the correction needs whole
 * frames), jwst in .venv in a child process against a mini CRDS cache. Prints seconds, seconds
 * per group and MB/s of the float32 ramp.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const ngroups = Number(args.includes('--ngroups') ? args[args.indexOf('--ngroups') + 1] : 5);
const dir = join(root, 'target', 'bench', 'irs2');
const api = await import(join(root, 'dist/entrypoints/node.js'));
const { refpixStep } = await import(join(root, 'dist/steps/refpix.js'));
await mkdir(dir, { recursive: true });

const input = join(dir, `irs2_nrs1_${ngroups}g_uncal.fits`);
const reference = join(dir, 'irs2_refpix.fits');
if (!existsSync(input)) {
  const exposure = api.sim.simulateIrs2({ detector: 'NRS1', ngroups, nints: 1, seed: 3200 });
  const meta = api.emptyMeta();
  Object.assign(meta.instrument, { name: 'NIRSPEC', detector: 'NRS1' });
  Object.assign(meta.exposure, { type: 'NRS_FIXEDSLIT', readpatt: 'NRSIRS2RAPID', nints: 1, ngroups, nframes: 1, groupgap: 0, nrsNormal: 16, nrsReference: 4 });
  Object.assign(meta.subarray, { name: 'FULL', xstart: 1, ystart: 1, xsize: 2048, ysize: 2048, fastaxis: 2, slowaxis: 1 });
  Object.assign(meta.observation, { date: '2024-01-01', time: '00:00:00.000' });
  const [, , rows, cols] = exposure.shape;
  await api.writeModel(input, api.createRampModel({ meta, shape: exposure.shape, data: Float32Array.from(exposure.data), pixeldq: new Uint32Array(rows * cols), groupdq: new Uint8Array(exposure.data.length) }));
}
if (!existsSync(reference)) await api.writeFitsFile(reference, api.sim.irs2RefpixHdus('NRS1', 3200));
if (!existsSync(join(dir, 'crds'))) {
  await api.writeMiniCrdsCache(join(dir, 'crds'), [{ plan: api.sim.planExposure({ instrument: 'nirspec', subarray: 'SUB32', ngroups: 2, nints: 1, seed: 1 }) }]);
}

await api.loadKernels();
const reader = await api.openRamp(input);
const ramp = await reader.readAll().finally(() => reader.file.close());
const megabytes = ramp.data.byteLength / 1e6;
const t0 = performance.now();
const file = await api.openFits(reference);
await refpixStep(ramp, {}, {}, file);
await file.close();
const ours = (performance.now() - t0) / 1000;

let jwst;
if (!args.includes('--no-jwst') && existsSync(join(root, '.venv/bin/python'))) {
  const script = `
import sys, time
import stdatamodels.jwst.datamodels as dm
from jwst.refpix import RefPixStep
model = dm.RampModel(sys.argv[1])
t0 = time.perf_counter()
RefPixStep.call(model, override_refpix=sys.argv[2])
print(time.perf_counter() - t0)
`;
  const env = {
    ...process.env,
    CRDS_PATH: join(dir, 'crds'),
    CRDS_MODE: 'local',
    CRDS_SERVER_URL: 'https://jwst-serverless-mode.stsci.edu',
    CRDS_CONTEXT: 'jwst_0001.pmap',
    STPIPE_DISABLE_CRDS_STEPPARS: 'true',
  };
  const run = spawnSync(join(root, '.venv/bin/python'), ['-c', script, input, reference], { env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`jwst failed: ${run.stderr.slice(-2000)}`);
  jwst = Number(run.stdout.trim().split('\n').pop());
}
const row = (who, s) => `${who.padEnd(6)} ${s.toFixed(2).padStart(7)} s  ${(s / ngroups).toFixed(2).padStart(6)} s/group  ${(megabytes / s).toFixed(1).padStart(6)} MB/s`;
console.log(`NIRSpec IRS2 refpix, NRS1 3200 x 2048 x ${ngroups} groups (${megabytes.toFixed(0)} MB float32), load ${loadavg()[0].toFixed(1)}`);
console.log(row('ours', ours));
if (jwst !== undefined) console.log(row('jwst', jwst));
