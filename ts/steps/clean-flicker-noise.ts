/**
 * clean_flicker_noise (spec/steps/other.md §4; jwst 3.0 `CleanFlickerNoiseStep` on ramp input):
 * a draft rate from ramp_fit's defaults, a scene mask from it (or the user's), then every group
 * difference of every integration has its background level and its 1/f stripes (medians along
 * the readout rows, or the columns for MIRI) removed, the background put back, and the ramp is
 * rebuilt from the cleaned differences. docs/steps/clean_flicker_noise.md has the details.
 *
 * Implemented: `fit_method` 'median' (with `fit_by_channel`) and 'fft' (NSClean, NIRSpec; to
 * float32 precision, see crates/detector1-kernels/src/nsclean.rs), `background_method` 'median',
 * 'model' (photutils Background2D, crates/detector1-kernels/src/background2d.rs), 'median_image'
 * (scaled by draft rate medians, or for TSO imaging by tso_photometry's aperture sums:
 * clean-flicker-noise-tso.ts) and None, `background_box_size`, `n_sigma`,
 * `fit_histogram`, `single_mask`, `user_mask`, `apply_flat_field` (zero/NaN flat values filled
 * from the flat's Background2D model, as jwst does), `mask_science_regions` for NIRCam/NIRISS
 * imaging (where jwst masks nothing more) and MIRI imaging (from the FLAT's DQ, as jwst's draft
 * flat field does), `autoparam` for NRC_IMAGE/NIS_IMAGE, the three save products. What needs
 * jwst's stage 2 machinery (NIRSpec/SOSS science regions: assign_wcs, msaflagopen, PASTASOSS;
 * 'median_image' of TSO spectra, scaled by extracted spectra) raises a FlickerStepError
 * naming the parameter. Inputs jwst refuses (MIRI other than MIR_IMAGE, 'fft' outside NIRSpec,
 * 'median_image' with one integration) are FAILED with a warning, as jwst does.
 */
import { createRampModel, derivedHeaders, type CubeModel, type ImageModel, type RampModel } from '../datamodels/index.js';
import { pixel } from '../dq/flags.js';
import { bytesSource, FitsFile } from '../io/fits/index.js';
import { KernelError } from '../kernels/errors.js';
import {
  cleanFlickerAutoStatistics,
  cleanFlickerFillFlat,
  cleanFlickerFluxNorms,
  cleanFlickerIntegration,
  cleanFlickerIntegrationMedianImage,
  cleanFlickerMedianRamp,
  cleanFlickerRateNorms,
} from '../kernels/clean-flicker-noise.js';
import { readReferenceDq, readReferenceFloat, scienceGeometry } from '../reffiles/index.js';
import { tsoApertureFluxes, TsoPhotometryInputError, type TsoPhotometryOptions } from './clean-flicker-noise-tso.js';
import { draftRate, FlickerStepError, intermediateModel, sceneMask, type DraftRateReferences } from './clean-flicker-noise-mask.js';
import { info, referenceName, warn, type StepContext, type StepStatus } from './step.js';

export { FlickerStepError } from './clean-flicker-noise-mask.js';

/** FITS keyword suffix this step records: `S_CLNFNS`. */
export const cleanFlickerNoiseKeywords = { status: 'CLNFNS', flat: 'FLAT' } as const;

/** jwst 3.0.0 `CleanFlickerNoiseStep` parameters in camelCase. */
export interface CleanFlickerNoiseOptions {
  autoparam: boolean;
  fitMethod: 'median' | 'fft';
  fitByChannel: boolean;
  /** null (or the string 'None') = no background. */
  backgroundMethod: 'median' | 'model' | 'median_image' | null;
  backgroundBoxSize: [number, number] | null;
  maskScienceRegions: boolean;
  applyFlatField: boolean;
  nSigma: number;
  fitHistogram: boolean;
  singleMask: boolean;
  /** Path of a mask image (nonzero = background), read through `context.readBytes`. */
  userMask: string | null;
  saveMask: boolean;
  saveBackground: boolean;
  saveNoise: boolean;
}

/** jwst's defaults; `skip` is the class default the pipeline applies. */
export const cleanFlickerNoiseDefaults: Readonly<CleanFlickerNoiseOptions & { skip: boolean }> = Object.freeze({
  autoparam: false,
  fitMethod: 'median',
  fitByChannel: false,
  backgroundMethod: 'median',
  backgroundBoxSize: null,
  maskScienceRegions: false,
  applyFlatField: false,
  nSigma: 2.0,
  fitHistogram: false,
  singleMask: true,
  userMask: null,
  saveMask: false,
  saveBackground: false,
  saveNoise: false,
  skip: true,
});

