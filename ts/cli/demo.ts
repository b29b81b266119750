/**
 * `detector1 demo`: the most complete real path that exists so far, on data made here (no
 * downloads, no ../shared). The simulator writes a NIRCam SUB160 exposure and its reference files
 * (as a mini CRDS cache); every near-IR Detector1 step that exists runs on it in jwst's order,
 * kernels on row bands in a 2-worker pool, and `_rate`/`_rateints` are written. The Detector1
 * pipeline issue will replace this hand-written order and the file-by-reftype lookup.
 */
import { join } from 'node:path';
import type { FitsFile } from '../io/fits/index.js';
import type { RampModel } from '../datamodels/models.js';
import { openFits, readRamp, writeModel } from '../datamodels/node.js';
import { loadKernels } from '../kernels/load-node.js';
import { createNodePool } from '../pool/node.js';
import { readReferenceFloat, scienceGeometry } from '../reffiles/index.js';
import { simulateToDirectory, writeMiniCrdsCache } from '../sim/node.js';
import { darkCurrentStep } from '../steps/dark-current.js';
import { dqInitStep } from '../steps/dq-init.js';
import { gainScaleStep } from '../steps/gain-scale.js';
import { groupScaleStep } from '../steps/group-scale.js';
import { ipcStep } from '../steps/ipc.js';
import { jumpStep } from '../steps/jump.js';
import { linearityStep } from '../steps/linearity.js';
import { rampFitStep } from '../steps/ramp-fit.js';
import { refpixStep } from '../steps/refpix.js';
import { saturationStep } from '../steps/saturation.js';
import type { StepContext } from '../steps/step.js';
import { superbiasStep } from '../steps/superbias.js';

export const demoRequest = {
  instrument: 'nircam',
  detector: 'NRCA1',
  subarray: 'SUB160',
  readpatt: 'RAPID',
  ngroups: 10,
  nints: 2,
  seed: 20261121,
  scene: { background: 30, stars: 12, galaxies: 4, starFlux: [1000, 300000] as [number, number], saturateAtGroups: [0, 4] },
  events: { cosmicRaysPerIntegration: 40, snowballs: 1 },
};
export const demoStem = 'jw00000001001_01101_00001_nrca1';

export async function runDemo(outputDir: string, log: (line: string) => void): Promise<void> {
  const started = performance.now();
  const simulated = await simulateToDirectory(demoRequest, outputDir, demoStem);
  const cache = await writeMiniCrdsCache(join(outputDir, 'crds'), [{ plan: simulated.plan }]);
  log(`simulated ${simulated.uncal} (${simulated.seconds.toFixed(2)} s) and ${cache.references.length} reference files in ${cache.root}`);

  const references = new Map<string, FitsFile>();
  for (const ref of cache.references) references.set(ref.reftype, await openFits(join(cache.root, ref.path)));
  const reference = (reftype: string) => references.get(reftype);

  await loadKernels();
  const pool = await createNodePool({ size: 2 });
  const timings: [string, number][] = [];
  const context: StepContext = { pool, log: (level, message) => level === 'warning' && log(`  warning: ${message}`) };
  const timed = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const result = await run();
    timings.push([name, performance.now() - t0]);
    return result;
  };
  try {
    const ramp: RampModel = await timed('read uncal', () => readRamp(simulated.uncal));
    await timed('group_scale', () => groupScaleStep(ramp, context));
    await timed('dq_init', () => dqInitStep(ramp, reference('mask'), context));
    await timed('saturation', () => saturationStep(ramp, reference('saturation'), context, { superbias: reference('superbias') }));
    await timed('ipc', () => ipcStep(ramp, reference('ipc'), context));
    await timed('superbias', () => superbiasStep(ramp, reference('superbias'), context));
    await timed('refpix', () => refpixStep(ramp, {}, context));
    await timed('linearity', () => linearityStep(ramp, reference('linearity'), context));
    await timed('dark_current', () => darkCurrentStep(ramp, reference('dark'), context));
    const jump = await timed('jump', () => jumpStep(ramp, { gain: reference('gain')!, readnoise: reference('readnoise')! }, context));

    const refContext = { science: scienceGeometry(ramp.meta, ramp.shape, simulated.uncal), instrument: ramp.meta.instrument.name };
    const gain = (await readReferenceFloat(reference('gain')!, 'SCI', refContext)).data;
    const readnoise = (await readReferenceFloat(reference('readnoise')!, 'SCI', refContext)).data;
    const fit = await timed('ramp_fit', () => rampFitStep(ramp, { gain, readnoise, pool }));
    if (!fit.rate || !fit.rateints) throw new Error(`ramp_fit produced no products (${fit.noProducts})`);
    const { rate, rateints } = fit;
    await timed('gain_scale', async () => {
      await gainScaleStep(rate, reference('gain'), context);
      return gainScaleStep(rateints, reference('gain'), context);
    });
    await timed('write products', async () => {
      await writeModel(join(outputDir, `${demoStem}_rate.fits`), rate);
      await writeModel(join(outputDir, `${demoStem}_rateints.fits`), rateints);
    });

    const [nints, ngroups, ny, nx] = ramp.shape;
    log(`detector1: ${nints} x ${ngroups} x ${ny} x ${nx} ramp, 2 workers, ${(performance.now() - started).toFixed(0)} ms in all`);
    for (const [name, ms] of timings) log(`  ${name.padEnd(15)} ${ms.toFixed(1).padStart(8)} ms`);
    log(`  jump: ${jump.primaryCrs ?? 0} primary cosmic rays flagged`);
    const valid = rate.data.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
    log(`  rate: ${valid.length} of ${rate.data.length} pixels finite, median ${valid[valid.length >> 1].toFixed(3)} DN/s`);
    log(`wrote ${join(outputDir, `${demoStem}_rate.fits`)}`);
    log(`wrote ${join(outputDir, `${demoStem}_rateints.fits`)}`);
  } finally {
    await pool.destroy();
    for (const file of references.values()) await file.close();
  }
}
