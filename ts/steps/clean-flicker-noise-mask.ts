/**
 * What clean_flicker_noise and picture_frame share (jwst `clean_flicker_noise.make_rate` and
 * `create_mask`): the draft rate of a ramp, fitted with ramp_fit's defaults as jwst's
 * `RampFitStep()` does, and the background ("scene") mask made from it.
 */
import { createCubeModel, createImageModel, derivedHeaders, type CubeModel, type ImageModel, type RampModel } from '../datamodels/index.js';
import type { FitsFile } from '../io/fits/index.js';
import { cleanFlickerSceneMask } from '../kernels/clean-flicker-noise.js';
import type { RampFitPool } from '../kernels/ramp-fit.js';
import { readReferenceFloat, scienceGeometry } from '../reffiles/index.js';
import { rampFitStep } from './ramp-fit.js';
import type { StepContext } from './step.js';

/**
 * A parameter value or an input that jwst handles with machinery we do not have (NIRSpec WCS,
 * photutils background models, histogram fits...), or an input jwst itself cannot process.
 * `parameter` names the step parameter to change when there is one.
 */
export class FlickerStepError extends Error {
  override name = 'FlickerStepError';
  constructor(
    readonly step: string,
    readonly parameter: string | undefined,
    message: string,
  ) {
    super(parameter ? `${step}: ${parameter}: ${message}` : `${step}: ${message}`);
  }
}

/** The GAIN and READNOISE references the draft rate needs (jwst's RampFitStep gets them from CRDS). */
export interface DraftRateReferences {
  gain?: FitsFile;
  readnoise?: FitsFile;
}

/**
 * jwst `make_rate`: ramp_fit with every parameter at its default on the ramp as it is (the ramp
 * is not modified); the rate image, or with `perIntegration` the rateints cube.
 */
export async function draftRate(step: string, ramp: RampModel, references: DraftRateReferences, context: StepContext, perIntegration: boolean): Promise<ImageModel | CubeModel> {
  if (!references.gain || !references.readnoise) {
    throw new FlickerStepError(step, undefined, `the draft rate needs GAIN and READNOISE references; ${references.gain ? 'READNOISE' : 'GAIN'} is missing`);
  }
  const refContext = { science: scienceGeometry(ramp.meta, ramp.shape, references.gain.source.name), instrument: ramp.meta.instrument.name };
  const gain = (await readReferenceFloat(references.gain, 'SCI', refContext)).data;
  const readnoise = (await readReferenceFloat(references.readnoise, 'SCI', refContext)).data;
  // A KernelPool runs the rampFit task too; RampFitPool is its narrower view.
  const pool = context.pool as RampFitPool | undefined;
  const fit = await rampFitStep(ramp, { gain, readnoise, pool, signal: context.signal });
  if (!fit.rate || !fit.rateints) throw new FlickerStepError(step, undefined, `no draft rate can be fitted (${fit.noProducts ?? 'no usable groups'})`);
  return perIntegration ? fit.rateints : fit.rate;
}

/**
 * jwst `create_mask` without science regions (the caller has already set those to 0 in
 * `initial`, or passes undefined for all ones): NaN or zero rates and sigma-clipped signal are
 * masked per plane (with `fitHistogram`, at levels from jwst's Gaussian fit to the histogram of
 * the rates); with `singleMask` the planes of a cube are AND-ed into one. 1 = background.
 */
export function sceneMask(rate: ImageModel | CubeModel, nSigma: number, singleMask: boolean, initial?: Uint8Array, fitHistogram = false): { mask: Uint8Array; planes: number } {
  const nplanes = rate.shape.length === 3 ? rate.shape[0] : 1;
  const rows = rate.shape[rate.shape.length - 2];
  const cols = rate.shape[rate.shape.length - 1];
  const mask = initial ?? new Uint8Array(rate.data.length).fill(1);
  cleanFlickerSceneMask(rate.data, mask, { nplanes, rows, cols }, nSigma, fitHistogram);
  if (!singleMask || nplanes === 1) return { mask, planes: nplanes };
  const plane = rows * cols;
  const single = mask.slice(0, plane);
  for (let p = 1; p < nplanes; p++) for (let k = 0; k < plane; k++) single[k] &= mask[p * plane + k];
  return { mask: single, planes: 1 };
}

/** jwst `make_intermediate_model` for a 2-D or 3-D float array: an ImageModel or CubeModel with the source's metadata. */
export function intermediateModel(source: Pick<RampModel, 'meta' | 'primary' | 'sciHeader'>, data: Float32Array, shape: [number, number] | [number, number, number]): ImageModel | CubeModel {
  const arrays = () => ({ err: new Float32Array(data.length), dq: new Uint32Array(data.length), varPoisson: new Float32Array(data.length), varRnoise: new Float32Array(data.length) });
  const base = { meta: structuredClone(source.meta), ...derivedHeaders(source), data };
  return shape.length === 2 ? createImageModel({ ...base, ...arrays(), shape }) : createCubeModel({ ...base, ...arrays(), shape });
}