export interface CleanFlickerNoiseReferences extends DraftRateReferences {
  /** FLAT: for `apply_flat_field`, and for MIRI imaging's science regions. */
  flat?: FitsFile;
}

export interface CleanFlickerNoiseResult {
  status: StepStatus;
  /** `_mask` (with `saveMask`): 1 = background, as float32 (jwst's boolean mask saved in a float model). */
  mask?: ImageModel | CubeModel;
  /** `_flicker_bkg` (with `saveBackground`): the background level of each cleaned group. */
  background?: RampModel;
  /** `_flicker_noise` (with `saveNoise`): output minus input. */
  noise?: RampModel;
}

const STEP = 'clean_flicker_noise';
const NIRSPEC_TYPES = new Set(['NRS_MSASPEC', 'NRS_IFU', 'NRS_FIXEDSLIT', 'NRS_BRIGHTOBJ']);
/** jwst's median_image scales these by extracted spectra (stage 2 steps). */
const MEDIAN_IMAGE_EXTRACTED = new Set(['NIS_SOSS', 'NRS_BRIGHTOBJ', 'NRC_TSGRISM']);

/** jwst's option strings: the string 'none' (any case) means None. */
function backgroundOf(value: CleanFlickerNoiseOptions['backgroundMethod'] | string | undefined): CleanFlickerNoiseOptions['backgroundMethod'] {
  if (value === undefined) return cleanFlickerNoiseDefaults.backgroundMethod;
  if (value === null || String(value).toLowerCase() === 'none') return null;
  if (value === 'median' || value === 'model' || value === 'median_image') return value;
  throw new FlickerStepError(STEP, 'background_method', `must be 'median', 'model', 'median_image' or None, got '${value}'`);
}

function failed(ramp: RampModel, context: StepContext, message: string): CleanFlickerNoiseResult {
  warn(context, `${STEP}: ${message}; step will be skipped`);
  ramp.meta.calStep[cleanFlickerNoiseKeywords.status] = 'FAILED';
  return { status: 'FAILED' };
}

/**
 * Cleans `ramp` in place (every integration at once: the draft rate spans them). Products
 * asked for are returned and, when `context.saveProduct` exists, written with jwst's suffixes.
 */
