/** Node helpers of the simulator: exposures, truth and sidecar files, the mini CRDS cache. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Header } from '../io/fits/index.js';
import { AtomicFileSink, writeFitsFile } from '../io/fits/node.js';
import { planExposure, type ExposurePlan, type SimulationRequest } from './exposure.js';
import { defaultStem, writeUncal } from './uncal.js';

export { writeMiniCrdsCache, DETECTOR1_REFTYPES, type CacheMember, type CacheResult, type CachedReference } from './crds-cache.js';

export interface SimulatedFiles {
  plan: ExposurePlan;
  stem: string;
  uncal: string;
  truth: string;
  sidecar: string;
  /** Charge events per integration, by kind. */
  events: Record<string, number>[];
  /** Seconds spent simulating and writing. */
  seconds: number;
}

/** Median of a list (NaN when empty). */
function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Simulates `request` into `outputDir`: `<stem>_uncal.fits`, `<stem>_truth.fits` (the injected
 * rate, DN/s, that calibration should recover) and `<stem>_sim.json` (request, mode, flat region,
 * expected rate there, events drawn).
 */
export async function simulateToDirectory(request: SimulationRequest | ExposurePlan, outputDir: string, stem?: string): Promise<SimulatedFiles> {
  const started = performance.now();
  const plan = 'mode' in request ? request : planExposure(request);
  const name = stem ?? defaultStem(plan);
  await mkdir(outputDir, { recursive: true });
  const uncal = join(outputDir, `${name}_uncal.fits`);
  const events: Record<string, number>[] = [];
  const sink = await AtomicFileSink.create(uncal);
  try {
    await writeUncal(plan, sink, `${name}_uncal.fits`, (out) => {
      const counts: Record<string, number> = {};
      for (const e of out.events) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
      events.push(counts);
    });
  } catch (error) {
    await sink.abort();
    throw error;
  }
  await sink.commit();

  const truth = join(outputDir, `${name}_truth.fits`);
  const [, , ny, nx] = plan.shape;
  const primary = new Header()
    .set('TELESCOP', 'JWST')
    .set('INSTRUME', plan.mode.info.name)
    .set('DETECTOR', plan.mode.detector.name)
    .set('SUBARRAY', plan.mode.subarray.name)
    .set('FILENAME', `${name}_truth.fits`)
    .set('ORIGIN', 'jwst-detector1 simulator');
  primary.add('COMMENT', 'SCI: injected rate (sky x response / gain), DN/s; dark current excluded (calibrated out).');
  await writeFitsFile(truth, [
    { kind: 'image', header: primary },
    { kind: 'image', header: new Header().set('EXTNAME', 'SCI').set('BUNIT', 'DN/s'), data: plan.truthRate, shape: [ny, nx] },
  ]);

  const flat = plan.scene.flatRegion;
  const flatValues: number[] = [];
  if (flat) {
    for (let y = flat.y0; y < flat.y0 + flat.ny; y++) for (let x = flat.x0; x < flat.x0 + flat.nx; x++) flatValues.push(plan.truthRate[y * nx + x]);
  }
  const sidecar = join(outputDir, `${name}_sim.json`);
  const { bias, darkFrames, ...requestShown } = plan.request;
  const description = {
    request: { ...requestShown, bias: bias ? 'given' : undefined, darkFrames: darkFrames ? `${darkFrames.nframes} frames given` : undefined },
    instrument: plan.mode.info.name,
    detector: plan.mode.detector.name,
    subarray: plan.mode.subarray,
    readpatt: plan.mode.readPattern,
    tframe: plan.mode.tframe,
    tgroup: plan.mode.tgroup,
    shape: plan.shape,
    zeroframe: plan.zeroframe,
    expType: plan.expType,
    tsovisit: plan.tsovisit,
    flatRegion: flat,
    backgroundElectronsPerSecond: plan.scene.background,
    flatRegionMedianRateDnPerSecond: median(flatValues),
    sources: plan.scene.sources.length,
    events,
    noise: {
      readnoiseCds: plan.model.physics.readnoiseCds,
      gain: plan.model.physics.gain,
      driftSigma: plan.model.physics.driftSigma,
      oneOverF: plan.model.physics.oneOverF,
      ktc: plan.model.physics.ktc,
    },
  };
  await writeFile(sidecar, JSON.stringify(description, null, 2) + '\n');
  return { plan, stem: name, uncal, truth, sidecar, events, seconds: (performance.now() - started) / 1000 };
}
