/**
 * `_rate` and `_rateints` written band by band as ramp fitting finishes each band (a whole run),
 * so that writing them overlaps the fit instead of following it. The files are laid out from
 * skeletons, the products but for their arrays, made before the fit as the fit makes the
 * products; at the end they must agree with the final products, else the caller writes those whole.
 */
import { modelHdus } from '../datamodels/fits-models.js';
import type { Meta } from '../datamodels/meta.js';
import type { CubeModel, ImageModel, RampModel } from '../datamodels/models.js';
import type { FitsFile } from '../io/fits/index.js';
import { encodeHdu } from '../io/fits/writer.js';
import type { RateArrays } from '../kernels/ramp-fit.js';
import { gainScaleFactor, gainScaleKeywords } from '../steps/gain-scale.js';
import { rampFitProducts } from '../steps/ramp-fit.js';
import type { StepContext } from '../steps/step.js';
import type { ProductRowsWriter, RateintsRows } from './spill.js';

type Suffix = 'rate' | 'rateints';
type Product = ImageModel | CubeModel;

export class ProductStream {
  /** Both writers, opened on the first band (a fit without products opens none). */
  private writers?: Promise<ProductRowsWriter[]>;
  private committed = false;

  constructor(
    private readonly skeletons: { rate: ImageModel; rateints: CubeModel },
    private readonly open: (suffix: Suffix, skeleton: Product) => Promise<ProductRowsWriter>,
  ) {}

  /**
   * Rows `[row0, row0 + rows)` of every array of the products, final: `products` are whole
   * (`frame`: FitRampsParallelOptions.onBand) or hold these rows only (`band`), integration after
   * integration.
   */
  async writeBand(band: { row0: number; rows: number }, products: { rate: RateArrays; rateints: RateArrays }, holding: 'frame' | 'band'): Promise<void> {
    const [rateWriter, rateintsWriter] = await (this.writers ??= this.openBoth());
    const [nints, rows, cols] = this.skeletons.rateints.shape;
    const length = band.rows * cols;
    const [plane, first] = holding === 'frame' ? [rows * cols, band.row0 * cols] : [length, 0];
    const rowsOf = (arrays: RateArrays, integration: number): RateintsRows => {
      const start = integration * plane + first;
      const part = <T extends Float32Array | Uint32Array>(array: T) => array.subarray(start, start + length) as T;
      return { data: part(arrays.slope), err: part(arrays.err), dq: part(arrays.dq), varPoisson: part(arrays.varPoisson), varRnoise: part(arrays.varRnoise) };
    };
    // All at once: the writers encode them in turn, and small bands' writes overlap.
    const writes = [rateWriter.writeRows(0, band.row0, rowsOf(products.rate, 0))];
    for (let i = 0; i < nints; i++) writes.push(rateintsWriter.writeRows(i, band.row0, rowsOf(products.rateints, i)));
    const failed = (await Promise.allSettled(writes)).find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Completes both files when the final products make the files the skeletons laid out (but for
   * the pixels written since): true. Otherwise both are discarded, and false says to write the
   * products whole.
   */
  async commit(rate: ImageModel, rateints: CubeModel): Promise<boolean> {
    if (!this.writers) return false;
    const writers = await this.writers;
    if (!sameFileBesidesPixels(this.skeletons.rate, rate) || !sameFileBesidesPixels(this.skeletons.rateints, rateints)) {
      await this.abort();
      return false;
    }
    for (const writer of writers) await writer.commit();
    this.committed = true;
    return true;
  }

  /** Discards whatever was written (nothing once committed). */
  async abort(): Promise<void> {
    if (this.committed) return;
    const writers = await this.writers?.catch(() => []);
    for (const writer of writers ?? []) await writer.abort();
  }

  private async openBoth(): Promise<ProductRowsWriter[]> {
    const rate = await this.open('rate', this.skeletons.rate);
    try {
      return [rate, await this.open('rateints', this.skeletons.rateints)];
    } catch (error) {
      await rate.abort();
      throw error;
    }
  }
}

/**
 * `_rate` and `_rateints` as ramp fitting and gain_scale make them, but for their arrays (empty):
 * what their files are laid out from before the fit. `gainFactor` is GAINFACT of ramp fitting's
 * GAIN; `gainScale` gives gain_scale's reference, absent when the step is skipped; `log` takes
 * gain_scale's message for `_rate`; `recordNames` rewrites `R_*` as the pipeline records them.
 * `factor` is what gain_scale will scale the products by (undefined: skipped).
 */
export async function productSkeletons(
  ramp: Pick<RampModel, 'shape' | 'primary' | 'sciHeader' | 'intTimes'>,
  meta: Meta,
  gainFactor: number | undefined,
  gainScale: (() => Promise<FitsFile | undefined>) | undefined,
  log: StepContext,
  recordNames: (meta: Meta) => void,
): Promise<{ rate: ImageModel; rateints: CubeModel; factor: number | undefined }> {
  // The metadata ramp fitting gives its products.
  const fitMeta = structuredClone(meta);
  if (gainFactor !== undefined) fitMeta.exposure.gainFactor = gainFactor;
  const none = () => ({ slope: new Float32Array(0), dq: new Uint32Array(0), varPoisson: new Float32Array(0), varRnoise: new Float32Array(0), err: new Float32Array(0) });
  const products = rampFitProducts(ramp, { rate: none(), rateints: none() }, fitMeta, { rateStreamed: true, rateintsStreamed: true });
  const rate = products.rate!;
  const rateints = products.rateints!;
  let factor: number | undefined;
  if (!gainScale) {
    rate.meta.calStep[gainScaleKeywords.status] = rateints.meta.calStep[gainScaleKeywords.status] = 'SKIPPED';
  } else {
    const file = await gainScale();
    factor = gainScaleFactor(rate, file, log);
    gainScaleFactor(rateints, file);
  }
  recordNames(rate.meta);
  recordNames(rateints.meta);
  return { rate, rateints, factor };
}

/** Whether two products give the same HDUs (headers, shapes, tables) but for image pixels. */
function sameFileBesidesPixels(a: Product, b: Product): boolean {
  const options = { fileName: 'product.fits', date: new Date(0) };
  const [first, second] = [modelHdus(a, options), modelHdus(b, options)];
  if (first.length !== second.length) return false;
  return first.every((hdu, index) => {
    const other = second[index];
    if (hdu.kind !== other.kind) return false;
    if (hdu.kind === 'image' && other.kind === 'image') {
      // (a skeleton's arrays are empty: its images must give their shapes)
      const shape = (image: typeof hdu) => (image.shape ?? (image.data ? [image.data.length] : [])).join();
      return sameBytes([hdu.header.toBytes()], [other.header.toBytes()]) && shape(hdu) === shape(other);
    }
    return sameBytes(encodeHdu(hdu, index, false, 'product'), encodeHdu(other, index, false, 'product'));
  });
}

/** The same chunks (encodeHdu cuts the same HDU the same way). */
function sameBytes(a: Uint8Array[], b: Uint8Array[]): boolean {
  return a.length === b.length && a.every((chunk, k) => chunk.length === b[k].length && chunk.every((byte, i) => byte === b[k][i]));
}
