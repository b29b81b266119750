/**
 * firstframe (spec/steps/firstframe_lastframe.md, jwst `firstframe/`, deprecated since jwst 2.0:
 * rscd now flags the first groups): DO_NOT_USE on group 0 of every MIRI integration, except,
 * with `bright_use_group1`, where group 2 is SATURATED (those pixels get FLUX_ESTIMATED).
 * jwst's class default is `skip = True`: the pipeline does not call this step unless asked.
 * Not MIRI, or 3 groups or fewer -> SKIPPED.
 */
import type { RampModel } from '../datamodels/models.js';
import { runTiled } from '../pool/pool.js';
import { isMiriDetector } from './lastframe.js';
import { rampTileShape, warn, type StepContext, type StepStatus } from './step.js';

/** FITS keyword suffix this step records: `S_FRSTFR`. */
export const firstframeKeywords = { status: 'FRSTFR' } as const;

export interface FirstframeOptions {
  /** Keep group 0 where group 2 is saturated (jwst `bright_use_group1`). */
  brightUseGroup1?: boolean;
}

/** jwst FirstFrameStep spec defaults; `skip` is for the pipeline. */
export const firstframeDefaults = { brightUseGroup1: true, skip: true } as const;

export async function firstframeStep(ramp: RampModel, context: StepContext = {}, options: FirstframeOptions = {}): Promise<StepStatus> {
  const setStatus = (status: StepStatus) => (ramp.meta.calStep[firstframeKeywords.status] = status);
  warn(context, "firstframe: 'FirstFrameStep' has been deprecated since jwst 2.0.0; flagging the first group is part of the RSCD step");
  if (!isMiriDetector(ramp)) {
    warn(context, 'firstframe: First Frame Correction is only for MIRI data; step skipped');
    return setStatus('SKIPPED');
  }
  if (ramp.shape[1] <= 3) {
    warn(context, 'firstframe: too few groups to apply correction; step skipped');
    return setStatus('SKIPPED');
  }
  const brightUseGroup1 = options.brightUseGroup1 ?? firstframeDefaults.brightUseGroup1;
  await runTiled(context.pool, 'firstframe', { groupdq: ramp.groupdq, pixeldq: ramp.pixeldq }, rampTileShape(ramp.shape), {
    params: { brightUseGroup1 },
    signal: context.signal,
  });
  return setStatus('COMPLETE');
}
