/**
 * jwst's Detector1Pipeline (spec/pipeline.md): the near-IR or MIRI step order, skip rules, `S_*`
 * and `R_*` keywords, `_ramp`, `_rate` and `_rateints`. I/O-free: the input is a RampReader, the
 * references come from a callback, the corrected integrations wait in a SpillStore.
 *
 * Memory stays near one integration whatever NINTS is: the exposure goes through in slices of
 * integrations (one by default) in three passes —
 *   A. read the slice, run every step before jump, spill it;
 *   B. jump and the steps after it, spill again (PIXELDQ is the OR over the slices of pass A, so
 *      each slice sees the exposure's flags);
 *   C. ramp fitting: the exposure-wide decisions from every integration's GROUPDQ, then row
 *      bands of every integration (the median rate spans integrations) on the worker pool.
 * Saving a step's own product (`steps.<step>.save_results`) needs the whole exposure after that
 * step, and LIKELY, emicorr and MIRI showers work on whole exposures, so those runs use one slice
 * of every integration. Snowballs run after the jump bands, one integration at a time.
 */
import type { FitsFile, FitsTable } from '../io/fits/index.js';
import type { Header } from '../io/fits/index.js';
import { createRampModel, type CubeModel, type ImageModel, type RampFitOutputModel, type RampModel } from '../datamodels/models.js';
import type { Meta } from '../datamodels/meta.js';
import type { RampReader } from '../datamodels/fits-models.js';
import { BandMerger, rampFitTile, taskResult, type RampFitPool, type RampFitResult, type RateArrays } from '../kernels/ramp-fit.js';
import { pasteBand, planRowBands } from '../pool/plan.js';
import { allocShared, orInto, releaseShared, sharedCopy, sharedMemoryAvailable, type TileShape } from '../kernels/arrays.js';
import { readReferenceFloat, scienceGeometry } from '../reffiles/index.js';
import { gainScaleStep } from '../steps/gain-scale.js';
import { runTiled } from '../pool/pool.js';
import { afterJumpFlagging, allDoNotUsePlanes, jumpKeywords, nanMedianF32, jumpLargeEvents, jumpStep, type JumpCarry } from '../steps/jump.js';
import { rampFitPlanner, rampFitProducts, rampFitStep } from '../steps/ramp-fit.js';
import { clearSliceCache, referenceName, warn, type StepContext } from '../steps/step.js';
import { GAIN_SCALE, PERSISTENCE_ARRAY, RAMP_FIT, RAMP_STEPS, rampStepOrder, stepDefinition, stepOptions, type StepCarry, type StepParameters, type StepReferences } from './ramp-steps.js';
import type { ParameterValue } from './parameters.js';
import type { CalledStepClass } from './step-specs.js';
import { emicorrKeywords, type EmicorrReference } from '../steps/emicorr.js';
import { dqInitKeywords } from '../steps/dq-init.js';
import { saturationKeywords } from '../steps/saturation.js';
import { superbiasKeywords } from '../steps/superbias.js';
import { linearityKeywords } from '../steps/linearity.js';
import { darkCurrentKeywords } from '../steps/dark-current.js';
import { ipcKeywords } from '../steps/ipc.js';
import { resetKeywords } from '../steps/reset.js';
import { rscdKeywords } from '../steps/rscd.js';
import { refpixKeywords } from '../steps/refpix.js';
import { isIrs2 } from '../steps/ipc.js';
import { persistenceArrayEntry, type PersistenceState } from '../steps/persistence.js';
import { decodePersistenceArrayFile, updatePersistenceArrayFile } from '../datamodels/persistence-array.js';
import { bandArray, bandOutputs, releaseBandBuffers, type BandBuffers } from './band-buffers.js';
import { BandedFallback, bandedObstacle, runBanded } from './banded.js';
import { productSkeletons, ProductStream } from './product-stream.js';
import { planeRows, RATEINTS_KEYS, type ProductRowsWriter, type RateintsRows, type RateintsStore, type SpillShape, type SpillStore } from './spill.js';

/** Parameters by jwst name (resolveDetector1Parameters gives them all; missing ones take the steps' defaults): `{ pipeline: { save_calibrated_ramp }, steps: { jump: { rejection_threshold } } }`. */
export interface Detector1ParameterInput {
  pipeline?: Readonly<Record<string, unknown>>;
  steps?: Readonly<Record<string, StepParameters | undefined>>;
}

export interface Detector1Progress {
  step: string;
  /** 0-based integration of the slice that starts, when the step runs slice by slice. */
  integration: number;
  nints: number;
}

export interface Detector1Io {
  /**
   * The reference file of a type for this exposure, or undefined when there is none (CRDS N/A).
   * `override` is the step's `override_<reftype>` parameter when set. Called once per type.
   */
  reference(reftype: string, override: string | undefined): Promise<FitsFile | undefined>;
  /** The same for references that are not FITS files (EMICORR is ASDF): name and bytes. */
  referenceBytes(reftype: string, override: string | undefined): Promise<EmicorrReference | undefined>;
  /**
   * CRDS parameters (`pars-<class>`) of a step that a Detector1 step calls itself
   * (clean_flicker_noise's TSOPhotometryStep), undefined for none; without it, that step's defaults.
   */
  calledStepParameters?(className: CalledStepClass): Promise<Record<string, ParameterValue> | undefined>;
  /**
   * What `R_*` records for a reference type once it has been looked up, when that is not the
   * file's base name: jwst writes `crds://<file>` for references CRDS chose.
   */
  recordedName?(reftype: string): string | undefined;
  /** A store for the corrected integrations of this exposure. */
  spill(shape: SpillShape, hasZeroframe: boolean): Promise<SpillStore>;
  /** Writes a product named by its suffix (`rate`, `rateints`, `fitopt`, `jump`, ...). */
  save(suffix: string, model: RampModel | ImageModel | CubeModel | RampFitOutputModel): Promise<void>;
  /** A file's bytes, or undefined when it does not exist (persistence_array_file). */
  readBytes?(path: string): Promise<Uint8Array | undefined>;
  /** Writes a side file (save_persistence). */
  writeBytes?(path: string, bytes: Uint8Array): Promise<void>;
  /** Writes the `_ramp` product integration by integration (`save_calibrated_ramp`). */
  saveRamp(header: RampModelHeader, integration: (i: number) => Promise<RampIntegration>): Promise<void>;
  /**
   * Optional, both or neither: a store where `_rateints` waits band by band when the exposure is
   * fitted by row bands of every integration, and the writer of the product from it (the model
   * has zero-length arrays; `plane(i, key)` gives integration i's array). With them, `_rateints` never sits
   * whole in memory and the result's `rateints` is null (`rateintsSaved` says it was written).
   */
  rateintsStore?(shape: { nints: number; rows: number; cols: number }): Promise<RateintsStore>;
  saveRateints?(skeleton: CubeModel, plane: <K extends keyof RateintsRows>(i: number, key: K) => Promise<RateintsRows[K]>): Promise<void>;
  /**
   * A writer of `_rate` or `_rateints` that takes row bands in any order (the skeleton is the
   * final model with zero-length arrays); the product counts as saved once `commit` resolves.
   * Banded runs write through it, and so do whole runs as ramp fitting finishes each band
   * (ProductStream).
   */
  productWriter?(suffix: 'rate' | 'rateints', skeleton: ImageModel | CubeModel): Promise<ProductRowsWriter>;
}

