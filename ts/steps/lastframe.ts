/**
 * lastframe (spec/steps/firstframe_lastframe.md, jwst `lastframe/`): DO_NOT_USE on the last
 * group of every MIRI integration. No reference, no parameters. Not MIRI, or 2 groups or
 * fewer -> SKIPPED.
 */
import type { RampModel } from '../datamodels/models.js';
import { runTiled } from '../pool/pool.js';
import { rampTileShape, warn, type StepContext, type StepStatus } from './step.js';

/** FITS keyword suffix this step records: `S_LASTFR`. */
export const lastframeKeywords = { status: 'LASTFR' } as const;

/** jwst's MIRI test of these steps: the detector name starts with MIR. */
export function isMiriDetector(ramp: RampModel): boolean {
  return (ramp.meta.instrument.detector ?? '').toUpperCase().startsWith('MIR');
}

export async function lastframeStep(ramp: RampModel, context: StepContext = {}): Promise<StepStatus> {
  const setStatus = (status: StepStatus) => (ramp.meta.calStep[lastframeKeywords.status] = status);
  if (!isMiriDetector(ramp)) {
    warn(context, 'lastframe: Last Frame Correction is only for MIRI data; step skipped');
    return setStatus('SKIPPED');
  }
  if (ramp.shape[1] <= 2) {
    warn(context, 'lastframe: too few groups to apply correction; step skipped');
    return setStatus('SKIPPED');
  }
  await runTiled(context.pool, 'lastframe', { groupdq: ramp.groupdq }, rampTileShape(ramp.shape), { signal: context.signal });
  return setStatus('COMPLETE');
}
