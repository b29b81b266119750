/**
 * clean_flicker_noise `median_image` for TSO imaging (NRC_TSIMAGE, MIR_IMAGE with TSOVISIT):
 * jwst scales each integration's median image by the aperture sum `TSOPhotometryStep` measures
 * on the draft rateints (jwst `make_median_image`). Only that sum is needed here: the kernel
 * (`tsoApertureSums`) converts DN/s to electrons with GAIN and EFFINTTM, centroids the source
 * near XREF_SCI/YREF_SCI and sums an exact circular aperture, as tso_photometry does.
 *
 * jwst also assigns a WCS to the draft rateints first (assign_wcs); nothing used here reads it,
 * so its references are not needed. MIRI imaging's draft rateints also get the FLAT's DQ
 * (jwst's draft flat_field), which masks pixels of the photometry.
 */
import type { RampModel } from '../datamodels/index.js';
import { tsoApertureSums, type TsoPhotometryParams } from '../kernels/tso-photometry.js';
import { readReferenceFloat } from '../reffiles/index.js';
import type { FitsFile } from '../io/fits/index.js';
import { FlickerStepError } from './clean-flicker-noise-mask.js';

const STEP = 'clean_flicker_noise';

/**
 * TSOPhotometryStep's parameters that its aperture sum depends on (its spec defaults; CRDS
 * pars-tsophotometrystep may change them). The background annulus does not enter the sum.
 */
export interface TsoPhotometryOptions {
  radius: number;
  radius_inner: number;
  centroid_source: boolean;
  search_box_width: number;
  fit_box_width: number;
  moving_centroid: boolean;
}

export const tsoPhotometryDefaults: TsoPhotometryOptions = {
  radius: 3.0,
  radius_inner: 4.0,
  centroid_source: true,
  search_box_width: 41,
  fit_box_width: 11,
  moving_centroid: false,
};

/** What jwst reports as a ValueError of tso_photometry: the median image cannot be made (the step FAILS). */
export class TsoPhotometryInputError extends Error {
  override name = 'TsoPhotometryInputError';
}

/**
 * The aperture sum of each integration of the draft `rateints` (DN/s, with its DQ and, for
 * MIRI, the FLAT's DQ `flatDq` already ORed in by the caller).
 */
export async function tsoApertureFluxes(
  ramp: RampModel,
  rateints: { data: Float32Array; dq: Uint32Array },
  gainFile: FitsFile | undefined,
  refContext: Parameters<typeof readReferenceFloat>[2],
  options: Partial<TsoPhotometryOptions> = {},
): Promise<Float64Array> {
  const o = { ...tsoPhotometryDefaults, ...options };
  const [nints, , rows, cols] = ramp.shape;
  const reference = (key: string) => {
    const value = ramp.sciHeader.get(key);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new TsoPhotometryInputError(`${key} is missing`);
    return value;
  };
  const xcenter = reference('XREF_SCI') - 1;
  const ycenter = reference('YREF_SCI') - 1;
  // tso_photometry reads the integration times for its table; jwst stops without them.
  if (!ramp.intTimes || ramp.intTimes.nrows === 0) {
    throw new FlickerStepError(STEP, 'background_method', "'median_image' for a TSO imaging exposure runs tso_photometry, which needs the INT_TIMES table; the input has none");
  }
  const integrationTime = ramp.meta.exposure.integrationTime;
  if (integrationTime === undefined || !Number.isFinite(integrationTime)) {
    throw new FlickerStepError(STEP, 'background_method', "'median_image' for a TSO imaging exposure needs EFFINTTM (tso_photometry converts DN/s to electrons)");
  }
  if (!gainFile) throw new FlickerStepError(STEP, 'background_method', "'median_image' for a TSO imaging exposure needs the GAIN reference (tso_photometry)");
  const gain = (await readReferenceFloat(gainFile, 'SCI', refContext)).data;
  const params: TsoPhotometryParams = {
    integrationTime,
    xcenter,
    ycenter,
    radius: o.radius,
    radiusInner: o.radius_inner,
    centroidSource: o.centroid_source,
    searchBoxWidth: o.search_box_width,
    fitBoxWidth: o.fit_box_width,
    movingCentroid: o.moving_centroid,
    // NIRCam SUB64P with WLP8: the aperture exceeds the subarray; jwst sums it all.
    sumAll: (ramp.meta.instrument.pupil ?? '').toUpperCase() === 'WLP8' && (ramp.meta.subarray.name ?? '').toUpperCase() === 'SUB64P',
  };
  return tsoApertureSums({ data: rateints.data, dq: rateints.dq, gain }, { nints, rows, cols }, params);
}

/**
 * The parameters of TSOPhotometryStep's (e.g. checked CRDS pars-tsophotometrystep values) that
 * its aperture sum depends on; the others (save_catalog, radius_outer, ...) do not matter here.
 */
export function tsoPhotometryOptions(parameters: Record<string, unknown> | undefined): Partial<TsoPhotometryOptions> {
  const out: Partial<TsoPhotometryOptions> = {};
  for (const key of Object.keys(tsoPhotometryDefaults) as (keyof TsoPhotometryOptions)[]) {
    const value = parameters?.[key];
    if (typeof value === typeof tsoPhotometryDefaults[key]) Object.assign(out, { [key]: value });
  }
  return out;
}
