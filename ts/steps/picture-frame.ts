/**
 * picture_frame (spec/steps/other.md §5; jwst 3.0 `PictureFrameStep` on ramp input): NIRSpec
 * full-frame thermal "picture frame". From a draft rate (ramp_fit defaults) a background mask
 * is made (NaN/zero rates and sigma-clipped signal out); in each group minus group 0, the
 * median background in the centre (rows and columns 76..1983) and along the frame edges (4..74
 * and 1985..2042 on each side, reference pixels excluded) scale and offset the PICTUREFRAME
 * image, which is then subtracted. docs/steps/picture_frame.md has the details.
 *
 * `mask_science_regions` (jwst default True) needs NIRSpec's WCS (assign_wcs, msaflagopen) to
 * mask slits, IFU slices and failed-open shutters; we do not have it, so True raises a
 * FlickerStepError naming the parameter: run with mask_science_regions=False.
 */
import { createRampModel, derivedHeaders, type RampModel } from '../datamodels/index.js';
import type { FitsFile } from '../io/fits/index.js';
import { pictureFrameIntegration } from '../kernels/clean-flicker-noise.js';
import { readReferenceFloat, scienceGeometry } from '../reffiles/index.js';
import { draftRate, FlickerStepError, intermediateModel, sceneMask, type DraftRateReferences } from './clean-flicker-noise-mask.js';
import { saveProducts } from './clean-flicker-noise.js';
import { info, referenceName, warn, type StepContext, type StepStatus } from './step.js';

/** FITS keyword suffix this step records: `S_PCTFRM` (the schema has no FITS keyword for the reference). */
export const pictureFrameKeywords = { status: 'PCTFRM' } as const;

/** jwst 3.0.0 `PictureFrameStep` parameters in camelCase. */
export interface PictureFrameOptions {
  maskScienceRegions: boolean;
  nSigma: number;
  saveMask: boolean;
  saveCorrection: boolean;
}

export const pictureFrameDefaults: Readonly<PictureFrameOptions & { skip: boolean }> = Object.freeze({
  maskScienceRegions: true,
  nSigma: 2.0,
  saveMask: false,
  saveCorrection: false,
  skip: true,
});

export interface PictureFrameReferences extends DraftRateReferences {
  pictureframe?: FitsFile;
}

export interface PictureFrameResult {
  status: StepStatus;
  /** `_pctfrm_mask` (with `saveMask`): the background mask, float32 1/0. */
  mask?: ReturnType<typeof intermediateModel>;
  /** `_pctfrm_correction` (with `saveCorrection`): output minus input. */
  correction?: RampModel;
}

const STEP = 'picture_frame';
/** jwst's regions, [start, stop) in both axes. */
const LOWER_EDGE = [4, 75] as const;
const UPPER_EDGE = [1985, 2043] as const;
const CENTRE = [76, 1984] as const;

/** jwst `_region_masks`: background pixels of the centre square and of the edge frame. */
export function pictureFrameRegions(background: Uint8Array, rows: number, cols: number): { centre: Uint8Array; edge: Uint8Array } {
  const centre = new Uint8Array(rows * cols);
  const edge = new Uint8Array(rows * cols);
  const inRange = (v: number, [lo, hi]: readonly [number, number]) => v >= lo && v < hi;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const k = y * cols + x;
      if (!background[k]) continue;
      if (inRange(y, CENTRE) && inRange(x, CENTRE)) centre[k] = 1;
      const outside = y < LOWER_EDGE[0] || y >= UPPER_EDGE[1] || x < LOWER_EDGE[0] || x >= UPPER_EDGE[1];
      const band = inRange(y, LOWER_EDGE) || inRange(y, UPPER_EDGE) || inRange(x, LOWER_EDGE) || inRange(x, UPPER_EDGE);
      if (band && !outside) edge[k] = 1;
    }
  }
  return { centre, edge };
}

function skipped(ramp: RampModel, context: StepContext, message: string): PictureFrameResult {
  warn(context, `${STEP}: ${message}; processing will be skipped`);
  ramp.meta.calStep[pictureFrameKeywords.status] = 'SKIPPED';
  return { status: 'SKIPPED' };
}

/** Corrects `ramp` in place (the draft rate spans every integration). */
export async function pictureFrameStep(
  ramp: RampModel,
  references: PictureFrameReferences,
  context: StepContext = {},
  options: Partial<PictureFrameOptions> = {},
): Promise<PictureFrameResult> {
  const o = { ...pictureFrameDefaults, ...options };
  const [nints, ngroups, ny, nx] = ramp.shape;
  const plane = ny * nx;
  const meta = ramp.meta;
  if (!references.pictureframe) {
    return skipped(ramp, context, `picture frame correction is not available for exposure type ${meta.exposure.type}`);
  }
  const instrument = (meta.instrument.name ?? '').toUpperCase();
  const subarray = (meta.subarray.name ?? '').toUpperCase();
  if (instrument !== 'NIRSPEC' || subarray !== 'FULL') return skipped(ramp, context, 'picture frame correction is only applicable to NIRSpec full frame exposures');
  if (ngroups === 1) return skipped(ramp, context, 'picture frame correction cannot be performed for single-group data');
  if (o.maskScienceRegions) {
    throw new FlickerStepError(STEP, 'mask_science_regions', 'masking NIRSpec science regions needs assign_wcs and msaflagopen, which are not implemented; set mask_science_regions=False');
  }
  if (!Number.isFinite(o.nSigma)) throw new FlickerStepError(STEP, 'n_sigma', `must be a number, got ${o.nSigma}`);
  const refName = referenceName(references.pictureframe);
  info(context, `${STEP}: using PICTUREFRAME reference file ${refName}`);
  const refContext = { science: scienceGeometry(meta, ramp.shape, 'science'), instrument: meta.instrument.name, warn: (m: string) => warn(context, m) };
  const reference = (await readReferenceFloat(references.pictureframe, 'SCI', refContext)).data;

  const rate = await draftRate(STEP, ramp, references, context, false);
  const { mask } = sceneMask(rate, o.nSigma, true);
  const result: PictureFrameResult = { status: 'SKIPPED' };
  if (o.saveMask) result.mask = intermediateModel(rate, Float32Array.from(mask), [ny, nx]);
  const { centre, edge } = pictureFrameRegions(mask, ny, nx);
  if (!centre.includes(1) || !edge.includes(1)) {
    warn(context, `${STEP}: no data to scale; skipping picture frame correction`);
    meta.calStep[pictureFrameKeywords.status] = 'SKIPPED';
    await saveProducts(context, [['pctfrm_mask', result.mask]]);
    return result;
  }
  const input = o.saveCorrection ? ramp.data.slice() : undefined;
  const samples = ngroups * plane;
  for (let i = 0; i < nints; i++) {
    context.signal?.throwIfAborted();
    pictureFrameIntegration(ramp.data.subarray(i * samples, (i + 1) * samples), { ngroups, plane }, { reference, centre, edge });
  }
  meta.calStep[pictureFrameKeywords.status] = 'COMPLETE';
  result.status = 'COMPLETE';
  if (input) {
    for (let k = 0; k < input.length; k++) input[k] = ramp.data[k] - input[k];
    result.correction = createRampModel({
      meta: structuredClone(meta),
      ...derivedHeaders(ramp),
      shape: ramp.shape,
      data: input,
      groupdq: new Uint8Array(input.length),
      pixeldq: new Uint32Array(plane),
    });
  }
  await saveProducts(context, [
    ['pctfrm_mask', result.mask],
    ['pctfrm_correction', result.correction],
  ]);
  return result;
}