/** A RampModel without its per-integration arrays: what `_ramp`'s headers and small arrays need. */
export type RampModelHeader = Omit<RampModel, 'data' | 'groupdq' | 'zeroframe' | 'refout'> & { hasZeroframe: boolean; hasRefout: boolean };

/** One integration of `_ramp`'s per-integration arrays. */
export interface RampIntegration {
  data: Float32Array;
  groupdq: Uint8Array;
  zeroframe?: Float32Array;
  refout?: Float32Array;
}

export interface Detector1Options {
  io: Detector1Io;
  parameters?: Detector1ParameterInput;
  context?: StepContext;
  /** Worker pool for ramp fitting (the step kernels use `context.pool`). */
  rampFitPool?: RampFitPool;
  /**
   * A ramp fit of the whole exposure at once writes `_rate`/`_rateints` from the workers straight
   * into recycled shared memory (FitRampsParallelOptions.sharedOutputs, with its caveat: for
   * processes that run one exposure, like the CLI). Default false.
   */
  sharedProducts?: boolean;
  /** Integrations per slice (default 1; forced to NINTS when a whole-exposure product is saved). */
  integrationsPerSlice?: number;
  /**
   * A near-IR full frame or subarray (without ZEROFRAME) goes from the uncal to the products by
   * row bands (ts/pipeline/banded.ts) when its steps allow it and `io.productWriter` is given: the
   * ramp never sits whole in memory.
   * Same products. By default (undefined) it does so where every band after the first can go
   * through the chain (one worker task per band, reading its rows from the files: Node worker
   * pools), which is also faster: a 2048x2048x10 NIRCam exposure with 2 workers took 1.09-1.33 s
   * and ~228 MB against 1.29-1.45 s and ~500 MB by integrations. `true`: by row bands wherever
   * the steps allow (step by step where the chain cannot run: less memory, slower); `false`:
   * never.
   */
  banded?: boolean;
  onProgress?: (progress: Detector1Progress) => void;
}

export interface Detector1Result {
  rate: ImageModel | null;
  rateints: CubeModel | null;
  /** Final metadata of the ramp (what `_ramp` carries). */
  meta: Meta;
  /** Step alias -> COMPLETE / SKIPPED / FAILED, in the order the steps were reached. */
  statuses: [string, string][];
  /** Step alias -> milliseconds spent, summed over slices. */
  timings: [string, number][];
  /** Reference type -> the file's base name or N/A, as recorded in `R_*`. */
  references: [string, string][];
  /** Why ramp fitting produced nothing, when it did not. */
  noProducts?: string;
  /** `_rateints` is written already, through `io.saveRateints` or `io.productWriter` (`rateints`, if not null, is what it holds). */
  rateintsSaved?: boolean;
  /** `_rate` is written already, through `io.productWriter` (`rate`, if not null, is what it holds). */
  rateSaved?: boolean;
}

/** Raised for parameters or inputs the pipeline cannot run with. */
export class Detector1Error extends Error {
  override name = 'Detector1Error';
}

const truthy = (value: unknown) => value === true;

