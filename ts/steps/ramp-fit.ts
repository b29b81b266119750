/**
 * The ramp_fit step (jwst `RampFitStep`, spec/steps/ramp_fitting.md): a RampModel in, the
 * `_rate` ImageModel, `_rateints` CubeModel and, with `saveOpt`, the `_fitopt`
 * RampFitOutputModel (OLS_C) or the `_likely_chisq` ImageModel (LIKELY) out. The numerics are
 * the `rampFit` kernel (ts/kernels/ramp-fit.ts). The step owns the parameters, the reference arrays it is given
 * (already cut to the subarray; CRDS selection comes later), metadata and status.
 *
 * Multiprocessing: stcal's row slices lose `suppress_one_group` (spec §2, multiprocessing
 * note); here bands of any height give bit-identical results with the single-process semantics.
 */
import {
  createCubeModel,
  createImageModel,
  createRampFitOutputModel,
  derivedHeaders,
  type CubeModel,
  type ImageModel,
  type RampFitOutputModel,
  type RampModel,
} from '../datamodels/index.js';
import type { Meta } from '../datamodels/meta.js';
import { RampFitPlanner } from '../kernels/ramp-fit-plan.js';
import { info, warn, type StepContext } from './step.js';
import {
  fitRampsParallel,
  LIKELY_MIN_NGROUPS,
  planRampFit,
  resolveAlgorithm,
  type FitOptArrays,
  type FitRampsParallelOptions,
  type NoProductsReason,
  type RampFitInput,
  type RampFitPool,
  type RampFitAlgorithm,
  type RampFitResult,
} from '../kernels/ramp-fit.js';

/** Raised for a step parameter jwst would reject. */
export class RampFitStepError extends Error {
  override name = 'RampFitStepError';
}

/**
 * OLS_C's exposure-wide planner for a pipeline that fits by row bands (it adds every
 * integration's GROUPDQ, then plans): the exposure's timing from `meta`, the step's options.
 */
export function rampFitPlanner(meta: Meta, options: Record<string, unknown>, frame: { ngroups: number; rows: number; cols: number }): RampFitPlanner {
  const exposure = meta.exposure;
  if (exposure.frameTime === undefined || exposure.groupTime === undefined || exposure.nframes === undefined || exposure.groupgap === undefined) {
    throw new RampFitStepError('ramp_fit: the input lacks TFRAME, TGROUP, NFRAMES or GROUPGAP');
  }
  return new RampFitPlanner(
    {
      frameTime: exposure.frameTime,
      groupTime: exposure.groupTime,
      nframes: exposure.nframes,
      groupgap: exposure.groupgap,
      dropFrames1: exposure.dropFrames1 ?? 0,
      suppressOneGroup: (options.suppressOneGroup as boolean | undefined) ?? true,
      firstgroup: options.firstgroup as number | undefined,
      lastgroup: options.lastgroup as number | undefined,
      saveOpt: (options.saveOpt as boolean | undefined) ?? false,
      instrument: meta.instrument.name,
    },
    frame,
  );
}

