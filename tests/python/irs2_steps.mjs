// Simulates NIRSpec IRS2 exposures (ts/sim/irs2.ts) with a synthetic REFPIX reference, writes them
// for test_irs2_vs_jwst.py, and runs our refpix step on them (IRS2 path): per case
// <case>_input.fits, <case>_refpix_ref.fits, <case>_ours.fits; cases.json lists the options.
// Then our saturation step on the first case's input with a 2048 x 2048 SATURATION reference
// (low, NaN and NO_SAT_CHECK thresholds) and an IRS2-layout SUPERBIAS: saturation_ref.fits,
// superbias_ref.fits, saturation_input.fits (with injected events), saturation_ours.fits; ipc
// (3 x 3 kernel: ipc_ref.fits, ipc_ours.fits), superbias with that IRS2-layout SUPERBIAS
// (superbias_ours.fits) and dq_init with an IRS2-layout MASK (mask_ref.fits, dq_init_ours.fits)
// on the same raw input. crds/ is a mini CRDS cache for running jwst offline.
// Named cases (argv after the output directory) run only those refpix cases, without the other
// steps; the `*_mean*` cases (irs2_mean_subtraction, for test_irs2_mean_subtraction_vs_jwst.py)
// also get DO_NOT_USE and outlying traditional reference pixels (detector rows 0-3, 2044-2047),
// optionally a ZEROFRAME, our refpix without the option (<case>_ours_plain.fits) and with it but
// without a REFPIX reference (<case>_ours_means.fits: SKIPPED after the means and replacements).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Header, createRampModel, emptyMeta, loadKernels, openFits, openRamp, sim, writeFitsFile, writeMiniCrdsCache, writeModel } from '../../dist/entrypoints/node.js';
import { refpixStep } from '../../dist/steps/refpix.js';
import { saturationStep } from '../../dist/steps/saturation.js';
import { ipcStep } from '../../dist/steps/ipc.js';
import { superbiasStep } from '../../dist/steps/superbias.js';
import { dqInitStep } from '../../dist/steps/dq-init.js';

const [outDir, ...wanted] = process.argv.slice(2);
let state = 99;
const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const CASES = {
  nrs1: { detector: 'NRS1', ngroups: 3, nints: 1, seed: 7, nframes: 5, options: {} },
  nrs2_preserve: { detector: 'NRS2', ngroups: 2, nints: 2, seed: 8, options: { preserveIrs2Refpix: true, ovrCorrMitigationFtr: 2.5 } },
  nrs1_mean: { detector: 'NRS1', ngroups: 3, nints: 1, seed: 7, nframes: 5, options: { irs2MeanSubtraction: true } },
  nrs2_mean_preserve: { detector: 'NRS2', ngroups: 2, nints: 2, seed: 8, zeroframe: true, options: { irs2MeanSubtraction: true, preserveIrs2Refpix: true } },
  nrs1_mean_all_columns: { detector: 'NRS1', ngroups: 2, nints: 1, seed: 9, options: { irs2MeanSubtraction: true, oddEvenColumns: false, siglimit: 2.5 } },
};

