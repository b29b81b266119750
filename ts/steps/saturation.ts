/**
 * saturation (spec/steps/saturation.md, jwst `SaturationStep` + stcal `flag_saturated_pixels`):
 * SATURATED / AD_FLOOR / DO_NOT_USE group flags from the SATURATION reference's thresholds, its
 * DQ into PIXELDQ, flagged ZEROFRAME pixels set to 0. The optional SUPERBIAS only feeds the
 * group-2 test. Missing SATURATION reference -> SKIPPED (jwst's fallback), with a warning.
 * NIRSpec IRS2 frames: saturation-irs2.ts.
 */
import type { FitsFile } from '../io/fits/index.js';
import type { RampModel } from '../datamodels/models.js';
import { readReferenceDq, readReferenceFloat, scienceGeometry } from '../reffiles/index.js';
import { runTiled } from '../pool/pool.js';
import { releaseShared } from '../kernels/arrays.js';
import type { StoredDq } from '../kernels/dq-translate.js';
import { saturationHalo, type SaturationParams } from '../kernels/saturation.js';
import { rampTileShape, referenceName, skipWithoutReference, warn, type StepContext, type StepStatus } from './step.js';
import { isIrs2 } from './ipc.js';
import { saturationIrs2 } from './saturation-irs2.js';
import { irs2NormalRows } from './x-irs2.js';

/** FITS keyword suffixes this step records: `S_SATURA`, `R_SATURA`, and `R_SUPERB` for the bias. */
export const saturationKeywords = { status: 'SATURA', reference: 'SATURA', superbias: 'SUPERB' } as const;

export class SaturationStepError extends Error {
  override name = 'SaturationStepError';
}

export interface SaturationStepOptions {
  /** SUPERBIAS reference for the group-2 test of frame-averaged groups; without it the bias is 0. */
  superbias?: FitsFile;
  /** jwst `n_pix_grow_sat` (default 1). */
  nPixGrowSat?: number;
  /** jwst `use_readpatt` (default true). */
  useReadpatt?: boolean;
}

export async function saturationStep(
  ramp: RampModel,
  reference: FitsFile | undefined,
  context: StepContext = {},
  options: SaturationStepOptions = {},
): Promise<StepStatus> {
  // jwst looks both references up before deciding to skip, and records both.
  ramp.meta.refFiles[saturationKeywords.superbias] = options.superbias ? referenceName(options.superbias) : 'N/A';
  if (!reference) return skipWithoutReference(ramp.meta, context, 'saturation', 'saturation', saturationKeywords);
  // jwst takes another path (x_irs2) for the 3200-row interleaved NIRSpec IRS2 layout.
  const irs2Rows = isIrs2(ramp.shape) ? irs2NormalRows(ramp) : undefined;
  const useReadpatt = options.useReadpatt ?? true;
  const params: SaturationParams = { nPixGrowSat: options.nPixGrowSat ?? 1, useReadpatt, nframes: ramp.meta.exposure.nframes };
  if (useReadpatt && params.nframes === undefined) {
    throw new SaturationStepError('saturation: use_readpatt needs NFRAMES, which the exposure does not have');
  }
  const warnFn = (message: string) => warn(context, message);
  const refContext = { science: scienceGeometry(ramp.meta, ramp.shape, 'science data', warnFn), instrument: ramp.meta.instrument.name, warn: warnFn };
  // Left in the file's byte order when stored as plain float32 (the workers reverse it), but for
  // IRS2, whose thresholds (and bias) are read on this thread.
  const thresh = await readReferenceFloat(reference, 'SCI', refContext, { shared: true, fileOrder: !irs2Rows });
  // (IRS2 reads the DQ on this thread: translated here.)
  const dq = reference.find('DQ') ? await readReferenceDq(reference, refContext, 'DQ', { shared: true, fileOrder: !irs2Rows }) : undefined;
  const satDq = dq?.data ?? new Uint32Array(thresh.data.length);
  // jwst uses the superbias data as is (NaN stays NaN here, unlike in the superbias step).
  const bias = options.superbias && (await readReferenceFloat(options.superbias, 'SCI', refContext, { shared: true, fileOrder: !irs2Rows }));
  const bigEndian = [...(thresh.fileOrder ? ['thresh'] : []), ...(bias?.fileOrder ? ['bias'] : [])];
  try {
    await flagSaturation(ramp, irs2Rows, thresh.data, satDq, bias?.data, params, context, bigEndian, dq?.stored);
  } finally {
    for (const array of [thresh.data, satDq, bias?.data]) if (array) releaseShared(array);
  }
  ramp.meta.refFiles[saturationKeywords.reference] = referenceName(reference);
  return (ramp.meta.calStep[saturationKeywords.status] = 'COMPLETE');
}

async function flagSaturation(
  ramp: RampModel,
  irs2Rows: ReturnType<typeof irs2NormalRows> | undefined,
  thresh: Float32Array,
  satDq: Uint32Array,
  bias: Float32Array | undefined,
  params: SaturationParams,
  context: StepContext,
  bigEndian: string[],
  storedDq: StoredDq | undefined,
): Promise<void> {
  if (irs2Rows) {
    saturationIrs2(ramp, irs2Rows, thresh, satDq, bias, { nPixGrowSat: params.nPixGrowSat, readPatternNframes: params.useReadpatt ? params.nframes : undefined }, context);
    return;
  }
  await runTiled(
    context.pool,
    'saturation',
    {
      data: ramp.data,
      groupdq: ramp.groupdq,
      pixeldq: ramp.pixeldq,
      zeroframe: ramp.meta.exposure.zeroFrame ? ramp.zeroframe : undefined,
      thresh,
      satDq,
      bias,
    },
    rampTileShape(ramp.shape),
    { signal: context.signal, params, halo: saturationHalo(params), bigEndian, storedDq: storedDq && { satDq: storedDq } },
  );
}
