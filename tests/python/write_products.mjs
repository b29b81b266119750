// Writes a RampModel, an ImageModel (_rate), a CubeModel (_rateints) and a RampFitOutputModel
// with the built package (dist/), for test_products_open.py to open with astropy and stdatamodels.
import { join } from 'node:path';
import {
  Header,
  createCubeModel,
  createImageModel,
  createRampFitOutputModel,
  createRampModel,
  emptyMeta,
  writeModel,
} from '../../dist/entrypoints/node.js';

const [outDir] = process.argv.slice(2);
const [nints, ngroups, ny, nx] = [2, 4, 5, 6];
const plane = ny * nx;
const fill = (n, f) => Float32Array.from({ length: n }, (_, i) => f(i));

const meta = emptyMeta();
Object.assign(meta.instrument, { name: 'NIRCAM', detector: 'NRCA1', filter: 'F200W', pupil: 'CLEAR', module: 'A' });
Object.assign(meta.exposure, {
  type: 'NRC_IMAGE', readpatt: 'RAPID', nints, ngroups, nframes: 1, groupgap: 0, frameTime: 10.73677, groupTime: 10.73677,
});
Object.assign(meta.subarray, { name: 'SUB64P', xstart: 1, ystart: 1, xsize: nx, ysize: ny, fastaxis: -1, slowaxis: 2 });
Object.assign(meta.observation, { date: '2024-01-01', time: '00:00:00.000' });
meta.calStep.SUPERB = 'COMPLETE';
const primary = new Header().set('TARGNAME', 'demo target').set('NOT_IN_SCHEMA', 1);
const date = new Date('2026-01-01T00:00:00Z');

const ramp = createRampModel({
  meta, primary, shape: [nints, ngroups, ny, nx],
  data: fill(nints * ngroups * plane, (i) => i * 0.5),
  pixeldq: Uint32Array.from({ length: plane }, (_, i) => (i === 0 ? 2147483648 + 1 : 0)),
  groupdq: Uint8Array.from({ length: nints * ngroups * plane }, (_, i) => i % 7),
  zeroframe: fill(nints * plane, (i) => i),
});
await writeModel(join(outDir, 'test_ramp.fits'), ramp, date);

const rate = createImageModel({
  meta, primary, shape: [ny, nx],
  data: fill(plane, (i) => i / 3), err: fill(plane, () => 0.1), dq: Uint32Array.from({ length: plane }, (_, i) => i),
  varPoisson: fill(plane, () => 0.004), varRnoise: fill(plane, () => 0.006),
});
await writeModel(join(outDir, 'test_rate.fits'), rate, date);

const rateints = createCubeModel({
  meta, primary, shape: [nints, ny, nx],
  data: fill(nints * plane, (i) => i), err: fill(nints * plane, () => 1), dq: new Uint32Array(nints * plane),
  varPoisson: fill(nints * plane, () => 1), varRnoise: fill(nints * plane, () => 2),
});
await writeModel(join(outDir, 'test_rateints.fits'), rateints, date);

const seg = [nints, 2, ny, nx];
const segLen = nints * 2 * plane;
const fitopt = createRampFitOutputModel({
  meta, primary, shape: seg, maxCr: 1,
  slope: fill(segLen, (i) => i), sigslope: fill(segLen, () => 1), varPoisson: fill(segLen, () => 1),
  varRnoise: fill(segLen, () => 1), yint: fill(segLen, () => 3), sigyint: fill(segLen, () => 1),
  weights: fill(segLen, () => 1), pedestal: fill(nints * plane, () => 5), crmag: fill(nints * plane, () => 7),
});
await writeModel(join(outDir, 'test_fitopt.fits'), fitopt, date);