await loadKernels();
// jwst's steps ask CRDS for the context once they used a reference: a mini cache to run offline.
await writeMiniCrdsCache(join(outDir, 'crds'), [{ plan: sim.planExposure({ instrument: 'nirspec', subarray: 'SUB32', ngroups: 2, nints: 1, seed: 1 }) }]);
const selected = wanted.length ? wanted : ['nrs1', 'nrs2_preserve'];
for (const name of selected) {
  const spec = CASES[name];
  const exposure = sim.simulateIrs2(spec);
  const [nints, ngroups, rows, cols] = exposure.shape;
  const meta = emptyMeta();
  Object.assign(meta.instrument, { name: 'NIRSPEC', detector: spec.detector });
  Object.assign(meta.exposure, {
    type: 'NRS_FIXEDSLIT', readpatt: spec.nframes ? 'NRSIRS2' : 'NRSIRS2RAPID', nints, ngroups, nframes: spec.nframes ?? 1, groupgap: 0,
    frameTime: sim.IRS2_FRAME_TIME, groupTime: sim.IRS2_FRAME_TIME, nrsNormal: exposure.scipixN, nrsReference: exposure.refpixR,
  });
  const nrs1 = spec.detector === 'NRS1';
  Object.assign(meta.subarray, { name: 'FULL', xstart: 1, ystart: 1, xsize: 2048, ysize: 2048, fastaxis: nrs1 ? 2 : -2, slowaxis: nrs1 ? 1 : -1 });
  Object.assign(meta.observation, { date: '2024-01-01', time: '00:00:00.000' });
  const data = Float32Array.from(exposure.data);
  const pixeldq = new Uint32Array(rows * cols);
  let zeroframe;
  if (spec.options.irs2MeanSubtraction) {
    // traditional reference pixels (DMS columns 0-3, 2044-2047): ~1% DO_NOT_USE, a few outliers
    for (let row = 0; row < rows; row++) {
      for (const col of [0, 1, 2, 3, cols - 4, cols - 3, cols - 2, cols - 1]) {
        const u = next();
        if (u < 0.01) pixeldq[row * cols + col] = 1;
        else if (u < 0.013) for (let p = 0; p < nints * ngroups; p++) data[(p * rows + row) * cols + col] += 3000;
      }
    }
    if (spec.zeroframe) {
      meta.exposure.zeroFrame = true;
      // the first group's reads, with zeros (no zero frame there) that must stay zero
      zeroframe = new Float32Array(nints * rows * cols);
      for (let j = 0; j < nints; j++) zeroframe.set(data.subarray(j * ngroups * rows * cols, (j * ngroups + 1) * rows * cols), j * rows * cols);
      for (let i = 0; i < zeroframe.length; i += 997) zeroframe[i] = 0;
    }
  }
  const model = createRampModel({ meta, shape: exposure.shape, data, pixeldq, groupdq: new Uint8Array(nints * ngroups * rows * cols), zeroframe });
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
  if (spec.options.irs2MeanSubtraction) {
    const again = await openRamp(input);
    const plain = await again.readAll().finally(() => again.file.close());
    const ref = await openFits(refPath);
    await refpixStep(plain, { ...spec.options, irs2MeanSubtraction: false }, {}, ref).finally(() => ref.close());
    await writeModel(join(outDir, `${name}_ours_plain.fits`), plain);
    // without a REFPIX reference the step stops (SKIPPED) after flagging, the means and the replacement
    const third = await openRamp(input);
    const means = await third.readAll().finally(() => third.file.close());
    if ((await refpixStep(means, spec.options, {}, undefined)) !== 'SKIPPED') throw new Error(`${name}: refpix without a reference did not skip`);
    await writeModel(join(outDir, `${name}_ours_means.fits`), means);
  }
  spec.seconds = seconds;
  spec.noisyPair = exposure.noisyPair;
}
writeFileSync(join(outDir, 'cases.json'), JSON.stringify(Object.fromEntries(selected.map((n) => [n, CASES[n]]))));
if (wanted.length) process.exit(0);

// saturation on the first case's raw input
const first = selected[0];
const N = 2048;
const refHeader = (reftype, rows) =>
  new Header()
    .set('REFTYPE', reftype).set('INSTRUME', 'NIRSPEC').set('DETECTOR', CASES[first].detector).set('SUBARRAY', 'FULL')
    .set('SUBSTRT1', 1).set('SUBSTRT2', 1).set('SUBSIZE1', N).set('SUBSIZE2', N).set('READPATT', 'ANY')
    .set('USEAFTER', '2015-01-01T00:00:00').set('PEDIGREE', 'DUMMY').set('AUTHOR', 'jwst-detector1 tests')
    .set('DESCRIP', `test ${reftype} (${rows} rows)`).set('TELESCOP', 'JWST');
