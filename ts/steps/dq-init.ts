/**
 * dq_init (spec/steps/dq_init.md): the MASK reference's flags into PIXELDQ, its DO_NOT_USE into
 * every group. Missing reference -> SKIPPED (jwst's fallback), with a warning.
 */
import type { FitsFile } from '../io/fits/index.js';
import type { RampModel } from '../datamodels/models.js';
import { readReferenceDq, scienceGeometry } from '../reffiles/index.js';
import { runTiled } from '../pool/pool.js';
import { releaseShared } from '../kernels/arrays.js';
import { rampTileShape, referenceName, skipWithoutReference, warn, type StepContext, type StepStatus } from './step.js';

/** FITS keyword suffixes this step records: `S_DQINIT`, `R_MASK`. */
export const dqInitKeywords = { status: 'DQINIT', reference: 'MASK' } as const;

export async function dqInitStep(ramp: RampModel, mask: FitsFile | undefined, context: StepContext = {}): Promise<StepStatus> {
  if (!mask) return skipWithoutReference(ramp.meta, context, 'dq_init', 'mask', dqInitKeywords);
  const warnFn = (message: string) => warn(context, message);
  const science = scienceGeometry(ramp.meta, ramp.shape, 'science data', warnFn);
  // Left as the file stores it when it can be: the workers translate it.
  const { data, stored } = await readReferenceDq(mask, { science, instrument: ramp.meta.instrument.name, warn: warnFn }, 'DQ', { shared: true, fileOrder: true });
  try {
    await runTiled(context.pool, 'dqInit', { pixeldq: ramp.pixeldq, groupdq: ramp.groupdq, mask: data }, rampTileShape(ramp.shape), {
      signal: context.signal,
      storedDq: stored && { mask: stored },
    });
  } finally {
    releaseShared(data);
  }
  ramp.meta.refFiles[dqInitKeywords.reference] = referenceName(mask);
  return (ramp.meta.calStep[dqInitKeywords.status] = 'COMPLETE');
}
