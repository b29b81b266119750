/**
 * linearity (spec/steps/linearity.md): polynomial correction of every unsaturated group (and
 * ZEROFRAME). Missing reference -> SKIPPED (jwst's fallback), with a warning.
 */
import type { FitsFile } from '../io/fits/index.js';
import type { RampModel } from '../datamodels/models.js';
import { readReferenceDq, readReferenceFloat, scienceGeometry, ReferenceFileError } from '../reffiles/index.js';
import { runTiled } from '../pool/pool.js';
import { allocShared, releaseShared } from '../kernels/arrays.js';
import { info, rampTileShape, referenceName, releaseUnlessKept, reusedAcrossSlices, warn, type StepContext, type StepStatus } from './step.js';

/** FITS keyword suffixes this step records: `S_LINEAR`, `R_LINEAR`. */
export const linearityKeywords = { status: 'LINEAR', reference: 'LINEAR' } as const;

export async function linearityStep(ramp: RampModel, reference: FitsFile | undefined, context: StepContext = {}): Promise<StepStatus> {
  if (!reference) {
    warn(context, 'linearity: no LINEARITY reference; step skipped');
    ramp.meta.refFiles[linearityKeywords.reference] = 'N/A';
    return (ramp.meta.calStep[linearityKeywords.status] = 'SKIPPED');
  }
  const warnFn = (message: string) => warn(context, message);
  const refContext = { science: scienceGeometry(ramp.meta, ramp.shape, 'science data', warnFn), instrument: ramp.meta.instrument.name, warn: warnFn };
  const nframes = ramp.meta.exposure.nframes ?? 1;
  const plane = ramp.shape[2] * ramp.shape[3];
  const { coeffs, invCoeffs, linDq, ncoeffs } = await reusedAcrossSlices(context, 'linearity', [reference.source.name, refContext.science, nframes], async () => {
    const coeffs = await readReferenceFloat(reference, 'COEFFS', refContext, { shared: true });
    // jwst: read-level path with INV_COEFFS only for frame-averaged groups (and no read_times,
    // which our RampModel never carries).
    const inverse = reference.find('INV_COEFFS') && nframes > 1 ? await readReferenceFloat(reference, 'INV_COEFFS', refContext, { shared: true }) : undefined;
    const ncoeffs = Math.max(coeffs.data.length, inverse?.data.length ?? 0) / plane;
    for (const stack of [coeffs, inverse]) {
      if (stack && (stack.shape.length !== 3 || stack.shape[0] < 2)) {
        throw new ReferenceFileError(reference.source.name, `coefficients must be (ncoeffs >= 2, ny, nx), got (${stack.shape.join(', ')})`);
      }
    }
    return {
      coeffs: padHighOrder(coeffs.data, ncoeffs, plane),
      invCoeffs: inverse && padHighOrder(inverse.data, ncoeffs, plane),
      linDq: reference.find('DQ') ? (await readReferenceDq(reference, refContext, 'DQ', { shared: true })).data : new Uint32Array(plane),
      ncoeffs,
    };
  });
  if (invCoeffs) info(context, 'linearity: read-level correction with INV_COEFFS and NFRAMES=' + nframes);
  const tables = { coeffs, invCoeffs, linDq };
  try {
    await runTiled(
      context.pool,
      'linearity',
      {
        data: ramp.data,
        zeroframe: ramp.meta.exposure.zeroFrame ? ramp.zeroframe : undefined,
        pixeldq: ramp.pixeldq,
        groupdq: ramp.groupdq,
        coeffs,
        invCoeffs,
        linDq,
      },
      { ...rampTileShape(ramp.shape), planes: ncoeffs },
      { signal: context.signal, params: { nframes } },
    );
  } finally {
    releaseUnlessKept(context, tables);
  }
  ramp.meta.refFiles[linearityKeywords.reference] = referenceName(reference);
  return (ramp.meta.calStep[linearityKeywords.status] = 'COMPLETE');
}

/**
 * Adds zero highest-order planes so COEFFS and INV_COEFFS share one plane count: in Horner order
 * a leading zero term gives exactly the same float result for finite data.
 */
function padHighOrder(stack: Float32Array, ncoeffs: number, plane: number): Float32Array {
  if (stack.length === ncoeffs * plane) return stack;
  const padded = allocShared(Float32Array, ncoeffs * plane);
  padded.set(stack);
  releaseShared(stack);
  return padded;
}
