/**
 * `detector1 demo`: the most complete real path that exists so far, on data made here (no
 * downloads, no ../shared): a NIRSpec NRS1 SUB512-shaped uncal file and a superbias reference in
 * the CRDS layout are written as FITS, read back lazily, the superbias step's kernel runs on
 * row bands in the worker pool, and the `_superbias.fits` RampModel is written.
 * The full simulator of the Simulator issue will replace `makeExposure`.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Header, encodeFits } from '../io/fits/index.js';
import { writeFileAtomic } from '../io/fits/node.js';
import { standardDqDefinitions, pixel } from '../dq/index.js';
import { asdfHdu, createRampModel } from '../datamodels/index.js';
import { openFits, openRamp, writeModel } from '../datamodels/node.js';
import { loadKernels } from '../kernels/load-node.js';
import { createNodePool } from '../pool/node.js';
import { runTiled } from '../pool/index.js';

const shape = { nints: 2, ngroups: 10, rows: 32, cols: 512 } as const;

/** Deterministic xorshift32, so the demo prints the same numbers on every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

function exposureHeader(): Header {
  const h = new Header();
  const cards: [string, string | number | boolean][] = [
    ['TELESCOP', 'JWST'], ['INSTRUME', 'NIRSPEC'], ['DETECTOR', 'NRS1'], ['EXP_TYPE', 'NRS_FIXEDSLIT'],
    ['READPATT', 'NRSRAPID'], ['NINTS', shape.nints], ['NGROUPS', shape.ngroups], ['NFRAMES', 1], ['GROUPGAP', 0],
    ['TFRAME', 0.90156], ['TGROUP', 0.90156], ['SUBARRAY', 'SUB512'], ['SUBSTRT1', 1025], ['SUBSTRT2', 957],
    ['SUBSIZE1', shape.cols], ['SUBSIZE2', shape.rows], ['FASTAXIS', 2], ['SLOWAXIS', 1], ['NOUTPUTS', 1],
    ['DATE-OBS', '2024-01-01'], ['TIME-OBS', '00:00:00.000'], ['ZEROFRAM', false], ['DATAMODL', 'Level1bModel'],
  ];
  for (const [key, value] of cards) h.set(key, value);
  return h;
}

/** Bias with pixel structure, a flux gradient, read noise; uint16 DN as raw files hold them. */
function makeExposure(bias: Float32Array): Uint16Array {
  const next = random(20261121);
  const plane = shape.rows * shape.cols;
  const sci = new Uint16Array(shape.nints * shape.ngroups * plane);
  for (let i = 0; i < shape.nints; i++) {
    for (let g = 0; g < shape.ngroups; g++) {
      for (let p = 0; p < plane; p++) {
        const flux = 5 + (p % shape.cols) / 8;
        const noise = (next() + next() + next() - 1.5) * 12;
        sci[(i * shape.ngroups + g) * plane + p] = Math.round(bias[p] + flux * (g + 1) + noise);
      }
    }
  }
  return sci;
}

export async function runDemo(outputDir: string, log: (line: string) => void): Promise<void> {
  await mkdir(outputDir, { recursive: true });
  const plane = shape.rows * shape.cols;
  const next = random(7);
  const bias = new Float32Array(plane).map(() => 11000 + next() * 2000);
  const biasDq = new Uint32Array(plane);
  bias[17] = NaN; // a reference without a value: jwst treats it as 0
  biasDq[100] = pixel.UNRELIABLE_BIAS;

  const uncalPath = join(outputDir, 'jw00000001001_01101_00001_nrs1_uncal.fits');
  const primary = exposureHeader();
  const sciHeader = new Header().set('EXTNAME', 'SCI').set('BUNIT', 'DN');
  const sci = makeExposure(bias);
  await writeFileAtomic(
    uncalPath,
    encodeFits([
      { kind: 'image', header: primary },
      { kind: 'image', header: sciHeader, data: sci, shape: [shape.nints, shape.ngroups, shape.rows, shape.cols] },
      asdfHdu(),
    ]),
  );

  const refPath = join(outputDir, 'demo_nirspec_superbias.fits');
  const refPrimary = new Header();
  for (const [key, value] of Object.entries({
    REFTYPE: 'SUPERBIAS', INSTRUME: 'NIRSPEC', DETECTOR: 'NRS1', SUBARRAY: 'SUB512', READPATT: 'NRSRAPID',
    SUBSTRT1: 1025, SUBSTRT2: 957, SUBSIZE1: shape.cols, SUBSIZE2: shape.rows, USEAFTER: '2015-01-01T00:00:00',
    PEDIGREE: 'DUMMY', AUTHOR: 'jwst-detector1 demo', DESCRIP: 'Demo superbias made by detector1 demo',
  })) refPrimary.set(key, value);
  const defs = standardDqDefinitions();
  await writeFileAtomic(
    refPath,
    encodeFits([
      { kind: 'image', header: refPrimary },
      { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data: bias, shape: [shape.rows, shape.cols] },
      { kind: 'image', header: new Header().set('EXTNAME', 'DQ'), data: biasDq, shape: [shape.rows, shape.cols] },
      {
        kind: 'bintable',
        header: new Header().set('EXTNAME', 'DQ_DEF'),
        nrows: defs.length,
        columns: [
          { name: 'BIT', format: 'J', data: Int32Array.from(defs, (d) => d.bit) },
          { name: 'VALUE', format: 'J', data: Uint32Array.from(defs, (d) => d.value) },
          { name: 'NAME', format: '40A', data: defs.map((d) => d.name) },
          { name: 'DESCRIPTION', format: '80A', data: defs.map((d) => d.description) },
        ],
      },
    ]),
  );
  log(`wrote ${uncalPath}`);
  log(`wrote ${refPath}`);

  const started = performance.now();
  await loadKernels();
  const reader = await openRamp(uncalPath);
  const ramp = await reader.readAll().finally(() => reader.file.close());
  const ref = await openFits(refPath);
  const refBias = (await ref.readImage(ref.get('SCI'), { as: 'float32' })).data as Float32Array;
  const refDq = (await ref.readImage(ref.get('DQ'))).data as Uint32Array;
  await ref.close();

  const before = ramp.data[0];
  const pool = await createNodePool({ size: 2 });
  try {
    await runTiled(pool, 'superbias', { data: ramp.data, pixeldq: ramp.pixeldq, bias: refBias, biasDq: refDq }, {
      nints: ramp.shape[0],
      ngroups: ramp.shape[1],
      rows: ramp.shape[2],
      cols: ramp.shape[3],
    });
  } finally {
    await pool.destroy();
  }
  ramp.meta.calStep.SUPERB = 'COMPLETE';
  ramp.meta.refFiles.SUPERB = refPath;
  const outPath = join(outputDir, 'jw00000001001_01101_00001_nrs1_superbias.fits');
  await writeModel(outPath, createRampModel(ramp));
  const elapsed = performance.now() - started;

  let sum = 0;
  for (const v of ramp.data) sum += v;
  log(`superbias: ${ramp.shape.join(' x ')} ramp, 2 workers, ${elapsed.toFixed(0)} ms including I/O`);
  log(`  first pixel ${before} DN -> ${ramp.data[0]} DN; mean after bias removal ${(sum / ramp.data.length).toFixed(3)} DN`);
  log(`  pixels flagged from the reference DQ: ${ramp.pixeldq.filter((f) => f !== 0).length}`);
  log(`wrote ${outPath}`);
}
