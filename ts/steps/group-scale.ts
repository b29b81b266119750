/**
 * group_scale (spec/steps/group_scale.md): rescale groups averaged on board with a divisor
 * FRMDIVSR other than NFRAMES. No reference file. Skipped (with a message) when NFRAMES is
 * missing, FRMDIVSR is missing, or they are equal.
 */
import type { RampModel } from '../datamodels/models.js';
import { runTiled } from '../pool/pool.js';
import { info, rampTileShape, warn, type StepContext, type StepStatus } from './step.js';

/** FITS keyword suffix this step records: `S_GRPSCL`. */
export const groupScaleKeywords = { status: 'GRPSCL' } as const;

export async function groupScaleStep(ramp: RampModel, context: StepContext = {}): Promise<StepStatus> {
  const { nframes, frameDivisor } = ramp.meta.exposure;
  const skip = (log: (c: StepContext, m: string) => void, message: string): StepStatus => {
    log(context, `group_scale: ${message}; step skipped`);
    return (ramp.meta.calStep[groupScaleKeywords.status] = 'SKIPPED');
  };
  if (nframes === undefined) return skip(warn, 'NFRAMES not found');
  if (frameDivisor === undefined) {
    // jwst skips a power of two quietly, any other NFRAMES with a warning: both are SKIPPED.
    return (nframes & (nframes - 1)) === 0 ? skip(info, `NFRAMES=${nframes} is a power of 2`) : skip(warn, 'FRMDIVSR not found');
  }
  if (nframes === frameDivisor) return skip(info, 'NFRAMES and FRMDIVSR are equal');
  info(context, `group_scale: rescaling all groups by ${frameDivisor}/${nframes}`);
  await runTiled(context.pool, 'groupScale', { data: ramp.data }, rampTileShape(ramp.shape), {
    signal: context.signal,
    params: { scale: frameDivisor / nframes },
  });
  return (ramp.meta.calStep[groupScaleKeywords.status] = 'COMPLETE');
}