export interface RampFitStepOptions {
  /** GAIN reference `(ny, nx)`, e/DN, cut to the science subarray. */
  gain: Float32Array;
  /** READNOISE reference `(ny, nx)`, DN, cut to the science subarray. */
  readnoise: Float32Array;
  /** GAINFACT of the gain reference (`meta.exposure.gain_factor`), copied for gain_scale. */
  gainFactor?: number | null;
  /** 'OLS_C' (default) or 'LIKELY' (OLS_C below 4 groups, as jwst). */
  algorithm?: string;
  /** Also produce the fitopt RampFitOutputModel (OLS_C) or the chi-square image (LIKELY) (jwst `save_opt`, default false). */
  saveOpt?: boolean;
  /** jwst default true. */
  suppressOneGroup?: boolean;
  /** 0-based first group to use (jwst `firstgroup`); null = none. */
  firstgroup?: number | null;
  /** 0-based last group to use (jwst `lastgroup`); null = none. */
  lastgroup?: number | null;
  /**
   * jwst `maximum_cores` ('1' default; 'none', 'quarter', 'half', 'all' or an integer): the number
   * of worker threads, as stcal's `compute_num_cores` limits it by rows and cores.
   */
  maximumCores?: string | number;
  /** A pool to run the bands on; when absent and maximumCores asks for more than one, `createPool` is used. */
  pool?: RampFitPool;
  /** Creates a pool of `size` workers (e.g. `(size) => createNodePool({ size })`); destroyed after the step. */
  createPool?: (size: number) => Promise<RampFitPool & { destroy(): Promise<void> }>;
  /** Cores available, for 'quarter'/'half'/'all' (default: navigator.hardwareConcurrency or 1). */
  availableCores?: number;
  /** Upper bound on rows per band (memory of one task). */
  maxBandRows?: number;
  /**
   * With a pool: products in shared memory written by the workers in place (see
   * FitRampsParallelOptions.sharedOutputs: faster with 2+ workers, but may stay resident until
   * the process ends; for one-exposure processes such as the CLI). Default false.
   */
  sharedOutputs?: boolean;
  /** With `sharedOutputs`: memory the products may reuse (FitRampsParallelOptions.productMemory). */
  productMemory?: Float32Array;
  /** Each band of the products once final, during the fit (FitRampsParallelOptions.onBand). */
  onBand?: FitRampsParallelOptions['onBand'];
  signal?: AbortSignal;
  /** Receives the step's messages (StepContext's `log`). */
  log?: StepContext['log'];
}

export interface RampFitStepResult {
  /** `_rate`: null when stcal produces nothing (then the pipeline skips gain_scale). */
  rate: ImageModel | null;
  /** `_rateints`, also for NINTS = 1; null with rate. */
  rateints: CubeModel | null;
  /** `_fitopt` with `saveOpt` and OLS_C. */
  fitopt?: RampFitOutputModel;
  /**
   * `_likely_chisq` with `saveOpt` and LIKELY: chi-square of the fit in `data` (jwst writes only
   * SCI; ERR, DQ and the variances are zeros here).
   */
  likelyChisq?: ImageModel;
  /** Why there are no products, when there are none. */
  noProducts?: NoProductsReason;
}

/** stcal `compute_num_cores(max_cores, nrows, available)`. */
export function resolveMaximumCores(value: string | number | undefined, nrows: number, available: number): number {
  const text = String(value ?? '1').trim();
  let slices = 1;
  if (/^\d+$/.test(text)) slices = Number(text);
  else if (text.toLowerCase() === 'none' || text.toLowerCase() === 'one') slices = 1;
  else if (text === 'quarter') slices = Math.floor(available / 4) || 1;
  else if (text === 'half') slices = Math.floor(available / 2) || 1;
  else if (text === 'all') slices = available;
  return Math.max(1, Math.min(nrows, slices, available));
}

const IFU_TYPES = new Set(['NRS_IFU', 'MIR_MRS']);

function isIfu(meta: Meta): boolean {
  const type = meta.exposure.type?.toUpperCase();
  if (type && IFU_TYPES.has(type)) return true;
  return (type === 'NRS_AUTOWAVE' || type === 'NRS_LAMP') && meta.instrument.lampMode?.toUpperCase() === 'IFU';
}

function required(meta: Meta, field: 'frameTime' | 'groupTime' | 'nframes' | 'groupgap'): number {
  const value = meta.exposure[field];
  if (value === undefined) {
    const keyword = { frameTime: 'TFRAME', groupTime: 'TGROUP', nframes: 'NFRAMES', groupgap: 'GROUPGAP' }[field];
    throw new RampFitStepError(`ramp_fit: the input has no ${keyword} (meta.exposure.${field})`);
  }
  return value;
}

/**
 * Fits the ramps of `model` (OLS_C or LIKELY). The input model is not modified (jwst ORs the
 * jumps LIKELY finds into its groupdq; we never touch it).
 */
