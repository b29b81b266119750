// Simulated NIRSpec IRS2 exposures (ts/sim/irs2.ts) and every reference Detector1 reads for them,
// for test_irs2_pipeline_vs_jwst.py: <case>/jw01234001001_01101_00001_<detector>_uncal.fits and
// <case>/refs/<reftype>.fits (MASK and SUPERBIAS in the 3200-row IRS2 layout, SATURATION,
// LINEARITY, DARK, GAIN and READNOISE 2048 x 2048: the steps after refpix see 2048-row frames,
// and a synthetic REFPIX), plus crds/, a mini CRDS cache that gives jwst a context to run offline.
// cases.json lists the cases.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Header, createRampModel, emptyMeta, sim, writeFitsFile, writeMiniCrdsCache, writeModel } from '../../dist/entrypoints/node.js';

const [outDir] = process.argv.slice(2);
const CASES = {
  nrs1: { detector: 'NRS1', ngroups: 5, nints: 1, seed: 21 },
  nrs2x2: { detector: 'NRS2', ngroups: 4, nints: 2, seed: 22 },
};
const N = 2048;
const IRS2_ROWS = 3200;
let state = 17;
const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;

await writeMiniCrdsCache(join(outDir, 'crds'), [{ plan: sim.planExposure({ instrument: 'nirspec', subarray: 'SUB32', ngroups: 2, nints: 1, seed: 1 }) }]);
const dqDef = {
  kind: 'bintable',
  header: new Header().set('EXTNAME', 'DQ_DEF'),
  nrows: 2,
  columns: [
    { name: 'BIT', format: 'J', data: Int32Array.from([0, 10]) },
    { name: 'VALUE', format: 'J', data: Uint32Array.from([1, 2 ** 10]) },
    { name: 'NAME', format: '40A', data: ['DO_NOT_USE', 'DEAD'] },
    { name: 'DESCRIPTION', format: '80A', data: ['Bad pixel', 'Dead pixel'] },
  ],
};
const image = (extname, data, shape) => ({ kind: 'image', header: new Header().set('EXTNAME', extname), data, shape });
const flags = (length, rate) => Uint32Array.from({ length }, () => (next() < rate ? (next() < 0.5 ? 1 : 2 ** 10) : 0));

for (const [name, spec] of Object.entries(CASES)) {
  const dir = join(outDir, name);
  mkdirSync(join(dir, 'refs'), { recursive: true });
  const exposure = sim.simulateIrs2(spec);
  const [nints, ngroups, rows, cols] = exposure.shape;
  const meta = emptyMeta();
  Object.assign(meta.instrument, { name: 'NIRSPEC', detector: spec.detector, filter: 'F170LP', grating: 'G235H' });
  Object.assign(meta.exposure, {
    type: 'NRS_FIXEDSLIT', readpatt: 'NRSIRS2RAPID', nints, ngroups, nframes: 1, groupgap: 0, dropFrames1: 0, frameDivisor: 1,
    frameTime: sim.IRS2_FRAME_TIME, groupTime: sim.IRS2_FRAME_TIME, nrsNormal: exposure.scipixN, nrsReference: exposure.refpixR,
  });
  const nrs1 = spec.detector === 'NRS1';
  Object.assign(meta.subarray, { name: 'FULL', xstart: 1, ystart: 1, xsize: N, ysize: N, fastaxis: nrs1 ? 2 : -2, slowaxis: nrs1 ? 1 : -1 });
  Object.assign(meta.observation, { date: '2024-01-01', time: '00:00:00.000' });
  const data = Float32Array.from(exposure.data);
  // cosmic rays in the science rows, and a few saturating pixels
  for (let k = 0; k < 4000; k++) {
    const p = Math.floor(next() * rows * cols);
    const j = Math.floor(next() * nints);
    const g0 = 1 + Math.floor(next() * (ngroups - 1));
    const jump = k % 20 === 0 ? 60000 : 300 + 3000 * next();
    for (let g = g0; g < ngroups; g++) data[((j * ngroups + g) * rows * cols) + p] = Math.min(65535, data[((j * ngroups + g) * rows * cols) + p] + jump);
  }
  const stem = `jw01234001001_01101_00001_${spec.detector.toLowerCase()}`;
  const model = createRampModel({ meta, shape: exposure.shape, data, pixeldq: new Uint32Array(rows * cols), groupdq: new Uint8Array(nints * ngroups * rows * cols) });
  await writeModel(join(dir, `${stem}_uncal.fits`), model);

  const header = (reftype) =>
    new Header()
      .set('REFTYPE', reftype).set('INSTRUME', 'NIRSPEC').set('DETECTOR', spec.detector).set('SUBARRAY', 'FULL')
      .set('SUBSTRT1', 1).set('SUBSTRT2', 1).set('SUBSIZE1', N).set('SUBSIZE2', N).set('READPATT', 'ANY')
      .set('USEAFTER', '2015-01-01T00:00:00').set('PEDIGREE', 'DUMMY').set('AUTHOR', 'jwst-detector1 tests')
      .set('DESCRIP', `test ${reftype}`).set('TELESCOP', 'JWST');
  const write = (reftype, hdus, primary = header(reftype)) => writeFitsFile(join(dir, 'refs', `${reftype}.fits`), [{ kind: 'image', header: primary }, ...hdus]);
  await write('mask', [image('DQ', flags(IRS2_ROWS * N, 0.002), [IRS2_ROWS, N]), dqDef]);
  await write('saturation', [image('SCI', Float32Array.from({ length: N * N }, () => 50000 + 5000 * next()), [N, N]), image('DQ', flags(N * N, 0.001), [N, N]), dqDef]);
  await write('superbias', [
    image('SCI', Float32Array.from({ length: IRS2_ROWS * N }, () => 10500 + 800 * next()), [IRS2_ROWS, N]),
    image('DQ', flags(IRS2_ROWS * N, 0.001), [IRS2_ROWS, N]),
    dqDef,
  ]);
  await writeFitsFile(join(dir, 'refs', 'refpix.fits'), sim.irs2RefpixHdus(spec.detector, spec.seed));
  const coeffs = new Float32Array(3 * N * N);
  for (let p = 0; p < N * N; p++) [coeffs[p], coeffs[N * N + p], coeffs[2 * N * N + p]] = [0, 1 + 0.01 * next(), 1e-7 * next()];
  await write('linearity', [image('COEFFS', coeffs, [3, N, N]), image('DQ', flags(N * N, 0.001), [N, N]), dqDef]);
  const darkGroups = ngroups + 2;
  const dark = Float32Array.from({ length: darkGroups * N * N }, (_, i) => 0.02 * Math.floor(i / (N * N)) + 0.5 * next());
  await write('dark', [image('SCI', dark, [darkGroups, N, N]), image('ERR', new Float32Array(darkGroups * N * N).fill(0.1), [darkGroups, N, N]), image('DQ', flags(N * N, 0.001), [N, N]), dqDef],
    header('DARK').set('NFRAMES', 1).set('GROUPGAP', 0).set('NGROUPS', darkGroups).set('NINTS', 1));
  await write('gain', [image('SCI', Float32Array.from({ length: N * N }, () => 1 + 0.2 * next()), [N, N])]);
  await write('readnoise', [image('SCI', Float32Array.from({ length: N * N }, () => 8 + 4 * next()), [N, N])]);
  spec.stem = stem;
}
writeFileSync(join(outDir, 'cases.json'), JSON.stringify(CASES));
