/**
 * The Detector1 data models (spec/datamodels.md §2-4): typed arrays with their numpy shapes,
 * typed metadata and the headers they came with. No I/O and no math here: see `fits-models.ts`
 * for reading and writing them.
 */
import { Header, type FitsTable } from '../io/fits/index.js';
import { emptyMeta, type Meta } from './meta.js';

/** Raised when a model is built from arrays that do not fit its shape. */
export class ModelShapeError extends Error {
  override name = 'ModelShapeError';
}

interface ModelBase {
  meta: Meta;
  /** Primary header as read (or built); `meta` is written over it on save. */
  primary: Header;
  /** SCI extension keywords other than the structural ones (BUNIT, WCS, times...). */
  sciHeader: Header;
}

/** `*_ramp.fits`, and the working model of every ramp step. */
export interface RampModel extends ModelBase {
  model: 'RampModel';
  /** `[nints, ngroups, ny, nx]` */
  shape: [number, number, number, number];
  data: Float32Array;
  pixeldq: Uint32Array;
  groupdq: Uint8Array;
  /** `[nints, ny, nx]`, present when the exposure has ZEROFRAME; 0 marks unusable values. */
  zeroframe?: Float32Array;
  /** MIRI reference output `[nints, ngroups, ny, nx/4]`, passed through. */
  refout?: Float32Array;
  /** Average dark current `[ny, nx]` (e-/s), set by dark_current. */
  avdrkcur?: Float32Array;
  group?: FitsTable;
  intTimes?: FitsTable;
}

/** `*_rate.fits`: slopes of a whole exposure. IFUImageModel has the same layout. */
export interface ImageModel extends ModelBase {
  model: 'ImageModel' | 'IFUImageModel';
  /** `[ny, nx]` */
  shape: [number, number];
  data: Float32Array;
  err: Float32Array;
  dq: Uint32Array;
  varPoisson: Float32Array;
  varRnoise: Float32Array;
}

/** `*_rateints.fits`: slopes per integration. */
export interface CubeModel extends ModelBase {
  model: 'CubeModel';
  /** `[nints, ny, nx]` */
  shape: [number, number, number];
  data: Float32Array;
  err: Float32Array;
  dq: Uint32Array;
  varPoisson: Float32Array;
  varRnoise: Float32Array;
  intTimes?: FitsTable;
}

/** `*_fitopt.fits`: per-segment fit results (ramp_fit `save_opt`). */
export interface RampFitOutputModel extends ModelBase {
  model: 'RampFitOutputModel';
  /** `[nints, maxSeg, ny, nx]` for the per-segment arrays */
  shape: [number, number, number, number];
  slope: Float32Array;
  sigslope: Float32Array;
  varPoisson: Float32Array;
  varRnoise: Float32Array;
  yint: Float32Array;
  sigyint: Float32Array;
  weights: Float32Array;
  /** `[nints, ny, nx]` */
  pedestal: Float32Array;
  /** `[nints, maxCr, ny, nx]` */
  crmag: Float32Array;
  maxCr: number;
}

export type DataModel = RampModel | ImageModel | CubeModel | RampFitOutputModel;

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

function checkDims(model: string, dims: readonly number[]): void {
  if (!dims.every((d) => Number.isSafeInteger(d) && d >= 1)) {
    throw new ModelShapeError(`${model}: shape [${dims.join(', ')}] must be positive integers`);
  }
}

function checkArray(model: string, name: string, array: ArrayLike<number> | undefined, dims: readonly number[]): void {
  if (array === undefined) return;
  const expected = product(dims);
  if (array.length !== expected) {
    throw new ModelShapeError(
      `${model}: ${name} has ${array.length} elements but shape [${dims.join(', ')}] needs ${expected}`,
    );
  }
}

type Init<M extends ModelBase> = Partial<ModelBase> & Omit<M, keyof ModelBase | 'model'>;

function base(init: Partial<ModelBase>): ModelBase {
  return { meta: init.meta ?? emptyMeta(), primary: init.primary ?? new Header(), sciHeader: init.sciHeader ?? new Header() };
}

export function createRampModel(init: Init<RampModel>): RampModel {
  const [nints, ngroups, ny, nx] = init.shape;
  checkDims('RampModel', init.shape);
  checkArray('RampModel', 'data', init.data, init.shape);
  checkArray('RampModel', 'pixeldq', init.pixeldq, [ny, nx]);
  checkArray('RampModel', 'groupdq', init.groupdq, init.shape);
  checkArray('RampModel', 'zeroframe', init.zeroframe, [nints, ny, nx]);
  checkArray('RampModel', 'refout', init.refout, [nints, ngroups, ny, nx / 4]);
  checkArray('RampModel', 'avdrkcur', init.avdrkcur, [ny, nx]);
  return { ...init, ...base(init), model: 'RampModel' };
}

export function createImageModel(init: Init<ImageModel> & { model?: ImageModel['model'] }): ImageModel {
  const model = init.model ?? 'ImageModel';
  checkDims(model, init.shape);
  for (const name of ['data', 'err', 'dq', 'varPoisson', 'varRnoise'] as const) checkArray(model, name, init[name], init.shape);
  return { ...init, ...base(init), model };
}

export function createCubeModel(init: Init<CubeModel>): CubeModel {
  checkDims('CubeModel', init.shape);
  for (const name of ['data', 'err', 'dq', 'varPoisson', 'varRnoise'] as const) {
    checkArray('CubeModel', name, init[name], init.shape);
  }
  return { ...init, ...base(init), model: 'CubeModel' };
}

export function createRampFitOutputModel(init: Init<RampFitOutputModel>): RampFitOutputModel {
  const [nints, , ny, nx] = init.shape;
  checkDims('RampFitOutputModel', init.shape);
  for (const name of ['slope', 'sigslope', 'varPoisson', 'varRnoise', 'yint', 'sigyint', 'weights'] as const) {
    checkArray('RampFitOutputModel', name, init[name], init.shape);
  }
  checkArray('RampFitOutputModel', 'pedestal', init.pedestal, [nints, ny, nx]);
  checkArray('RampFitOutputModel', 'crmag', init.crmag, [nints, Math.max(init.maxCr, 1), ny, nx]);
  return { ...init, ...base(init), model: 'RampFitOutputModel' };
}

/** Zero-filled RampModel arrays for a shape, as jwst creates them when opening an uncal file. */
export function emptyRampArrays(shape: RampModel['shape']): Pick<RampModel, 'data' | 'pixeldq' | 'groupdq'> {
  const [, , ny, nx] = shape;
  return { data: new Float32Array(product(shape)), pixeldq: new Uint32Array(ny * nx), groupdq: new Uint8Array(product(shape)) };
}