export async function rampFitStep(model: RampModel, options: RampFitStepOptions): Promise<RampFitStepResult> {
  let requested = (options.algorithm ?? 'OLS_C').toUpperCase() as RampFitAlgorithm;
  if (requested !== 'OLS_C' && requested !== 'LIKELY') {
    throw new RampFitStepError(`ramp_fit: algorithm must be 'OLS_C' or 'LIKELY', got '${options.algorithm}'`);
  }
  // jwst: explicit read times (an unevenly sampled exposure) switch the step to LIKELY, which
  // fits with them (and below LIKELY_MIN_NGROUPS groups falls back to OLS_C like any LIKELY run).
  const readTimes = model.meta.exposure.readTimes ?? [];
  if (readTimes.length > 0 && requested !== 'LIKELY') {
    warn({ log: options.log }, 'Setting the algorithm to LIKELY for unevenly sampled exposure');
    requested = 'LIKELY';
  }

  const [nints, ngroups, ny, nx] = model.shape;
  const shape = { nints, ngroups, rows: ny, cols: nx };
  const meta: Meta = structuredClone(model.meta);
  if (options.gainFactor !== undefined && options.gainFactor !== null) meta.exposure.gainFactor = options.gainFactor;

  const input: RampFitInput = {
    data: model.data,
    groupdq: model.groupdq,
    pixeldq: model.pixeldq,
    gain: options.gain,
    readnoise: options.readnoise,
    frameTime: required(meta, 'frameTime'),
    groupTime: required(meta, 'groupTime'),
    nframes: required(meta, 'nframes'),
    groupgap: required(meta, 'groupgap'),
    dropFrames1: meta.exposure.dropFrames1 ?? 0,
    zeroframe: model.zeroframe,
    averageDarkCurrent: model.avdrkcur,
    suppressOneGroup: options.suppressOneGroup ?? true,
    firstgroup: options.firstgroup ?? null,
    lastgroup: options.lastgroup ?? null,
    saveOpt: options.saveOpt ?? false,
    instrument: meta.instrument.name,
    algorithm: requested,
    readTimes,
  };
  // jwst: LIKELY below LIKELY_MIN_NGROUPS groups becomes OLS_C (and then save_opt means fitopt).
  const algorithm = resolveAlgorithm(input, ngroups);
  if (requested === 'LIKELY' && algorithm === 'OLS_C') {
    info(
      { log: options.log },
      `When selecting the LIKELY ramp fitting algorithm the ngroups needs to be a minimum of ${LIKELY_MIN_NGROUPS}, ` +
        `but ngroups = ${ngroups}.  Due to this, the ramp fitting algorithm is being changed to OLS_C`,
    );
  }

  const plan = planRampFit(input, shape);
  if ('noProducts' in plan) return { rate: null, rateints: null, noProducts: plan.noProducts };

  const available =
    options.availableCores ?? (typeof navigator !== 'undefined' ? navigator.hardwareConcurrency : undefined) ?? 1;
  const cores = resolveMaximumCores(options.maximumCores, ny, Math.max(1, available));
  let pool = options.pool;
  let owned: (RampFitPool & { destroy(): Promise<void> }) | undefined;
  if (!pool && cores > 1 && options.createPool) pool = owned = await options.createPool(cores);
  let result;
  try {
    result = await fitRampsParallel(pool, input, shape, {
      maxBandRows: options.maxBandRows,
      signal: options.signal,
      sharedOutputs: options.sharedOutputs,
      productMemory: options.productMemory,
      onBand: options.onBand,
    });
  } finally {
    await owned?.destroy();
  }
  if (!result) return { rate: null, rateints: null };

  const out = rampFitProducts(model, result, meta);
  if (algorithm === 'LIKELY' && input.saveOpt && result.chisq) {
    const plane = ny * nx;
    out.likelyChisq = createImageModel({
      shape: [ny, nx],
      data: result.chisq,
      dq: new Uint32Array(plane),
      err: new Float32Array(plane),
      varPoisson: new Float32Array(plane),
      varRnoise: new Float32Array(plane),
      meta: structuredClone(meta),
      ...derivedHeaders(model),
    });
  }
  return out;
}