export async function runDetector1(reader: RampReader, options: Detector1Options): Promise<Detector1Result> {
  const { io } = options;
  const context = options.context ?? {};
  const stepParameters = (alias: string): StepParameters => options.parameters?.steps?.[alias] ?? {};
  const pipelineParameters = options.parameters?.pipeline ?? {};
  const [nints, ngroups, rawRows, nx] = reader.shape;
  // Rows of the frames after the corrections, known once the first slice is through them: NIRSpec
  // IRS2's refpix takes out the interleaved reference rows (3200 -> 2048) unless told to keep them.
  let ny = rawRows;
  let plane = ny * nx;
  /** The ramp's shape after the corrections. */
  const corrected = (): RampModel['shape'] => [nints, ngroups, ny, nx];
  const meta: Meta = structuredClone(reader.meta);
  const order = rampStepOrder(meta.instrument.name);
  const skipped = (alias: string) => {
    const value = stepParameters(alias).skip;
    return value === undefined ? (RAMP_STEPS[alias]?.skipByDefault ?? false) : truthy(value);
  };
  const savesStep = (alias: string) => truthy(stepParameters(alias).save_results);
  // LIKELY fits the exposure whole, some steps need every integration at once, and a step's own
  // product is the whole exposure after that step.
  // Unevenly sampled exposures (read_times) are fitted by LIKELY whatever the algorithm asked.
  const likely = String(stepParameters(RAMP_FIT.alias).algorithm ?? 'OLS_C').toUpperCase() === 'LIKELY' || (meta.exposure.readTimes?.length ?? 0) > 0;
  // MIRI showers take their noise from every integration.
  const showers = !skipped('jump') && truthy(stepParameters('jump').find_showers);
  // NIRSpec IRS2 refpix flags bad reference pairs found in any integration, in every integration.
  const irs2Refpix = isIrs2(reader.shape) && !skipped('refpix');
  const wholeExposure = likely || showers || irs2Refpix || order.some((alias) => !skipped(alias) && (savesStep(alias) || RAMP_STEPS[alias].wholeExposure));
  const perSlice = wholeExposure ? nints : Math.max(1, Math.min(nints, Math.floor(options.integrationsPerSlice ?? 1)));
  const slices: [number, number][] = [];
  for (let start = 0; start < nints; start += perSlice) slices.push([start, Math.min(nints, start + perSlice)]);

  const timings = new Map<string, number>();
  const statuses = new Map<string, string>();
  const timed = async <T>(alias: string, run: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await run();
    } finally {
      timings.set(alias, (timings.get(alias) ?? 0) + performance.now() - t0);
    }
  };

  const references = new Map<string, Promise<FitsFile | undefined>>();
  /** Rewrites the `R_*` values the steps wrote (base names) as the io records them. */
  const recordNames = (target: Meta) => {
    for (const reftype of references.keys()) {
      const key = REFERENCE_KEYWORDS[reftype] ?? reftype.toUpperCase();
      const recorded = io.recordedName?.(reftype);
      if (recorded && target.refFiles[key] !== undefined && target.refFiles[key] !== 'N/A') target.refFiles[key] = recorded;
    }
  };
  const save: Detector1Io['save'] = (suffix, model) => {
    recordNames(model.meta);
    return io.save(suffix, model);
  };
  const reference = (reftype: string, alias: string) => {
    let found = references.get(reftype);
    if (!found) {
      const override = stepParameters(alias)[`override_${reftype}`];
      found = io.reference(reftype, typeof override === 'string' ? override : undefined);
      references.set(reftype, found);
    }
    return found;
  };
  const rawReferences = new Map<string, Promise<EmicorrReference | undefined>>();
  const rawReference = (reftype: string, alias: string) => {
    let found = rawReferences.get(reftype);
    if (!found) {
      const override = stepParameters(alias)[`override_${reftype}`];
      found = io.referenceBytes(reftype, typeof override === 'string' ? override : undefined);
      rawReferences.set(reftype, found);
    }
    return found;
  };
  const referencesOf = async (reftypes: readonly string[], alias: string, raw: readonly string[] = []): Promise<StepReferences> => {
    const files = new Map(await Promise.all(reftypes.filter((t) => !raw.includes(t)).map(async (type) => [type, await reference(type, alias)] as const)));
    const bytes = new Map(await Promise.all(raw.map(async (type) => [type, await rawReference(type, alias)] as const)));
    return { get: (type) => files.get(type), raw: (type) => bytes.get(type), load: (type) => reference(type, alias), calledStepParameters: (className) => io.calledStepParameters?.(className) ?? Promise.resolve(undefined) };
  };
  const carry: StepCarry = new Map();
  /**
   * GAIN and READNOISE cut to the corrected science frame, read once (shared memory) for jump
   * and ramp fitting, and released after the fit. `alias` names the step whose
   * `override_<reftype>` applies if the file has not been chosen yet.
   */
  const referencePlanes = new Map<string, Promise<Float32Array | undefined>>();
  const referencePlane = (reftype: 'gain' | 'readnoise', alias: string) => {
    let read = referencePlanes.get(reftype);
    if (!read) {
      read = reference(reftype, alias).then(async (file) => {
        if (!file) return undefined;
        const warnFn = (message: string) => warn(context, message);
        const refContext = { science: scienceGeometry(meta, corrected(), reader.file.source.name, warnFn), instrument: meta.instrument.name, warn: warnFn };
        return (await readReferenceFloat(file, 'SCI', refContext, { shared: true })).data;
      });
      referencePlanes.set(reftype, read);
    }
    return read;
  };
  const releaseReferencePlanes = async () => {
    for (const read of referencePlanes.values()) {
      const array = await read.catch(() => undefined);
      if (array) releaseShared(array);
    }
    referencePlanes.clear();
  };

  const initialPixeldq = await reader.readPixeldq();
  const tables = await reader.readTables();
  const headers = { primary: reader.primary, sciHeader: reader.sciHeader };
  let exposurePixeldq!: Uint32Array;
  let avdrkcur: Float32Array | undefined;
  // Jump and ramp fitting read bands of rows of every integration: about 4 MiB of samples, at
  // least 16 rows. What is in flight then stays small whatever NINTS (and the frame) is.
  let bandRows = 0;
  let spill!: SpillStore;
  /** Opens the spill for frames of `rows` rows (what the first slice came out of the corrections with). */
  const openSpill = async (rows: number) => {
    ny = rows;
    plane = ny * nx;
    if (ny !== rawRows && reader.hasZeroframe) {
      throw new Detector1Error(
        `${reader.file.source.name}: refpix left the ZEROFRAME's ${rawRows} rows beside ${ny}-row frames (NIRSpec IRS2, as jwst does), which ramp fitting cannot pair; ` +
          'keep the reference rows with --steps.refpix.preserve_irs2_refpix=true',
      );
    }
    bandRows = Math.min(ny, Math.max(16, Math.floor(2 ** 22 / (nints * ngroups * nx * 5))));
    spill = await io.spill({ ngroups, rows: ny, cols: nx, bandRows }, reader.hasZeroframe);
    // The OR of every slice's PIXELDQ, each of which started from the input's.
    exposurePixeldq = ny === rawRows ? sharedCopy(initialPixeldq) : allocShared(Uint32Array, plane);
  };

  const sliceModel = (start: number, end: number, arrays: { data: Float32Array; groupdq: Uint8Array; zeroframe?: Float32Array }, pixeldq: Uint32Array, rows = ny) =>
    createRampModel({
      meta,
      ...headers,
      shape: [end - start, ngroups, rows, nx],
      data: arrays.data,
      groupdq: arrays.groupdq,
      pixeldq,
      zeroframe: arrays.zeroframe,
      // (a slice read before IRS2 reference rows are taken out has no average dark of its shape)
      avdrkcur: rows === ny ? avdrkcur : undefined,
      ...tables,
    });
  const readSlice = async (start: number, end: number, read: (i: number) => Promise<{ data: Float32Array; groupdq: Uint8Array; zeroframe?: Float32Array }>) => {
    if (end - start === 1) return read(start);
    const parts = [];
    for (let i = start; i < end; i++) parts.push(await read(i));
    return {
      data: concatenate(parts.map((p) => p.data), Float32Array),
      groupdq: concatenate(parts.map((p) => p.groupdq), Uint8Array),
      zeroframe: parts[0].zeroframe ? concatenate(parts.map((p) => p.zeroframe!), Float32Array) : undefined,
    };
  };
  /** A step's saved product carries the exposure's REFOUT, as jwst's RampModel does. */
  const withRefout = async (ramp: RampModel, start: number): Promise<RampModel> => {
    if (!reader.hasRefout) return ramp;
    const parts = [];
    for (let i = start; i < start + ramp.shape[0]; i++) parts.push(await reader.readRefout(i));
    return { ...ramp, refout: concatenate(parts, Float32Array) };
  };
  const spillSlice = async (start: number, end: number, ramp: RampModel) => {
    const samples = ngroups * plane;
    for (let i = start; i < end; i++) {
      const k = i - start;
      await spill.put(i, {
        data: ramp.data.subarray(k * samples, (k + 1) * samples),
        groupdq: ramp.groupdq.subarray(k * samples, (k + 1) * samples),
        zeroframe: ramp.zeroframe?.subarray(k * plane, (k + 1) * plane),
      });
    }
    // A store that copied the slice leaves its shared arrays to the next slice.
    if (!spill.keepsArrays) for (const array of [ramp.data, ramp.groupdq]) releaseShared(array);
  };

  const runSteps = async (aliases: readonly string[], ramp: RampModel | undefined, start: number, sliceContext: StepContext) => {
    for (const alias of aliases) {
      const definition = RAMP_STEPS[alias];
      if (skipped(alias)) {
        if (definition.skipReachesFits) meta.calStep[definition.statusKeyword] = 'SKIPPED';
        statuses.set(alias, 'SKIPPED');
        continue;
      }
      if (!ramp) throw new Error(`pipeline: ${alias} reached without data`);
      options.onProgress?.({ step: alias, integration: start, nints });
      const refs = await referencesOf(definition.reftypes, alias, definition.rawReftypes);
      const stepContext: StepContext = {
        ...sliceContext,
        saveProduct: save,
        readBytes: io.readBytes?.bind(io),
        // Once the corrections have given the frame its final rows (pass B on).
        referencePlane: spill && ramp.shape[2] === ny ? (reftype) => referencePlane(reftype, alias) : undefined,
      };
      const outcome = await timed(alias, () => definition.run(ramp, refs, stepParameters(alias), stepContext, carry));
      statuses.set(alias, outcome.status);
      if (savesStep(alias)) await save(alias, await withRefout(ramp, start));
    }
  };

  /**
   * Jump on row bands of every integration at once, each with a halo row on either side for the
   * neighbour flags (only the band's own rows are kept). A band's references are cut like a
   * subarray of the exposure's; the detection mode comes from the whole-frame counts of pass A;
   * PRIMECRS is summed over the bands (`bandRows` rows of every integration).
   */
  const jumpByRowBands = async () => {
    const parameters = stepParameters('jump');
    options.onProgress?.({ step: 'jump', integration: 0, nints });
    const refs = await referencesOf(RAMP_STEPS.jump.reftypes, 'jump');
    const gain = refs.get('gain');
    const readnoise = refs.get('readnoise');
    const halo = 1;
    const pixeldq = sharedCopy(exposurePixeldq);
    // GAIN and READNOISE are read once; each band takes its rows of them.
    const gainPlane = await referencePlane('gain', 'jump');
    const readnoisePlane = await referencePlane('readnoise', 'jump');
    const jumpOptions = stepOptions(parameters);
    const bandOptions = { ...jumpOptions, expandLargeEvents: false };
    // After-jump flagging's thresholds take the whole frame's GAIN median, not a band's.
    const gainMedian = gainPlane && afterJumpFlagging(jumpOptions) ? nanMedianF32(gainPlane) : undefined;
    let primaryCrs = 0;
    let detected = false;
    // Two sets of band buffers that every band reuses (one is read while the other's band is
    // searched): memory touched for the first time is slow, and a MIRI TSO exposure goes through
    // 2.6 GB of jump bands.
    const shared = sharedMemoryAvailable();
    const lanes: BandBuffers[] = [{ shared }, { shared }];
    const extentOf = (row0: number) => {
      const row1 = Math.min(ny, row0 + bandRows);
      return { row0, row1, top: Math.max(0, row0 - halo), bottom: Math.min(ny, row1 + halo) };
    };
    const read = (row0: number, lane: number) => {
      const { top, bottom } = extentOf(row0);
      return readRowsOfEveryIntegration(spill, nints, ngroups, nx, top, bottom, reader.hasZeroframe, lanes[lane]);
    };
    let next: ReturnType<typeof read> | undefined = read(0, 0);
    /** The last band's GROUPDQ rows as written back: the next band, read meanwhile, takes its halo rows from them. */
    let written: { row0: number; row1: number; own: Uint8Array } | undefined;
    try {
      for (let row0 = 0, lane = 0; row0 < ny; row0 += bandRows, lane ^= 1) {
        const { row1, top, bottom } = extentOf(row0);
        const rows = await next!;
        next = row0 + bandRows < ny ? read(row0 + bandRows, lane ^ 1) : undefined;
        const bandShape = { ngroups: nints * ngroups, rows: bottom - top, cols: nx };
        if (written) {
          // As a band read after the last one's flags were written sees its halo rows.
          const from = Math.max(top, written.row0);
          const stack = { nints: 1, ngroups: 1, planes: nints * ngroups, rows: bottom - top, cols: nx };
          if (from < row0) pasteBand(rows.groupdq, written.own, 'stack', stack, { row0: from - top, rows: row0 - from }, { row0: written.row0 - top, rows: written.row1 - written.row0 });
        }
        const bandMeta: Meta = structuredClone(meta);
        const sub = bandMeta.subarray;
        bandMeta.subarray = { ...sub, xstart: sub.xstart ?? 1, xsize: sub.xsize ?? nx, ystart: (sub.ystart ?? 1) + top, ysize: bottom - top };
        const band = createRampModel({
          meta: bandMeta,
          ...headers,
          shape: [nints, ngroups, bottom - top, nx],
          data: rows.data,
          groupdq: rows.groupdq,
          pixeldq: exposurePixeldq.slice(top * nx, bottom * nx),
        });
        // Snowballs need whole frames: they run after the bands, integration by integration.
        const result = await jumpStep(band, gain && readnoise ? { gain, readnoise } : undefined, context, bandOptions, {
          doNotUsePlanes: doNotUse,
          referencePlanes: gainPlane && readnoisePlane && { gain: gainPlane.subarray(top * nx, bottom * nx), readnoise: readnoisePlane.subarray(top * nx, bottom * nx) },
          gainMedian,
        });
        statuses.set('jump', result.status);
        Object.assign(meta.calStep, bandMeta.calStep);
        Object.assign(meta.refFiles, bandMeta.refFiles);
        if (result.status !== 'COMPLETE') return;
        // In the lane's buffers: the next band (in the other lane) reads them for its halo rows.
        const own = planeRows(band.groupdq, nints * ngroups, bandShape, row0 - top, row1 - top, bandArray(Uint8Array, nints * ngroups * (row1 - row0) * nx, lanes[lane], 'ownGroupdq'));
        written = { row0, row1, own };
        const perInt = ngroups * (row1 - row0) * nx;
        // Every integration's at once: one after another cost a thread pool round trip each.
        const putting = Array.from({ length: nints }, (_, i) => spill.putGroupdqRows(i, row0, row1, own.subarray(i * perInt, (i + 1) * perInt)));
        const failed = (await Promise.allSettled(putting)).find((result) => result.status === 'rejected');
        if (failed) throw failed.reason;
        for (let p = row0 * nx; p < row1 * nx; p++) pixeldq[p] |= band.pixeldq[p - top * nx];
        if (result.primaryCrs !== undefined && result.primaryCrs >= 0 && result.crs) {
          detected = true;
          for (let p = (row0 - top) * nx; p < (row1 - top) * nx; p++) primaryCrs += result.crs[p];
        }
      }
    } finally {
      // A read still in flight fills a lane: it must end before the lanes' memory goes back.
      await next?.catch(() => {});
      for (const lane of lanes) releaseBandBuffers(lane);
    }
    exposurePixeldq = pixeldq;
    let flagged = doNotUse.reduce((a, b) => a + b, 0);
    let extendedEvents = 0;
    if (jumpOptions.expandLargeEvents === true && gain && readnoise) {
      // One integration at a time, snowball cores carried into the next one.
      let carried: JumpCarry | undefined;
      flagged = 0;
      for (let i = 0; i < nints; i++) {
        const one = await spill.get(i);
        const ramp = sliceModel(i, i + 1, one, exposurePixeldq);
        const found = await jumpLargeEvents(ramp, { gain, readnoise }, { ...context, integrationOffset: i, exposureIntegrations: nints, referencePlane: (reftype) => referencePlane(reftype, 'jump') }, jumpOptions, carried);
        carried = found.carry;
        extendedEvents += found.extendedEvents;
        flagged += allDoNotUsePlanes(ramp.groupdq, 1, ngroups, plane)[0];
        await spill.put(i, one);
      }
    }
    // stcal's PRIMECRS and EXTNCRS: per second per million pixels over the usable groups of the exposure.
    const usableGroups = nints * ngroups - flagged - nints;
    if (usableGroups >= 1) {
      const pixelSeconds = meta.exposure.groupTime! * usableGroups * plane;
      meta.exposure.primaryCosmicRays = (1000 * (detected ? primaryCrs : -99)) / pixelSeconds;
      meta.exposure.extendedEmissionEvents = (1e6 * extendedEvents) / pixelSeconds;
    }
  };

  const jumpIndex = order.indexOf('jump');
  const beforeJump = order.slice(0, jumpIndex);
  const afterJump = order.slice(jumpIndex + 1);
  /** Per integration, the groups whose every pixel has DO_NOT_USE after the corrections. */
  const doNotUse: number[] = [];
  const persistence = skipped('persistence') ? {} : stepParameters('persistence');
  const persistenceFile = persistence.persistence_array_file;
  if (typeof persistenceFile === 'string') {
    if (!io.readBytes) throw new Detector1Error('persistence_array_file needs file access, which this environment does not give');
    const bytes = await io.readBytes(persistenceFile);
    // jwst starts from an empty array when the file does not exist.
    if (bytes) carry.set(PERSISTENCE_ARRAY, decodePersistenceArrayFile(bytes));
  }
  // Why a run asked to go by row bands cannot (said, then it runs by integrations).
  const bandedNot = (): string | undefined => {
    if (!io.productWriter) return 'products are not written by rows here';
    if (wholeExposure) return 'a step needs the whole exposure';
    if (truthy(pipelineParameters.save_calibrated_ramp)) return '_ramp is saved';
    if (savesStep(RAMP_FIT.alias) || savesStep(GAIN_SCALE.alias)) return "a step's own product is saved";
    return bandedObstacle(reader, order, skipped, stepParameters);
  };
  // By default, only where the chain would take the bands (snowballs take a second pass without it).
  const chainable = context.pool?.runChain !== undefined && sharedMemoryAvailable() && (skipped('jump') || stepParameters('jump').expand_large_events !== true);
  const bandedReason = options.banded === true || (options.banded === undefined && chainable) ? bandedNot() : 'not asked';
  if (options.banded === true && bandedReason) context.log?.('info', `pipeline: not by row bands (${bandedReason}); running the exposure integration by integration`);
  const bandedRun = bandedReason === undefined;
  if (bandedRun) {
    try {
      const banded = await runBanded({
        reader,
        meta,
        model: { ...headers, ...tables },
        initialPixeldq,
        order,
        skipped,
        stepParameters,
        referencesOf: (reftypes, alias) => referencesOf(reftypes, alias),
        reference,
        referencePlane,
        releaseReferencePlanes,
        recordNames,
        timed,
        addTime: (alias, ms) => timings.set(alias, (timings.get(alias) ?? 0) + ms),
        statuses,
        context,
        rampFitPool: options.rampFitPool,
        requireChain: options.banded !== true,
        productWriter: io.productWriter!.bind(io),
        onProgress: (step) => options.onProgress?.({ step, integration: 0, nints }),
        error: (message) => new Detector1Error(message),
      });
      if ('noProducts' in banded) return finish(null, null, banded.noProducts);
      return { ...finish(banded.rate, banded.rateints), rate: null, rateints: null, rateSaved: true, rateintsSaved: true };
    } catch (error) {
      if (!(error instanceof BandedFallback)) throw error;
      // The whole run below starts over (its steps set the same keywords).
      context.log?.('info', `pipeline: ${error.message}; running the exposure integration by integration`);
      statuses.clear();
      timings.clear();
    } finally {
      await releaseReferencePlanes();
    }
  }
  // jwst chooses every step's references before the first step runs (stpipe's prefetch). Here
  // the choices (CRDS rules, file headers) are made one after another, in step order, while the
  // first integration is read and corrected; each step awaits its own (and a failure surfaces
  // there). gain_scale runs only after ramp_fit.
  let chosen: Promise<unknown> = Promise.resolve();
  for (const alias of [...order, RAMP_FIT.alias, GAIN_SCALE.alias]) {
    if (skipped(alias) || (alias === GAIN_SCALE.alias && skipped(RAMP_FIT.alias))) continue;
    const raw: readonly string[] = RAMP_STEPS[alias]?.rawReftypes ?? [];
    for (const reftype of stepDefinition(alias)!.reftypes.filter((t) => !raw.includes(t))) chosen = chosen.then(() => reference(reftype, alias)).catch(() => {});
  }
  let rateintsStore: RateintsStore | undefined;
  let productStream: ProductStream | undefined;
  try {
    // Pass A: the corrections, integration slice by slice. With several slices the steps keep
    // the reference planes they read until the pass ends.
    const sliceCache = slices.length > 1 ? new Map<string, unknown>() : undefined;
    for (const [start, end] of slices) {
      const ramp = sliceModel(start, end, await readSlice(start, end, (i) => reader.readIntegration(i, context.pool)), sharedCopy(initialPixeldq), rawRows);
      await runSteps(beforeJump, ramp, start, { ...context, integrationOffset: start, exposureIntegrations: nints, sliceCache });
      if (!spill) await openSpill(ramp.shape[2]);
      else if (ramp.shape[2] !== ny) throw new Error(`pipeline: integration ${start} left the corrections with ${ramp.shape[2]} rows, the first with ${ny}`);
      orInto(exposurePixeldq, ramp.pixeldq);
      avdrkcur ??= ramp.avdrkcur;
      doNotUse.push(...allDoNotUsePlanes(ramp.groupdq, end - start, ngroups, plane));
      await spillSlice(start, end, ramp);
      releaseShared(ramp.pixeldq);
    }
    if (sliceCache) clearSliceCache(sliceCache);
    // Pass B: jump (its statistics span integrations) and the flagging steps after it.
    if (slices.length === 1) {
      const ramp = sliceModel(0, nints, await readSlice(0, nints, (i) => spill.get(i)), exposurePixeldq);
      await runSteps(order.slice(jumpIndex), ramp, 0, context);
      await spillSlice(0, nints, ramp);
    } else {
      if (skipped('jump')) await runSteps(['jump'], undefined, 0, context);
      else await timed('jump', () => jumpByRowBands());
      if (afterJump.every(skipped)) await runSteps(afterJump, undefined, 0, context);
      else {
        const pixeldq = sharedCopy(exposurePixeldq);
        for (const [start, end] of slices) {
          const ramp = sliceModel(start, end, await readSlice(start, end, (i) => spill.get(i)), sharedCopy(exposurePixeldq));
          await runSteps(afterJump, ramp, start, { ...context, integrationOffset: start, exposureIntegrations: nints });
          orInto(pixeldq, ramp.pixeldq);
          await spillSlice(start, end, ramp);
          releaseShared(ramp.pixeldq);
        }
        exposurePixeldq = pixeldq;
      }
    }

    const savePersistence = persistence.save_persistence;
    const windows = carry.get('persistence') as PersistenceState | undefined;
    if (typeof savePersistence === 'string' && windows) {
      if (!io.readBytes || !io.writeBytes) throw new Detector1Error('save_persistence needs file access, which this environment does not give');
      // jwst: the name gets the .asdf extension; other detectors already in the file are kept.
      const path = /\.asdf$/.test(savePersistence) ? savePersistence : `${savePersistence.replace(/\.[^./\\]*$/, '')}.asdf`;
      const entry = persistenceArrayEntry(windows, reader.primary.getString('FILENAME')?.trim() ?? reader.file.source.name.split(/[\\/]/).pop());
      await io.writeBytes(path, updatePersistenceArrayFile(await io.readBytes(path), meta.instrument.detector ?? '', entry));
    }

    const rampHeader: RampModelHeader = {
      model: 'RampModel',
      meta,
      ...headers,
      shape: corrected(),
      pixeldq: exposurePixeldq,
      avdrkcur,
      ...tables,
      hasZeroframe: reader.hasZeroframe,
      hasRefout: reader.hasRefout,
    };
    if (truthy(pipelineParameters.save_calibrated_ramp)) {
      recordNames(meta);
      await timed('save _ramp', () => io.saveRamp(rampHeader, async (i) => ({
        ...(await spill.get(i)),
        refout: rampHeader.hasRefout ? await reader.readRefout(i) : undefined,
      })));
    }

    // Pass C
    if (skipped(RAMP_FIT.alias)) {
      meta.calStep[RAMP_FIT.statusKeyword] = 'SKIPPED';
      statuses.set(RAMP_FIT.alias, 'SKIPPED');
      return finish(null, null);
    }
    options.onProgress?.({ step: RAMP_FIT.alias, integration: 0, nints });
    const fitRefs = await referencesOf(RAMP_FIT.reftypes, RAMP_FIT.alias);
    const gainFile = fitRefs.get('gain');
    const readnoiseFile = fitRefs.get('readnoise');
    if (!gainFile || !readnoiseFile) throw new Detector1Error(`ramp_fit needs GAIN and READNOISE references; ${!gainFile ? 'GAIN' : 'READNOISE'} is missing`);
    const gain = (await referencePlane('gain', RAMP_FIT.alias))!;
    const readnoise = (await referencePlane('readnoise', RAMP_FIT.alias))!;
    meta.refFiles.GAIN = referenceName(gainFile);
    meta.refFiles.READNO = referenceName(readnoiseFile);
    const gainFactor = gainFile.primary.header.getNumber('GAINFACT');
    const fitParameters = stepOptions(stepParameters(RAMP_FIT.alias));

    // The products are written as the fit finishes their bands, unless gain_scale is to scale
    // them or a step's own product (ramp_fit's, gain_scale's) is saved: those keep them whole.
    const stepProductSaved = savesStep(RAMP_FIT.alias) || savesStep(GAIN_SCALE.alias);
    if (io.productWriter && !stepProductSaved) {
      const gainScale = skipped(GAIN_SCALE.alias) ? undefined : () => reference('gain', GAIN_SCALE.alias);
      const skeletons = await productSkeletons({ shape: corrected(), ...headers, ...tables }, meta, gainFactor, gainScale, {}, recordNames);
      if (skeletons.factor === undefined) productStream = new ProductStream(skeletons, (suffix, skeleton) => io.productWriter!(suffix, skeleton));
    }
    // Otherwise several slices keep _rateints in a store band by band, then write it integration by integration.
    const streamRateints = !productStream && slices.length > 1 && io.rateintsStore && io.saveRateints && !stepProductSaved;
    if (streamRateints) rateintsStore = await io.rateintsStore!({ nints, rows: ny, cols: nx });
    const fitted = await timed(RAMP_FIT.alias, async () => {
      if (slices.length === 1) {
        const whole = sliceModel(0, nints, await readSlice(0, nints, (i) => spill.get(i)), exposurePixeldq);
        const sharedOutputs = options.sharedProducts === true && sharedMemoryAvailable();
        // Nothing reads the corrected ramp after the fit (the _ramp product is written): the
        // products take its memory instead of as much again, freshly touched.
        const productMemory = whole.data;
        const onBand = productStream && ((band: { row0: number; rows: number }, products: { rate: RateArrays; rateints: RateArrays }) => productStream!.writeBand(band, products, 'frame'));
        return rampFitStep(whole, { ...fitParameters, gain, readnoise, gainFactor, pool: options.rampFitPool, signal: context.signal, log: context.log, sharedOutputs, productMemory, onBand });
      }
      const planes = { pixeldq: exposurePixeldq, gain, readnoise, averageDarkCurrent: avdrkcur };
      return fitByRowBands(corrected(), meta, planes, gainFactor, fitParameters, spill, rampHeader, options.rampFitPool, context.signal, bandRows, rateintsStore, productStream);
    });
    await releaseReferencePlanes();
    statuses.set(RAMP_FIT.alias, fitted.rate ? 'COMPLETE' : 'SKIPPED');
    if (!fitted.rate || !fitted.rateints) return finish(null, null, fitted.noProducts);
    if (fitted.fitopt) await save('fitopt', fitted.fitopt);
    if ('likelyChisq' in fitted && fitted.likelyChisq) await save('likely_chisq', fitted.likelyChisq);
    if (truthy(stepParameters(RAMP_FIT.alias).save_results)) {
      await save('0_ramp_fit', fitted.rate);
      await save('1_ramp_fit', fitted.rateints);
    }

    const { rate, rateints } = fitted;
    /** The factor gain_scale applied, for the streamed rateints planes. */
    let rateintsFactor: number | undefined;
    if (skipped(GAIN_SCALE.alias)) {
      rate.meta.calStep[GAIN_SCALE.statusKeyword] = rateints.meta.calStep[GAIN_SCALE.statusKeyword] = 'SKIPPED';
      statuses.set(GAIN_SCALE.alias, 'SKIPPED');
    } else {
      const gainScaleFile = await reference('gain', GAIN_SCALE.alias);
      const status = await timed(GAIN_SCALE.alias, async () => {
        const status = await gainScaleStep(rate, gainScaleFile, context);
        if (!rateintsStore) return gainScaleStep(rateints, gainScaleFile, context);
        // The skeleton takes the step's keywords; its planes are scaled as they are written.
        rateints.meta.calStep[GAIN_SCALE.statusKeyword] = status;
        rateints.meta.refFiles = structuredClone(rate.meta.refFiles);
        if (status === 'COMPLETE') rateintsFactor = rateints.meta.exposure.gainFactor = rate.meta.exposure.gainFactor;
        return status;
      });
      statuses.set(GAIN_SCALE.alias, status);
      if (truthy(stepParameters(GAIN_SCALE.alias).save_results)) {
        await save('gain_scale', rate);
        await save('gain_scaleints', rateints);
      }
    }
    if (!rateintsStore) {
      const result = finish(rate, rateints);
      if (!productStream) return result;
      if (await productStream.commit(rate, rateints)) return { ...result, rateints: slices.length === 1 ? rateints : null, rateSaved: true, rateintsSaved: true };
      // Written band by band from the fit of several slices, _rateints is nowhere whole to write again.
      if (slices.length > 1) throw new Detector1Error('pipeline: the products do not match the files laid out for them before the fit (a bug: please report it)');
      return result;
    }
    recordNames(rateints.meta);
    const store = rateintsStore;
    if (rateintsFactor !== undefined) {
      // gain_scale on the stored planes, integration by integration.
      for (let i = 0; i < nints; i++) {
        const plane = await store.getPlane(i);
        const { data, err, varPoisson, varRnoise } = plane;
        await runTiled(undefined, 'gainScale', { data, err, varPoisson, varRnoise }, { nints: 1, ngroups: 1, rows: ny, cols: nx }, { params: { factor: rateintsFactor } });
        await store.putRows(i, 0, plane);
      }
    }
    await io.saveRateints!(rateints, (i, key) => store.getArray(i, key));
    return { ...finish(rate, null), rateintsSaved: true };
  } finally {
    // No file may be opened after the run has ended (the caller closes what was opened).
    await chosen;
    await releaseReferencePlanes();
    await spill?.close();
    await rateintsStore?.close();
    await productStream?.abort();
  }

  function finish(rate: ImageModel | null, rateints: CubeModel | null, noProducts?: string): Detector1Result {
    for (const model of [rate, rateints]) if (model) recordNames(model.meta);
    recordNames(meta);
    const refs = (rate?.meta ?? meta).refFiles;
    return {
      rate,
      rateints,
      meta,
      statuses: [...statuses],
      timings: [...timings],
      references: [...references.keys()].map((type) => [type, refs[REFERENCE_KEYWORDS[type] ?? type.toUpperCase()] ?? 'N/A']),
      noProducts,
    };
  }
}