export async function cleanFlickerNoiseStep(
  ramp: RampModel,
  references: CleanFlickerNoiseReferences,
  context: StepContext = {},
  options: Partial<Omit<CleanFlickerNoiseOptions, 'backgroundMethod'>> & {
    backgroundMethod?: CleanFlickerNoiseOptions['backgroundMethod'] | string;
    /** TSOPhotometryStep's parameters for TSO imaging's median image (e.g. CRDS pars-tsophotometrystep); its defaults otherwise. */
    tsoPhotometry?: Partial<TsoPhotometryOptions>;
  } = {},
): Promise<CleanFlickerNoiseResult> {
  const o = { ...cleanFlickerNoiseDefaults, ...options, backgroundMethod: backgroundOf(options.backgroundMethod) };
  const [nints, ngroups, ny, nx] = ramp.shape;
  const plane = ny * nx;
  const meta = ramp.meta;
  const expType = (meta.exposure.type ?? '').toUpperCase();
  const subarray = (meta.subarray.name ?? '').toUpperCase();
  const isMiri = expType.startsWith('MIR');

  if (o.fitMethod !== 'median' && o.fitMethod !== 'fft') throw new FlickerStepError(STEP, 'fit_method', `must be 'median' or 'fft', got '${o.fitMethod}'`);
  if (o.autoparam) {
    if (expType === 'NRC_IMAGE' || expType === 'NIS_IMAGE') {
      Object.assign(o, await autoParameters(ramp, references, context, expType));
      info(context, `${STEP}: auto parameters set for ${expType}: apply_flat_field ${o.applyFlatField}, background_method ${o.backgroundMethod}, fit_by_channel ${o.fitByChannel}`);
    } else warn(context, `${STEP}: auto parameters are not available for exposure type ${expType}; using input parameters as provided`);
  }
  // jwst `_check_input`
  if (isMiri && expType !== 'MIR_IMAGE') return failed(ramp, context, `EXP_TYPE ${expType} is not supported`);
  if (o.fitMethod === 'fft' && !NIRSPEC_TYPES.has(expType)) return failed(ramp, context, `fit method 'fft' cannot be applied to exp_type ${expType}`);
  // jwst's Background2D boxes: the user's, or per axis the largest divisor of the size up to 32.
  const largestDivisor = (size: number) => [...Array(32).keys()].map((k) => 32 - k).find((d) => size % d === 0)!;
  // A size photutils refuses (below 1, above the image) makes jwst fall back to the median level, as the kernel does for 0.
  const boxSize: [number, number] = o.backgroundBoxSize ? [Math.max(0, o.backgroundBoxSize[0]), Math.max(0, o.backgroundBoxSize[1])] : [largestDivisor(ny), largestDivisor(nx)];
  if (o.backgroundMethod === 'model' && (ny % boxSize[0] !== 0 || nx % boxSize[1] !== 0)) {
    warn(context, `${STEP}: background box size [${boxSize.join(', ')}] does not divide evenly into the image shape (${ny}, ${nx})`);
  }
  if (o.maskScienceRegions && (expType.startsWith('NRS') || expType === 'NIS_SOSS')) {
    throw new FlickerStepError(STEP, 'mask_science_regions', `the science regions of ${expType} need assign_wcs/msaflagopen (NIRSpec) or PASTASOSS traces (SOSS), which are not implemented; set mask_science_regions=False`);
  }
  if (!Number.isFinite(o.nSigma)) throw new FlickerStepError(STEP, 'n_sigma', `must be a number, got ${o.nSigma}`);

  // jwst `_standardize_parameters`
  const slowaxis = meta.subarray.slowaxis;
  if (!isMiri && (slowaxis === undefined || ![1, 2].includes(Math.abs(slowaxis)))) {
    throw new FlickerStepError(STEP, undefined, `SLOWAXIS must be ±1 or ±2 for a near-IR exposure, got ${slowaxis}`);
  }
  const arrayAxis = (isMiri ? 0 : Math.abs(slowaxis!) - 1) as 0 | 1;
  let fitByChannel = o.fitByChannel;
  if (fitByChannel && (subarray !== 'FULL' || isMiri)) {
    warn(context, `${STEP}: fit by channel can only be used for full-frame NIR data; setting fit_by_channel to False`);
    fitByChannel = false;
  }
  const userMask = o.userMask === null || String(o.userMask).toLowerCase() === 'none' ? null : String(o.userMask);
  const medianImage = o.backgroundMethod === 'median_image';
  let singleMask = o.singleMask;
  if (medianImage && singleMask) {
    warn(context, `${STEP}: the median_image background method requires draft rateints files; setting single_mask to False`);
    singleMask = false;
  }
  if (medianImage && nints > 1 && MEDIAN_IMAGE_EXTRACTED.has(expType)) {
    throw new FlickerStepError(STEP, 'background_method', `'median_image' for ${expType} scales the median by extracted spectra (bkg_subtract, extract_2d, extract_1d, white_light), which are not implemented`);
  }
  // jwst scales these by tso_photometry's aperture sums (is_tso: TSOVISIT, or a TSO EXP_TYPE)
  const tsoImaging = expType === 'NRC_TSIMAGE' || (expType === 'MIR_IMAGE' && meta.visit.tsovisit === true);

  const refContext = { science: scienceGeometry(meta, ramp.shape, 'science'), instrument: meta.instrument.name, warn: (m: string) => warn(context, m) };
  let flat: Float32Array | undefined;
  if (o.applyFlatField) {
    if (!references.flat) warn(context, `${STEP}: flat correction is not available for exposure type ${expType} without a user-supplied flat`);
    else {
      flat = (await readReferenceFloat(references.flat, 'SCI', refContext)).data;
      // jwst fills zero and non-finite flat values from a photutils Background2D model of the flat.
      cleanFlickerFillFlat(flat, { rows: ny, cols: nx });
      meta.refFiles[cleanFlickerNoiseKeywords.flat] = referenceName(references.flat);
      info(context, `${STEP}: using FLAT reference file ${referenceName(references.flat)}`);
    }
  }

  // The scene mask: the user's, or from the draft rate.
  let mask: Uint8Array;
  let maskPlanes: number;
  let maskModel: ImageModel | CubeModel | undefined;
  // jwst's draft rate (rateints with median_image, which needs it even with a user mask)
  let rateints: { data: Float32Array; dq: Uint32Array } | undefined;
  if (userMask !== null && medianImage) {
    info(context, `${STEP}: creating draft rate file for the median image`);
    rateints = await draftRate(STEP, ramp, references, context, true);
    if (flat) for (let k = 0; k < rateints.data.length; k++) rateints.data[k] /= flat[k % plane];
  }
  if (userMask !== null) {
    const read = await readUserMask(userMask, context);
    mask = read.mask;
    maskPlanes = read.planes;
    if (o.saveMask) maskModel = intermediateModel(ramp, Float32Array.from(mask), read.planes === 1 ? [ny, nx] : [read.planes, ny, nx]);
  } else {
    info(context, `${STEP}: creating draft rate file for scene masking`);
    const rate = await draftRate(STEP, ramp, references, context, !singleMask);
    if (flat) for (let k = 0; k < rate.data.length; k++) rate.data[k] /= flat[k % plane];
    if (medianImage) rateints = rate;
    const initial = new Uint8Array(rate.data.length).fill(1);
    if (o.maskScienceRegions && expType === 'MIR_IMAGE') {
      const nonScience = await miriNonScience(rate.dq, references.flat, refContext, context);
      for (let k = 0; k < initial.length; k++) if (nonScience[k]) initial[k] = 0;
    }
    ({ mask, planes: maskPlanes } = sceneMask(rate, o.nSigma, singleMask, initial, o.fitHistogram));
    if (o.saveMask) maskModel = intermediateModel(rate, Float32Array.from(mask), maskPlanes === 1 ? [ny, nx] : [maskPlanes, ny, nx]);
  }
  if (mask.length !== maskPlanes * plane || (maskPlanes !== 1 && maskPlanes !== nints)) {
    return failed(ramp, context, 'mask does not match data shape');
  }
  if (maskPlanes === 1 && nints > 1) info(context, `${STEP}: data has multiple integrations, but mask is 2D: the same mask will be used for all integrations`);
  let median: { ramp: Float32Array; scales: Float32Array | Float64Array } | undefined;
  if (medianImage) {
    if (nints <= 1) return failed(ramp, context, `the median_image background method cannot be used with nints=${nints}`);
    try {
      let scales: Float32Array | Float64Array;
      if (tsoImaging) {
        info(context, `${STEP}: computing an approximate aperture flux for scaling (tso_photometry)`);
        // MIRI: jwst's draft flat_field ORs the FLAT's DQ into the draft rateints first
        const flatDq = isMiri ? await miriFlatDq(references.flat, refContext) : undefined;
        const dq = flatDq ? rateints!.dq.map((v, k) => v | flatDq[k % plane]) : rateints!.dq;
        scales = cleanFlickerFluxNorms(await tsoApertureFluxes(ramp, { data: rateints!.data, dq }, references.gain, refContext, o.tsoPhotometry));
      } else scales = cleanFlickerRateNorms(rateints!.data, { nints, plane });
      info(context, `${STEP}: making a scaled median image`);
      median = { ramp: cleanFlickerMedianRamp(ramp.data, { nints, ngroups, plane }), scales };
    } catch (error) {
      if (!(error instanceof KernelError) && !(error instanceof TsoPhotometryInputError)) throw error;
      return failed(ramp, context, `a median image could not be created (${(error as Error).message})`);
    }
  }

  // jwst keeps the input to restore it when an NSClean fit fails, and for save_noise.
  const input = o.saveNoise || o.fitMethod === 'fft' ? ramp.data.slice() : undefined;
  const fit =
    o.fitMethod === 'fft'
      ? { method: 'fft' as const, nrs2: (meta.instrument.detector ?? '').toUpperCase() === 'NRS2', allslits: subarray === 'ALLSLITS' }
      : { method: 'median' as const, arrayAxis, byChannel: fitByChannel };
  const background = o.saveBackground ? new Float32Array(ramp.data.length) : undefined;
  const samples = ngroups * plane;
  for (let i = 0; i < nints; i++) {
    context.signal?.throwIfAborted();
    const data = ramp.data.subarray(i * samples, (i + 1) * samples);
    const sceneMaskOfIntegration = mask.subarray((maskPlanes === 1 ? 0 : i) * plane, ((maskPlanes === 1 ? 0 : i) + 1) * plane);
    const groups = { ngroups, rows: ny, cols: nx };
    const integrationBackground = background?.subarray(i * samples, (i + 1) * samples);
    const report = median
      ? cleanFlickerIntegrationMedianImage(
          { data, medianRamp: median.ramp, sceneMask: sceneMaskOfIntegration, flat, background: integrationBackground },
          { value: median.scales[i], float64: median.scales instanceof Float64Array },
          groups,
          fit,
        )
      : cleanFlickerIntegration(
          { data, groupdq: ramp.groupdq.subarray(i * samples, (i + 1) * samples), sceneMask: sceneMaskOfIntegration, flat, background: integrationBackground },
          groups,
          {
            background: o.backgroundMethod === 'model' ? { method: 'model', boxSize } : { method: o.backgroundMethod === 'median' ? 'median' : 'none' },
            nSigma: o.nSigma,
            fit,
          },
        );
    for (const g of report.skippedGroups) warn(context, `${STEP}: no usable data in integration ${i + 1}, group ${g}; skipping correction for this image`);
    if (report.failedGroup !== undefined) {
      ramp.data.set(input!);
      return failed(ramp, context, `cleaning failed for integration ${i + 1}, group ${report.failedGroup} (no background pixels for NSClean, or a singular fit)`);
    }
  }
  meta.calStep[cleanFlickerNoiseKeywords.status] = 'COMPLETE';

  const result: CleanFlickerNoiseResult = { status: 'COMPLETE', mask: maskModel };
  const rampProduct = (data: Float32Array) =>
    createRampModel({
      meta: structuredClone(meta),
      ...derivedHeaders(ramp),
      shape: ramp.shape,
      data,
      groupdq: new Uint8Array(data.length),
      pixeldq: new Uint32Array(plane),
    });
  if (background) result.background = rampProduct(background);
  if (input && o.saveNoise) {
    for (let k = 0; k < input.length; k++) input[k] = ramp.data[k] - input[k];
    result.noise = rampProduct(input);
  }
  await saveProducts(context, [
    ['mask', result.mask],
    ['flicker_bkg', result.background],
    ['flicker_noise', result.noise],
  ]);
  return result;
}

