/**
 * group_scale (spec/steps/group_scale.md): rescale groups averaged on board with a divisor
 * FRMDIVSR other than NFRAMES. No reference file. Skipped (with a message) when NFRAMES is
 * missing, FRMDIVSR is missing, or they are equal.
 */
import type { RampModel } from '../datamodels/models.js';
import type { Meta } from '../datamodels/meta.js';
import { runTiled } from '../pool/pool.js';
import { info, rampTileShape, warn, type StepContext, type StepStatus } from './step.js';

/** FITS keyword suffix this step records: `S_GRPSCL`. */
export const groupScaleKeywords = { status: 'GRPSCL' } as const;

/** Why group_scale skips an exposure, and how loudly it says so; undefined when it rescales. */
export function groupScaleSkip({ nframes, frameDivisor }: Pick<Meta['exposure'], 'nframes' | 'frameDivisor'>): { log: typeof info; message: string } | undefined {
  const skip = (log: typeof info, message: string) => ({ log, message: `group_scale: ${message}; step skipped` });
  if (nframes === undefined) return skip(warn, 'NFRAMES not found');
  if (frameDivisor === undefined) {
    // jwst skips a power of two quietly, any other NFRAMES with a warning: both are SKIPPED.
    return (nframes & (nframes - 1)) === 0 ? skip(info, `NFRAMES=${nframes} is a power of 2`) : skip(warn, 'FRMDIVSR not found');
  }
  return nframes === frameDivisor ? skip(info, 'NFRAMES and FRMDIVSR are equal') : undefined;
}

export async function groupScaleStep(ramp: RampModel, context: StepContext = {}): Promise<StepStatus> {
  const skip = groupScaleSkip(ramp.meta.exposure);
  if (skip) {
    skip.log(context, skip.message);
    return (ramp.meta.calStep[groupScaleKeywords.status] = 'SKIPPED');
  }
  const { nframes, frameDivisor } = ramp.meta.exposure as Required<Pick<Meta['exposure'], 'nframes' | 'frameDivisor'>>;
  info(context, `group_scale: rescaling all groups by ${frameDivisor}/${nframes}`);
  await runTiled(context.pool, 'groupScale', { data: ramp.data }, rampTileShape(ramp.shape), {
    signal: context.signal,
    params: { scale: frameDivisor / nframes },
  });
  return (ramp.meta.calStep[groupScaleKeywords.status] = 'COMPLETE');
}
