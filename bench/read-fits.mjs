// Read throughput of the FITS reader on a 2048 x 2048 x 10 uint16 (BZERO 32768) SCI cube, the hot read
// of Detector1. Run after building dist/: node --expose-gc bench/read-fits.mjs
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FitsStreamWriter, Header } from '../dist/io/fits/index.js';
import { AtomicFileSink, readFits } from '../dist/io/fits/node.js';

const NINTS = 2;
const NGROUPS = 5;
const NY = 2048;
const NX = 2048;
const RUNS = 5;
const PLANE = NY * NX;
const RAW_BYTES = NINTS * NGROUPS * PLANE * 2;

const collectGarbage = globalThis.gc ?? (() => {});

async function writeCube(file) {
  const sink = await AtomicFileSink.create(file);
  const writer = new FitsStreamWriter(sink, { name: file });
  await writer.writeHdu({ kind: 'image', header: new Header().set('DATAMODL', 'Level1bModel') });
  await writer.beginImage(new Header().set('EXTNAME', 'SCI'), 'uint16', [NINTS, NGROUPS, NY, NX]);
  const plane = new Uint16Array(PLANE);
  for (let p = 0; p < NINTS * NGROUPS; p++) {
    for (let i = 0; i < PLANE; i++) plane[i] = (i * 2654435761 + p * 40503) >>> 16;
    await writer.writePixels(plane);
  }
  await writer.finish();
  await sink.commit();
}

/** Best wall time of RUNS runs of `read`, garbage collected between runs. */
async function best(read) {
  let fastest = Infinity;
  for (let run = 0; run < RUNS; run++) {
    collectGarbage();
    const start = performance.now();
    await read();
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest;
}

function result(milliseconds) {
  return { ms: Number(milliseconds.toFixed(1)), rawMBps: Math.round(RAW_BYTES / 1e6 / (milliseconds / 1000)) };
}

const dir = await mkdtemp(path.join(tmpdir(), 'fits-bench-'));
try {
  const file = path.join(dir, 'cube_uncal.fits');
  const writeStart = performance.now();
  await writeCube(file);
  const writeMs = performance.now() - writeStart;

  const fits = await readFits(file);
  const sci = fits.get('SCI');
  const integrationBuffer = new Float32Array(NGROUPS * PLANE);
  const planeBuffer = new Float32Array(PLANE);
  const report = {
    shape: sci.shape,
    rawBytes: RAW_BYTES,
    runs: RUNS,
    streamWriteWithChecksum: result(writeMs),
    wholeFloat32: result(await best(() => fits.readImage(sci, { as: 'float32' }))),
    perIntegrationFloat32: result(
      await best(async () => {
        for (let i = 0; i < NINTS; i++) await fits.readImage(sci, { index: [i], as: 'float32' });
      }),
    ),
    perPlaneFloat32: result(
      await best(async () => {
        for (let i = 0; i < NINTS; i++) for (let g = 0; g < NGROUPS; g++) await fits.readImage(sci, { index: [i, g], as: 'float32' });
      }),
    ),
    perIntegrationFloat32IntoReusedBuffer: result(
      await best(async () => {
        for (let i = 0; i < NINTS; i++) await fits.readImage(sci, { index: [i], as: 'float32', into: integrationBuffer });
      }),
    ),
    perPlaneFloat32IntoReusedBuffer: result(
      await best(async () => {
        for (let i = 0; i < NINTS; i++) for (let g = 0; g < NGROUPS; g++) await fits.readImage(sci, { index: [i, g], as: 'float32', into: planeBuffer });
      }),
    ),
    wholeNativeUint16: result(await best(() => fits.readImage(sci))),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  await fits.close();
  console.log(JSON.stringify(report, null, 2));
} finally {
  await rm(dir, { recursive: true, force: true });
}
