// Simulates NIRSpec IRS2 exposures (ts/sim/irs2.ts) with a synthetic REFPIX reference, writes them
// for test_irs2_vs_jwst.py, and runs our refpix step on them (IRS2 path): per case
// <case>_input.fits, <case>_refpix_ref.fits, <case>_ours.fits; cases.json lists the options;
// crds/ is a mini CRDS cache for running jwst offline.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRampModel, emptyMeta, loadKernels, openFits, openRamp, sim, writeFitsFile, writeMiniCrdsCache, writeModel } from '../../dist/entrypoints/node.js';
import { refpixStep } from '../../dist/steps/refpix.js';

const [outDir, ...wanted] = process.argv.slice(2);
const CASES = {
  nrs1: { detector: 'NRS1', ngroups: 3, nints: 1, seed: 7, options: {} },
  nrs2_preserve: { detector: 'NRS2', ngroups: 2, nints: 2, seed: 8, options: { preserveIrs2Refpix: true, ovrCorrMitigationFtr: 2.5 } },
};

await loadKernels();
// jwst's steps ask CRDS for the context once they used a reference: a mini cache to run offline.
await writeMiniCrdsCache(join(outDir, 'crds'), [{ plan: sim.planExposure({ instrument: 'nirspec', subarray: 'SUB32', ngroups: 2, nints: 1, seed: 1 }) }]);
const selected = wanted.length ? wanted : Object.keys(CASES);
for (const name of selected) {
  const spec = CASES[name];
  const exposure = sim.simulateIrs2(spec);
  const [nints, ngroups, rows, cols] = exposure.shape;
  const meta = emptyMeta();
  Object.assign(meta.instrument, { name: 'NIRSPEC', detector: spec.detector });
  Object.assign(meta.exposure, {
    type: 'NRS_FIXEDSLIT', readpatt: 'NRSIRS2RAPID', nints, ngroups, nframes: 1, groupgap: 0,
    frameTime: sim.IRS2_FRAME_TIME, groupTime: sim.IRS2_FRAME_TIME, nrsNormal: exposure.scipixN, nrsReference: exposure.refpixR,
  });
  const nrs1 = spec.detector === 'NRS1';
  Object.assign(meta.subarray, { name: 'FULL', xstart: 1, ystart: 1, xsize: 2048, ysize: 2048, fastaxis: nrs1 ? 2 : -2, slowaxis: nrs1 ? 1 : -1 });
  Object.assign(meta.observation, { date: '2024-01-01', time: '00:00:00.000' });
  const model = createRampModel({
    meta,
    shape: exposure.shape,
    data: Float32Array.from(exposure.data),
    pixeldq: new Uint32Array(rows * cols),
    groupdq: new Uint8Array(nints * ngroups * rows * cols),
  });
  const input = join(outDir, `${name}_input.fits`);
  const refPath = join(outDir, `${name}_refpix_ref.fits`);
  await writeModel(input, model);
  await writeFitsFile(refPath, sim.irs2RefpixHdus(spec.detector, spec.seed));
  const reader = await openRamp(input);
  const ramp = await reader.readAll().finally(() => reader.file.close());
  const reference = await openFits(refPath);
  const started = performance.now();
  try {
    const status = await refpixStep(ramp, spec.options, {}, reference);
    if (status !== 'COMPLETE') throw new Error(`${name}: refpix ${status}`);
  } finally {
    await reference.close();
  }
  const seconds = (performance.now() - started) / 1000;
  await writeModel(join(outDir, `${name}_ours.fits`), ramp);
  spec.seconds = seconds;
  spec.noisyPair = exposure.noisyPair;
}
writeFileSync(join(outDir, 'cases.json'), JSON.stringify(Object.fromEntries(selected.map((n) => [n, CASES[n]]))));