/**
 * jwst `nircam_image_parameters` / `niriss_image_parameters`: `apply_flat_field` when a FLAT is
 * there; `background_method` and `fit_by_channel` from the statistics of a quick-cleaned,
 * flat-fielded draft rate (`cleanFlickerAutoStatistics`) through jwst's decision tree.
 */
async function autoParameters(
  ramp: RampModel,
  references: CleanFlickerNoiseReferences,
  context: StepContext,
  expType: 'NRC_IMAGE' | 'NIS_IMAGE',
): Promise<Pick<CleanFlickerNoiseOptions, 'applyFlatField' | 'backgroundMethod' | 'fitByChannel'>> {
  const [, , rows, cols] = ramp.shape;
  const slowaxis = Math.abs(ramp.meta.subarray.slowaxis ?? 0);
  if (slowaxis !== 1 && slowaxis !== 2) throw new FlickerStepError(STEP, 'autoparam', `SLOWAXIS must be ±1 or ±2, got ${ramp.meta.subarray.slowaxis}`);
  const rate = (await draftRate(STEP, ramp, references, context, false)).data;
  if (references.flat) {
    const refContext = { science: scienceGeometry(ramp.meta, ramp.shape, 'science'), instrument: ramp.meta.instrument.name, warn: (m: string) => warn(context, m) };
    const flat = (await readReferenceFloat(references.flat, 'SCI', refContext)).data;
    cleanFlickerFillFlat(flat, { rows, cols });
    for (let k = 0; k < rate.length; k++) rate[k] /= flat[k];
  }
  const niriss = expType === 'NIS_IMAGE';
  const stats = cleanFlickerAutoStatistics(rate, { rows, cols }, (slowaxis - 1) as 0 | 1, niriss);
  const limits = niriss
    ? { maskFraction: 0.07, maxOffsetHighMask: 0.07, maxSlopeLowOffset: 1e-5, maxSlopeHighOffset: 1e-4, slopeRatio: 5.0, channelSigma: 0.02 }
    : { maskFraction: 0.1, maxOffsetHighMask: 0.07, maxSlopeLowOffset: 1e-5, maxSlopeHighOffset: 1e-5, slopeRatio: 3.0, channelSigma: 0.02 };
  const highMask = stats.maskFraction >= limits.maskFraction;
  const highOffset = stats.maxOffset >= limits.maxOffsetHighMask;
  const highSlopeLowOffset = stats.maxSlope >= limits.maxSlopeLowOffset;
  const highSlopeHighOffset = stats.maxSlope >= limits.maxSlopeHighOffset;
  let backgroundMethod: 'median' | 'model' = 'median';
  let fitByChannel = false;
  if (!highMask && highOffset) fitByChannel = true;
  else if (highMask) backgroundMethod = (highOffset ? highSlopeHighOffset : highSlopeLowOffset) ? 'model' : 'median';
  else {
    if (highSlopeHighOffset) backgroundMethod = 'model';
    else if (highSlopeLowOffset) backgroundMethod = stats.slopeRatio >= limits.slopeRatio ? 'median' : 'model';
    fitByChannel = stats.maxOffset > 0 && stats.channelSigma >= limits.channelSigma;
  }
  return { applyFlatField: references.flat !== undefined, backgroundMethod, fitByChannel };
}

