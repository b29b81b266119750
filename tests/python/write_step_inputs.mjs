// Writes a subarray ramp plus a full-frame MASK (compact uint8 DQ with its own DQ_DEF bits) and a
// full-frame SUPERBIAS, runs our dq_init and superbias steps on it (2 workers), and writes the
// result, for test_steps_vs_jwst.py to compare with jwst on the same files.
import { join } from 'node:path';
import {
  Header,
  createNodePool,
  createRampModel,
  emptyMeta,
  loadKernels,
  openFits,
  openRamp,
  writeFitsFile,
  writeModel,
} from '../../dist/entrypoints/node.js';
import { dqInitStep } from '../../dist/steps/dq-init.js';
import { superbiasStep } from '../../dist/steps/superbias.js';

const [outDir] = process.argv.slice(2);
const [nints, ngroups, ny, nx] = [2, 3, 64, 80];
const [xstart, ystart] = [101, 201];
const full = 2048;

let seed = 12345;
const next = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);

const meta = emptyMeta();
Object.assign(meta.instrument, { name: 'NIRCAM', detector: 'NRCA1' });
Object.assign(meta.exposure, { type: 'NRC_IMAGE', readpatt: 'RAPID', nints, ngroups, nframes: 1, groupgap: 0, frameTime: 1.0, groupTime: 1.0 });
Object.assign(meta.subarray, { name: 'SUB160', xstart, ystart, xsize: nx, ysize: ny, fastaxis: -1, slowaxis: 2 });
Object.assign(meta.observation, { date: '2024-01-01', time: '00:00:00.000' });
const ramp = createRampModel({
  meta,
  shape: [nints, ngroups, ny, nx],
  data: Float32Array.from({ length: nints * ngroups * ny * nx }, () => 10000 + next() * 5000),
  pixeldq: new Uint32Array(ny * nx),
  groupdq: Uint8Array.from({ length: nints * ngroups * ny * nx }, () => (next() < 0.05 ? 4 : 0)),
});
const rampPath = join(outDir, 'input_ramp.fits');
await writeModel(rampPath, ramp);

// Compact mask bits: 1 = DO_NOT_USE, 2 = DEAD, 4 = HOT, 8 = an unknown name, 16 = REFERENCE_PIXEL.
const maskDq = Uint8Array.from({ length: full * full }, () => (next() < 0.1 ? 1 << Math.floor(next() * 5) : 0) | (next() < 0.02 ? 3 : 0));
const refPrimary = (reftype) =>
  new Header()
    .set('REFTYPE', reftype).set('INSTRUME', 'NIRCAM').set('DETECTOR', 'NRCA1').set('SUBARRAY', 'FULL')
    .set('SUBSTRT1', 1).set('SUBSTRT2', 1).set('SUBSIZE1', full).set('SUBSIZE2', full)
    .set('USEAFTER', '2015-01-01T00:00:00').set('PEDIGREE', 'DUMMY').set('AUTHOR', 'jwst-detector1 tests')
    .set('DESCRIP', `test ${reftype}`).set('TELESCOP', 'JWST');
const dqDef = (rows) => ({
  kind: 'bintable',
  header: new Header().set('EXTNAME', 'DQ_DEF'),
  nrows: rows.length,
  columns: [
    { name: 'BIT', format: 'J', data: Int32Array.from(rows, (r) => r[0]) },
    { name: 'VALUE', format: 'J', data: Uint32Array.from(rows, (r) => 2 ** r[0]) },
    { name: 'NAME', format: '40A', data: rows.map((r) => r[1]) },
    { name: 'DESCRIPTION', format: '80A', data: rows.map((r) => r[1]) },
  ],
});
await writeFitsFile(join(outDir, 'mask.fits'), [
  { kind: 'image', header: refPrimary('MASK') },
  { kind: 'image', header: new Header().set('EXTNAME', 'DQ'), data: maskDq, shape: [full, full] },
  dqDef([[0, 'DO_NOT_USE'], [1, 'DEAD'], [2, 'HOT'], [3, 'SOMETHING_ELSE'], [4, 'REFERENCE_PIXEL']]),
]);
const bias = Float32Array.from({ length: full * full }, () => (next() < 0.01 ? NaN : 11000 + next() * 1000));
await writeFitsFile(join(outDir, 'superbias.fits'), [
  { kind: 'image', header: refPrimary('SUPERBIAS') },
  { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data: bias, shape: [full, full] },
  { kind: 'image', header: new Header().set('EXTNAME', 'DQ'), data: Uint8Array.from({ length: full * full }, () => (next() < 0.01 ? 1 : 0)), shape: [full, full] },
  dqDef([[0, 'UNRELIABLE_BIAS']]), // compact bit 0 means UNRELIABLE_BIAS
]);

await loadKernels();
const pool = await createNodePool({ size: 2 });
try {
  const reader = await openRamp(rampPath);
  const work = await reader.readAll().finally(() => reader.file.close());
  const mask = await openFits(join(outDir, 'mask.fits'));
  const sb = await openFits(join(outDir, 'superbias.fits'));
  const context = { pool, log: () => {} };
  if ((await dqInitStep(work, mask, context)) !== 'COMPLETE') throw new Error('dq_init did not run');
  if ((await superbiasStep(work, sb, context)) !== 'COMPLETE') throw new Error('superbias did not run');
  await mask.close();
  await sb.close();
  await writeModel(join(outDir, 'ours_superbias.fits'), work);
} finally {
  await pool.destroy();
}