/** `R_*` keyword suffix of each reference type, as the steps write them (FITS keywords are 8 characters at most). */
export const REFERENCE_KEYWORDS: Record<string, string> = {
  mask: dqInitKeywords.reference,
  saturation: saturationKeywords.reference,
  superbias: superbiasKeywords.reference,
  linearity: linearityKeywords.reference,
  dark: darkCurrentKeywords.reference,
  readnoise: jumpKeywords.readnoise,
  gain: jumpKeywords.gain,
  ipc: ipcKeywords.reference,
  reset: resetKeywords.reference,
  rscd: rscdKeywords.reference,
  emicorr: emicorrKeywords.reference,
  refpix: refpixKeywords.reference,
};

/**
 * Rows `row0 ..< row1` of every group of every integration, read into one `(nints, ngroups, rows,
 * cols)` band: new arrays, or views of `buffers` (valid until the next band read into them).
 */
async function readRowsOfEveryIntegration(
  spill: SpillStore,
  nints: number,
  ngroups: number,
  cols: number,
  row0: number,
  row1: number,
  hasZeroframe: boolean,
  buffers?: BandBuffers,
): Promise<{ data: Float32Array; groupdq: Uint8Array; zeroframe?: Float32Array }> {
  const length = (row1 - row0) * cols;
  const samples = ngroups * length;
  const data = bandArray(Float32Array, nints * samples, buffers, 'data');
  const groupdq = bandArray(Uint8Array, nints * samples, buffers, 'groupdq');
  const zeroframe = hasZeroframe ? bandArray(Float32Array, nints * length, buffers, 'zeroframe') : undefined;
  for (let i = 0; i < nints; i++) {
    await spill.getRows(i, row0, row1, {
      data: data.subarray(i * samples, (i + 1) * samples),
      groupdq: groupdq.subarray(i * samples, (i + 1) * samples),
      zeroframe: zeroframe?.subarray(i * length, (i + 1) * length),
    });
  }
  return zeroframe ? { data, groupdq, zeroframe } : { data, groupdq };
}