const dqDef = {
  kind: 'bintable',
  header: new Header().set('EXTNAME', 'DQ_DEF'),
  nrows: 2,
  columns: [
    { name: 'BIT', format: 'J', data: Int32Array.from([0, 21]) },
    { name: 'VALUE', format: 'J', data: Uint32Array.from([1, 2 ** 21]) },
    { name: 'NAME', format: '40A', data: ['DO_NOT_USE', 'NO_SAT_CHECK'] },
    { name: 'DESCRIPTION', format: '80A', data: ['Bad pixel', 'No saturation check'] },
  ],
};
// thresholds around the simulated levels (bias ~11000 + signal), a few NaN and NO_SAT_CHECK
const thresh = Float32Array.from({ length: N * N }, () => (next() < 0.001 ? NaN : 11200 + next() * 2500));
const satDq = Uint32Array.from({ length: N * N }, () => (next() < 0.002 ? 2 ** 21 : next() < 0.001 ? 1 : 0));
await writeFitsFile(join(outDir, 'saturation_ref.fits'), [
  { kind: 'image', header: refHeader('SATURATION', N) },
  { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data: thresh, shape: [N, N] },
  { kind: 'image', header: new Header().set('EXTNAME', 'DQ'), data: satDq, shape: [N, N] },
  dqDef,
]);
const biasRows = 3200;
const bias = Float32Array.from({ length: biasRows * N }, () => 10500 + next() * 800);
await writeFitsFile(join(outDir, 'superbias_ref.fits'), [
  { kind: 'image', header: refHeader('SUPERBIAS', biasRows) },
  { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data: bias, shape: [biasRows, N] },
  { kind: 'image', header: new Header().set('EXTNAME', 'DQ'), data: new Uint32Array(biasRows * N), shape: [biasRows, N] },
  dqDef,
]);
{
  const reader = await openRamp(join(outDir, `${first}_input.fits`));
  const ramp = await reader.readAll().finally(() => reader.file.close());
  // events: jumps into group 2 that saturate by group 3 (the grouped-read test), and A/D floor reads
  const [, ngroups, rows, cols] = ramp.shape;
  const plane = rows * cols;
  for (let k = 0; k < 3000; k++) {
    const i = Math.floor(next() * plane);
    if (k % 3 === 0) ramp.data[i + plane * Math.floor(next() * ngroups)] = 0;
    else [ramp.data[i], ramp.data[i + plane], ramp.data[i + 2 * plane]] = [10000, 10000 + 4000 * next(), 16000];
  }
  await writeModel(join(outDir, 'saturation_input.fits'), ramp);
  const sat = await openFits(join(outDir, 'saturation_ref.fits'));
  const sb = await openFits(join(outDir, 'superbias_ref.fits'));
  try {
    if ((await saturationStep(ramp, sat, {}, { superbias: sb })) !== 'COMPLETE') throw new Error('saturation did not complete');
  } finally {
    await sat.close();
    await sb.close();
  }
  await writeModel(join(outDir, 'saturation_ours.fits'), ramp);
}

// ipc (the normal rows only) and superbias (a reference in the IRS2 layout) on the first case's input
await writeFitsFile(join(outDir, 'ipc_ref.fits'), [
  { kind: 'image', header: refHeader('IPC', N) },
  { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data: Float32Array.from([0.002, 0.011, 0.003, 0.012, 0.95, 0.01, 0.002, 0.009, 0.001]), shape: [3, 3] },
]);
// MASK in the IRS2 layout: DO_NOT_USE, DEAD, HOT and BAD_REF_PIXEL bits here and there
const maskRows = 3200;
const maskBits = [1, 1 + 2 ** 10, 2 ** 11, 2 ** 17];
await writeFitsFile(join(outDir, 'mask_ref.fits'), [
  { kind: 'image', header: refHeader('MASK', maskRows) },
  { kind: 'image', header: new Header().set('EXTNAME', 'DQ'), data: Uint32Array.from({ length: maskRows * N }, () => (next() < 0.003 ? maskBits[Math.floor(next() * 4)] : 0)), shape: [maskRows, N] },
]);
for (const [step, run] of [
  ['dq_init', async (ramp) => dqInitStep(ramp, await openFits(join(outDir, 'mask_ref.fits')))],
  ['ipc', async (ramp) => ipcStep(ramp, await openFits(join(outDir, 'ipc_ref.fits')))],
  ['superbias', async (ramp) => superbiasStep(ramp, await openFits(join(outDir, 'superbias_ref.fits')))],
]) {
  const reader = await openRamp(join(outDir, `${first}_input.fits`));
  const ramp = await reader.readAll().finally(() => reader.file.close());
  if ((await run(ramp)) !== 'COMPLETE') throw new Error(`${step} did not complete`);
  await writeModel(join(outDir, `${step}_ours.fits`), ramp);
}