/**
 * The rate/rateints (and fitopt) models of a fit of `model`; `meta` is the input's metadata (with
 * GAINFACT when the gain reference has one). Used by the step and by the pipeline's streamed fit.
 */
export function rampFitProducts(
  model: Pick<RampModel, 'shape' | 'primary' | 'sciHeader' | 'intTimes'>,
  result: RampFitResult,
  inputMeta: Meta,
  options: { rateintsStreamed?: boolean; rateStreamed?: boolean } = {},
): RampFitStepResult {
  const [nints, , ny, nx] = model.shape;
  // jwst builds fitopt from the input's metadata (GAINFACT included, no S_RAMP).
  const fitoptMeta = structuredClone(inputMeta);
  const meta = structuredClone(inputMeta);
  meta.calStep.RAMP = 'COMPLETE';
  const headers = () => derivedHeaders(model);
  const rateInit = {
    model: isIfu(meta) ? ('IFUImageModel' as const) : ('ImageModel' as const),
    shape: [ny, nx] as [number, number],
    data: result.rate.slope,
    dq: result.rate.dq,
    err: result.rate.err,
    varPoisson: result.rate.varPoisson,
    varRnoise: result.rate.varRnoise,
    meta: structuredClone(meta),
    ...headers(),
  };
  const rate: ImageModel = options.rateStreamed ? rateInit : createImageModel(rateInit);
  const rateintsInit = {
    shape: [nints, ny, nx] as [number, number, number],
    data: result.rateints.slope,
    dq: result.rateints.dq,
    err: result.rateints.err,
    varPoisson: result.rateints.varPoisson,
    varRnoise: result.rateints.varRnoise,
    intTimes: model.intTimes,
    meta: structuredClone(meta),
    ...headers(),
  };
  // Streamed: a skeleton with zero-length arrays (headers, shape and tables only), whose pixels
  // the caller kept elsewhere (a product written band by band).
  const rateints: CubeModel = options.rateintsStreamed ? { ...rateintsInit, model: 'CubeModel' } : createCubeModel(rateintsInit);
  const out: RampFitStepResult = { rate, rateints };
  if (result.fitopt) out.fitopt = fitoptModel(result.fitopt, { nints, rows: ny, cols: nx }, fitoptMeta, headers());
  return out;
}

/**
 * The RampFitOutputModel. A zero segment axis (no pixel had a segment) is padded to one plane
 * of zeros: our models, like stcal's multiprocess assembly, have at least one.
 */
function fitoptModel(
  f: FitOptArrays,
  shape: { nints: number; rows: number; cols: number },
  meta: Meta,
  headers: ReturnType<typeof derivedHeaders>,
): RampFitOutputModel {
  const plane = shape.rows * shape.cols;
  const maxSeg = Math.max(1, f.maxSeg);
  const pad = (a: Float32Array, planes: number) => (a.length === shape.nints * planes * plane ? a : new Float32Array(shape.nints * planes * plane));
  return createRampFitOutputModel({
    shape: [shape.nints, maxSeg, shape.rows, shape.cols],
    slope: pad(f.slope, maxSeg),
    sigslope: pad(f.sigslope, maxSeg),
    varPoisson: pad(f.varPoisson, maxSeg),
    varRnoise: pad(f.varRnoise, maxSeg),
    yint: pad(f.yint, maxSeg),
    sigyint: pad(f.sigyint, maxSeg),
    weights: pad(f.weights, maxSeg),
    pedestal: f.pedestal,
    crmag: pad(f.crmag, Math.max(1, f.maxCr)),
    maxCr: f.maxCr,
    meta,
    ...headers,
  });
}
