/**
 * superbias (spec/steps/superbias.md): subtract the SUPERBIAS reference from every group (and
 * ZEROFRAME), OR its DQ into PIXELDQ. Missing reference -> SKIPPED (jwst's fallback).
 */
import type { FitsFile } from '../io/fits/index.js';
import type { RampModel } from '../datamodels/models.js';
import { readReferenceDq, readReferenceFloat, scienceGeometry } from '../reffiles/index.js';
import { runTiled } from '../pool/pool.js';
import { releaseShared } from '../kernels/arrays.js';
import { rampTileShape, referenceName, skipWithoutReference, warn, type StepContext, type StepStatus } from './step.js';

export const superbiasKeywords = { status: 'SUPERB', reference: 'SUPERB' } as const;

export async function superbiasStep(ramp: RampModel, reference: FitsFile | undefined, context: StepContext = {}): Promise<StepStatus> {
  if (!reference) return skipWithoutReference(ramp.meta, context, 'superbias', 'superbias', superbiasKeywords);
  const warnFn = (message: string) => warn(context, message);
  const refContext = { science: scienceGeometry(ramp.meta, ramp.shape, 'science data', warnFn), instrument: ramp.meta.instrument.name, warn: warnFn };
  // Left in the file's byte order when stored as plain float32: the workers reverse it.
  const bias = await readReferenceFloat(reference, 'SCI', refContext, { shared: true, fileOrder: true });
  const dq = reference.find('DQ') ? await readReferenceDq(reference, refContext, 'DQ', { shared: true, fileOrder: true }) : undefined;
  const biasDq = dq?.data ?? new Uint32Array(bias.data.length);
  try {
    await runTiled(
      context.pool,
      'superbias',
      { data: ramp.data, zeroframe: ramp.zeroframe, pixeldq: ramp.pixeldq, bias: bias.data, biasDq },
      rampTileShape(ramp.shape),
      { signal: context.signal, bigEndian: bias.fileOrder ? ['bias'] : [], storedDq: dq?.stored && { biasDq: dq.stored } },
    );
  } finally {
    releaseShared(bias.data);
    releaseShared(biasDq);
  }
  ramp.meta.refFiles[superbiasKeywords.reference] = referenceName(reference);
  return (ramp.meta.calStep[superbiasKeywords.status] = 'COMPLETE');
}
