/**
 * gain_scale (spec/steps/gain_scale.md): rescale a rate or rateints product by GAINFACT, taken
 * from the product's metadata or else from the GAIN reference's header. No factor -> SKIPPED.
 */
import type { FitsFile } from '../io/fits/index.js';
import type { CubeModel, ImageModel } from '../datamodels/models.js';
import { runTiled } from '../pool/pool.js';
import { info, referenceName, type StepContext, type StepStatus } from './step.js';

/** FITS keyword suffixes this step records: `S_GANSCL`, `R_GAIN` (when the reference gave the factor). */
export const gainScaleKeywords = { status: 'GANSCL', reference: 'GAIN' } as const;

/**
 * The factor gain_scale applies to a product, with the product's keywords set as the step sets
 * them (`S_GANSCL`, `R_GAIN`, GAINFACT), or undefined when it is skipped. For products written
 * band by band, whose bands are then scaled with the `gainScale` kernel.
 */
export function gainScaleFactor(product: ImageModel | CubeModel, gain: FitsFile | undefined, context: StepContext = {}): number | undefined {
  let factor = product.meta.exposure.gainFactor;
  if (factor === undefined && gain) {
    factor = gain.primary.header.getNumber('GAINFACT');
    if (factor !== undefined) product.meta.refFiles[gainScaleKeywords.reference] = referenceName(gain);
  }
  if (factor === undefined) {
    info(context, 'gain_scale: GAINFACT not found; step skipped');
    product.meta.calStep[gainScaleKeywords.status] = 'SKIPPED';
    return undefined;
  }
  product.meta.exposure.gainFactor = factor;
  product.meta.calStep[gainScaleKeywords.status] = 'COMPLETE';
  return factor;
}

export async function gainScaleStep(product: ImageModel | CubeModel, gain: FitsFile | undefined, context: StepContext = {}): Promise<StepStatus> {
  const factor = gainScaleFactor(product, gain, context);
  if (factor === undefined) return 'SKIPPED';
  const [nints, rows, cols] = product.shape.length === 3 ? product.shape : [1, ...product.shape];
  // Empty variances (absent in the file) stay empty, as jwst skips them.
  const present = (array: Float32Array) => (array.length > 0 ? array : undefined);
  const arrays = { data: product.data, err: product.err, varPoisson: present(product.varPoisson), varRnoise: present(product.varRnoise) };
  await runTiled(context.pool, 'gainScale', arrays, { nints, ngroups: 1, rows, cols }, {
    signal: context.signal,
    params: { factor },
  });
  return 'COMPLETE';
}