/** Writes the products that exist through `context.saveProduct` (a warning when it cannot). */
export async function saveProducts(context: StepContext, products: [string, RampModel | ImageModel | CubeModel | undefined][]): Promise<void> {
  for (const [suffix, model] of products) {
    if (!model) continue;
    if (context.saveProduct) await context.saveProduct(suffix, model);
    else warn(context, `the _${suffix} product was made but this caller cannot write files; it is returned only`);
  }
}

/** jwst: `datamodels.open(user_mask).data.astype(bool)`: nonzero (NaN included) = background. */
async function readUserMask(path: string, context: StepContext): Promise<{ mask: Uint8Array; planes: number }> {
  if (!context.readBytes) throw new FlickerStepError(STEP, 'user_mask', 'reading a user mask needs file access, which this caller does not give');
  const bytes = await context.readBytes(path);
  if (!bytes) throw new FlickerStepError(STEP, 'user_mask', `${path} does not exist`);
  const file = await FitsFile.open(bytesSource(bytes, path));
  try {
    const hdu = file.find('SCI');
    if (!hdu) throw new FlickerStepError(STEP, 'user_mask', `${path} has no SCI extension`);
    const { data, shape } = await file.readImage(hdu, { as: 'float32' });
    const mask = Uint8Array.from(data as Float32Array, (v) => (v !== 0 ? 1 : 0));
    return { mask, planes: shape.length === 3 ? shape[0] : shape.length === 2 ? 1 : -1 };
  } finally {
    await file.close();
  }
}

