/**
 * `detector1 demo`: the most complete real path that exists so far, on data made here (no
 * downloads, no ../shared): the simulator (ts/sim) writes a NIRSpec NRS1 SUB512 uncal file and a
 * superbias reference in the CRDS layout, they are read back lazily, the superbias step's kernel
 * runs on row bands in the worker pool, and the `_superbias.fits` RampModel is written.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeFits } from '../io/fits/index.js';
import { AtomicFileSink, writeFileAtomic } from '../io/fits/node.js';
import { pixel } from '../dq/index.js';
import { createRampModel } from '../datamodels/index.js';
import { openFits, openRamp, writeModel } from '../datamodels/node.js';
import { loadKernels } from '../kernels/load-node.js';
import { createNodePool } from '../pool/node.js';
import { runTiled } from '../pool/index.js';
import { planExposure, referenceHdus, writeUncal } from '../sim/index.js';

const shape = { nints: 2, ngroups: 10, rows: 32, cols: 512 } as const;
const DEMO_SEED = 20261121;

async function writeDemoUncal(path: string, fileName: string) {
  const plan = planExposure({
    instrument: 'nirspec',
    detector: 'NRS1',
    subarray: 'SUB512',
    readpatt: 'NRSRAPID',
    ngroups: shape.ngroups,
    nints: shape.nints,
    seed: DEMO_SEED,
    events: { cosmicRaysPerIntegration: 5 },
  });
  const sink = await AtomicFileSink.create(path);
  try {
    await writeUncal(plan, sink, fileName);
  } catch (error) {
    await sink.abort();
    throw error;
  }
  await sink.commit();
  return plan;
}

export async function runDemo(outputDir: string, log: (line: string) => void): Promise<void> {
  await mkdir(outputDir, { recursive: true });
  const uncalName = 'jw00000001001_01101_00001_nrs1_uncal.fits';
  const uncalPath = join(outputDir, uncalName);
  const plan = await writeDemoUncal(uncalPath, uncalName);

  // The simulator's superbias for this detector region, with one pixel without a value (jwst
  // treats NaN as 0) and one UNRELIABLE_BIAS flag, so that both paths of the step are exercised.
  const refPath = join(outputDir, 'demo_nirspec_superbias.fits');
  const hdus = referenceHdus('superbias', {
    info: plan.mode.info,
    detector: plan.mode.detector,
    region: plan.region,
    subarrayName: plan.mode.subarray.name,
    readpatts: [plan.mode.readPattern.name],
    fileName: 'demo_nirspec_superbias.fits',
  });
  const plane = shape.rows * shape.cols;
  const bias = Float32Array.from(plan.model.bias(plan.region));
  const biasDq = new Uint32Array(plane);
  bias[17] = NaN;
  biasDq[100] = pixel.UNRELIABLE_BIAS;
  for (const hdu of hdus) {
    if (hdu.kind !== 'image') continue;
    const extname = hdu.header.getString('EXTNAME');
    if (extname === 'SCI') hdu.data = bias;
    if (extname === 'DQ') hdu.data = biasDq;
  }
  hdus[0].header.set('DESCRIP', 'Demo superbias made by detector1 demo');
  await writeFileAtomic(refPath, encodeFits(hdus));
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