function concatenate<T extends Float32Array | Uint8Array>(arrays: T[], make: new (n: number) => T): T {
  if (arrays.length === 1) return arrays[0];
  const out = new make(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

/**
 * OLS_C on row bands of every integration (the median rate spans integrations): first the
 * exposure-wide plan from every integration's GROUPDQ, then the bands — on the worker pool when
 * there is one — merged as fitRampsParallel merges them. The bands in flight hold about one
 * integration's worth of samples, so memory does not grow with NINTS (beyond the products).
 */
async function fitByRowBands(
  shape: RampModel['shape'],
  meta: Meta,
  planes: { pixeldq: Uint32Array; gain: Float32Array; readnoise: Float32Array; averageDarkCurrent?: Float32Array },
  gainFactor: number | undefined,
  parameters: Record<string, unknown>,
  spill: SpillStore,
  header: { primary: Header; sciHeader: Header; intTimes?: FitsTable; hasZeroframe: boolean },
  pool: RampFitPool | undefined,
  signal: AbortSignal | undefined,
  bandRows: number,
  rateintsStore?: RateintsStore,
  productStream?: ProductStream,
) {
  const [nints, ngroups, rows, cols] = shape;
  const planner = rampFitPlanner(meta, parameters, { ngroups, rows, cols });
  // One buffer for every integration's GROUPDQ (the planner keeps no array), recycled: the bands
  // below take its memory rather than as much again.
  const groupdq = allocShared(Uint8Array, ngroups * rows * cols, { zeroed: false });
  try {
    for (let i = 0; i < nints; i++) planner.add(await spill.getGroupdq(i, groupdq), 1);
  } finally {
    releaseShared(groupdq);
  }
  const plan = planner.plan();
  if ('noProducts' in plan) return { rate: null, rateints: null, noProducts: plan.noProducts };

  // Bands of `bandRows` rows of every integration (one read per integration from the spill),
  // each cut into two pieces per worker.
  const inFlightLimit = pool ? 2 * pool.size : 1;
  const tile: TileShape = { nints, ngroups, rows, cols };
  const merger = new BandMerger(tile, { rateints: !rateintsStore && !productStream });
  /** A band's rates; its rateints rows go to the store when there is one. */
  const add = async (band: { row0: number; rows: number }, result: RampFitResult) => {
    if (rateintsStore) {
      const length = band.rows * cols;
      for (let i = 0; i < nints; i++) {
        const rows = {} as RateintsRows;
        for (const key of RATEINTS_KEYS) {
          const source = result.rateints[key === 'data' ? 'slope' : key];
          Object.assign(rows, { [key]: source.subarray(i * length, (i + 1) * length) });
        }
        await rateintsStore.putRows(i, band.row0, rows);
      }
    }
    await productStream?.writeBand(band, result, 'band');
    merger.add(band, result);
  };
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  // A piece is read into one of a few slots of shared memory (one per piece in flight), which
  // the worker reads in place: fresh memory for every piece (2.4 GB on a MIRI TSO exposure) is
  // slow to touch. Without shared memory each piece gets new arrays, transferred.
  const slots = pool && sharedMemoryAvailable() ? Array.from({ length: inFlightLimit }, (): BandBuffers => ({ shared: true })) : undefined;
  try {
    for (let row0 = 0; row0 < rows && !failure; row0 += bandRows) {
      const chunkRows = Math.min(bandRows, rows - row0);
      // Each piece of the band is read straight into the arrays it is sent with. Two pieces per
      // worker: the workers' wasm memory holds a piece of every integration, and memory must not
      // grow with NINTS (NIRCam SUB640 x10 on 2 workers, 6 alternating runs: peak 258 -> 249 MB,
      // 3.04 -> 3.25 s; the 1-integration run peaks at ~199 MB).
      for (const piece of planRowBands(chunkRows, { minBands: 2 * (pool?.size ?? 1) })) {
        signal?.throwIfAborted();
        const band = { row0: row0 + piece.row0, rows: piece.rows };
        const bandShape: TileShape = { ...tile, rows: piece.rows };
        const cut = (plane: Float32Array | Uint32Array | undefined) => plane?.slice(band.row0 * cols, (band.row0 + band.rows) * cols);
        const slot = slots?.pop();
        const samples = await readRowsOfEveryIntegration(spill, nints, ngroups, cols, band.row0, band.row0 + band.rows, header.hasZeroframe, slot);
        const bandArrays = {
          ...samples,
          pixeldq: cut(planes.pixeldq) as Uint32Array,
          gain: cut(planes.gain) as Float32Array,
          readnoise: cut(planes.readnoise) as Float32Array,
          averageDarkCurrent: cut(planes.averageDarkCurrent) as Float32Array | undefined,
        };
        if (!pool) {
          await add(band, rampFitTile(bandArrays, bandShape, plan.params));
          continue;
        }
        // OLS_C without fitopt: the worker writes the band's fit into the slot (no arrays made per band).
        const outputs = slot && !plan.params.saveOpt ? bandOutputs(slot, nints, band.rows * cols) : undefined;
        const task = outputs
          ? { arrays: { ...bandArrays, ...outputs }, params: { ...plan.params, outputRows: { row0: 0, rows: band.rows, exposureRow0: 0, exposureRows: band.rows } } }
          : { arrays: bandArrays, params: { ...plan.params, fitoptBands: true } };
        const job = pool
          .run({ kernel: 'rampFit', ...task, shape: bandShape }, signal)
          .then((returned) => add(band, taskResult(outputs ?? returned)))
          .catch((error: unknown) => {
            failure ??= { error };
          })
          .finally(() => {
            inFlight.delete(job);
            if (slot) slots!.push(slot);
          });
        inFlight.add(job);
        if (inFlight.size >= inFlightLimit) await Promise.race(inFlight);
      }
    }
    await Promise.all(inFlight);
  } finally {
    // Once every band has settled (and its slot is back), the slots' memory goes back.
    await Promise.allSettled(inFlight);
    for (const slot of slots ?? []) releaseBandBuffers(slot);
  }
  if (failure) throw failure.error;
  const inputMeta = structuredClone(meta);
  if (gainFactor !== undefined) inputMeta.exposure.gainFactor = gainFactor;
  return rampFitProducts({ shape, ...header }, merger.finish(), inputMeta, { rateintsStreamed: rateintsStore !== undefined || productStream !== undefined });
}