/**
 * The DQ jwst's draft flat_field adds to a MIRI imaging draft rate (`post_process_rate` with
 * `flat_dq`): the FLAT's DQ, with DO_NOT_USE and NO_FLAT_FIELD where the flat is NaN or 0 and
 * DO_NOT_USE wherever NO_FLAT_FIELD is set; a plane, or undefined without a FLAT (flat_field is
 * then skipped and adds nothing).
 */
async function miriFlatDq(flatFile: FitsFile | undefined, refContext: Parameters<typeof readReferenceFloat>[2]): Promise<Uint32Array | undefined> {
  if (!flatFile) return undefined;
  const plane = refContext.science.xsize * refContext.science.ysize;
  const values = (await readReferenceFloat(flatFile, 'SCI', refContext)).data;
  const flatDq = (await readReferenceDq(flatFile, refContext)).data;
  for (let k = 0; k < plane; k++) {
    if (Number.isNaN(values[k]) || values[k] === 0) flatDq[k] |= pixel.DO_NOT_USE | pixel.NO_FLAT_FIELD;
    if (flatDq[k] & pixel.NO_FLAT_FIELD) flatDq[k] |= pixel.DO_NOT_USE;
  }
  return flatDq;
}

/** jwst `create_mask` for MIRI imaging science regions: 1 where the rate DQ with the flat's has DO_NOT_USE or NON_SCIENCE. */
async function miriNonScience(rateDq: Uint32Array, flatFile: FitsFile | undefined, refContext: Parameters<typeof readReferenceFloat>[2], context: StepContext): Promise<Uint8Array> {
  const plane = refContext.science.xsize * refContext.science.ysize;
  const wanted = pixel.DO_NOT_USE | pixel.NON_SCIENCE;
  const out = new Uint8Array(rateDq.length);
  const flatDq = await miriFlatDq(flatFile, refContext);
  if (!flatDq) warn(context, `${STEP}: no FLAT reference: the MIRI non-science regions come from the draft rate's DQ only`);
  for (let k = 0; k < rateDq.length; k++) {
    if (((rateDq[k] | (flatDq?.[k % plane] ?? 0)) & wanted) !== 0) out[k] = 1;
  }
  return out;
}
