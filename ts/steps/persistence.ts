/**
 * persistence (jwst 3.0.0 `PersistenceStep`, spec/steps/other.md §3): flags groups inside a
 * per-pixel persistence window. A window of `persistence_time` seconds opens at the first
 * SATURATED group of an integration (or, with `dn_threshold`, at a group above it where no
 * window is open) and is carried across integrations and, through jwst's
 * `persistence_array_file`, across exposures. No reference file. The class default is
 * `skip = True`: Detector1 runs it only when asked (`persistenceDefaults.skip`).
 *
 * The pipeline may run the step on slices of the integrations (`StepContext.integrationOffset`):
 * the windows open at the end of one slice are the `PersistenceState` the step returns, and the
 * caller passes it to the step for the next slice, so slices give the whole exposure's result.
 */
import type { RampModel } from '../datamodels/models.js';
import type { PersistenceArrayEntry } from '../datamodels/persistence-array.js';
import { runTiled } from '../pool/pool.js';
import { info, rampTileShape, type StepContext, type StepStatus } from './step.js';

export type { PersistenceArrayEntry };

/** FITS keyword suffix this step records: `S_PERSIS`. */
export const persistenceKeywords = { status: 'PERSIS' } as const;

export class PersistenceStepError extends Error {
  override name = 'PersistenceStepError';
}

/** jwst 3.0.0 `PersistenceStep` parameters in camelCase (file names are the caller's business). */
export interface PersistenceOptions {
  /** `persistence_time`: window length in whole seconds; null or <= 0 -> FAILED. */
  persistenceTime: number | null;
  /** `dn_threshold`: DN; a group above it opens a window where none is open. null: off. */
  dnThreshold: number | null;
  /** `persistence_dnu`: also set DO_NOT_USE. */
  persistenceDnu: boolean;
  /** The contents of `persistence_array_file` by detector name (`decodePersistenceArrayFile` of its bytes). */
  persistenceArray?: Record<string, PersistenceArrayEntry>;
}

/** jwst's defaults; `skip` is the class default the pipeline applies (the step runs when called). */
export const persistenceDefaults: Readonly<PersistenceOptions & { skip: boolean }> = Object.freeze({
  persistenceTime: null,
  dnThreshold: null,
  persistenceDnu: false,
  skip: true,
});

/** The windows open after the integrations processed so far: pass it with the next slice. */
export interface PersistenceState {
  /** Window end per pixel `(rows, cols)`, Unix seconds, 0 = none (jwst's `persistence_array`). */
  window: Float64Array;
  /** Columns of the science array (`window` is row-major). */
  cols: number;
  persistenceTime: number;
  /** Integrations of the exposure processed so far. */
  integrations: number;
}

export interface PersistenceStepResult {
  status: StepStatus;
  /** Present when the step ran: the state to carry to the next slice or exposure. */
  state?: PersistenceState;
}

/** jwst `mjd_to_epoch`. */
function mjdToEpoch(mjd: number): number {
  return (mjd - 40587.0) * 86400.0;
}

/** The starting windows: jwst's `persistence_array` from the file's entry for this detector, else zeros. */
function initialWindow(ramp: RampModel, o: PersistenceOptions, persistenceTime: number, context: StepContext): Float64Array {
  const [, , rows, cols] = ramp.shape;
  const window = new Float64Array(rows * cols);
  if (!o.persistenceArray) return window;
  const detector = ramp.meta.instrument.detector ?? '';
  const entry = o.persistenceArray[detector];
  if (!entry) {
    info(context, `persistence: detector ${detector} not in the persistence array; starting with no windows`);
    return window;
  }
  if (entry.persTime !== persistenceTime) {
    info(context, `persistence: the persistence array's pers_time ${entry.persTime} does not equal persistence_time ${persistenceTime}; starting with no windows`);
    return window;
  }
  const n = entry.rows.length;
  if (entry.cols.length !== n || entry.vals.length !== n) throw new PersistenceStepError('persistence: rows, cols and vals of the persistence array differ in length');
  for (let k = 0; k < n; k++) {
    const [r, c] = [entry.rows[k], entry.cols[k]];
    if (!Number.isInteger(r) || !Number.isInteger(c) || r < -rows || r >= rows || c < -cols || c >= cols) {
      throw new PersistenceStepError(`persistence: persistence array index (${r}, ${c}) is outside the ${rows} x ${cols} science array`);
    }
    // numpy fancy indexing: negative indices count from the end.
    window[(r < 0 ? r + rows : r) * cols + (c < 0 ? c + cols : c)] = entry.vals[k];
  }
  return window;
}

/**
 * The float64 time jwst reaches at every group of the slice: the integration's start
 * (INT_TIMES `int_start_MJD_UTC` of that integration when the table has its row, else EXPSTART
 * plus the integration number times EFFINTTM), plus one group time per group, added one by one.
 */
function groupTimes(ramp: RampModel, offset: number): Float64Array {
  const [nints, ngroups] = ramp.shape;
  const { startTime, integrationTime, groupTime } = ramp.meta.exposure;
  // jwst converts EXPSTART even when INT_TIMES gives every start.
  if (startTime === undefined) throw new PersistenceStepError('persistence: the exposure has no start time (EXPSTART)');
  if (groupTime === undefined) throw new PersistenceStepError('persistence: the exposure has no group time (TGROUP)');
  const epoch = mjdToEpoch(startTime);
  const intStarts = ramp.intTimes && ramp.intTimes.nrows > 0 ? ramp.intTimes.column('int_start_MJD_UTC').data : undefined;
  const times = new Float64Array(nints * ngroups);
  for (let i = 0; i < nints; i++) {
    const integration = offset + i;
    let t: number;
    if (intStarts && intStarts.length > integration) {
      t = mjdToEpoch(Number(intStarts[integration]));
    } else {
      if (integrationTime === undefined) throw new PersistenceStepError('persistence: no INT_TIMES row and no integration time (EFFINTTM)');
      t = epoch + integration * integrationTime;
    }
    for (let g = 0; g < ngroups; g++) times[i * ngroups + g] = t += groupTime;
  }
  return times;
}

/**
 * Runs the step on `ramp` (the exposure, or the slice starting at `context.integrationOffset`).
 * `state` is what the previous slice returned (required for every slice but the first); it is
 * updated in place and returned.
 */
export async function persistenceStep(
  ramp: RampModel,
  context: StepContext = {},
  options: Partial<PersistenceOptions> = {},
  state?: PersistenceState,
): Promise<PersistenceStepResult> {
  const o: PersistenceOptions = { ...persistenceDefaults, ...options };
  const { persistenceTime, dnThreshold } = o;
  if (persistenceTime !== null && !Number.isInteger(persistenceTime)) {
    throw new PersistenceStepError(`persistence: persistence_time must be an integer number of seconds, got ${persistenceTime}`);
  }
  if (persistenceTime === null || persistenceTime <= 0) {
    info(context, 'persistence: step failed due to invalid persistence_time');
    return { status: (ramp.meta.calStep[persistenceKeywords.status] = 'FAILED') };
  }
  const offset = context.integrationOffset ?? 0;
  const [nints, , rows, cols] = ramp.shape;
  if (state) {
    if (state.window.length !== rows * cols || state.cols !== cols) throw new PersistenceStepError(`persistence: the carried state is ${state.window.length} pixels, the ramp ${rows} x ${cols}`);
    if (state.persistenceTime !== persistenceTime) throw new PersistenceStepError('persistence: the carried state was made with another persistence_time');
    if (state.integrations !== offset) throw new PersistenceStepError(`persistence: the carried state ends at integration ${state.integrations}, this slice starts at ${offset}`);
  } else if (offset > 0) {
    throw new PersistenceStepError('persistence: a slice after the first needs the state returned for the previous slice');
  }
  const current = state ?? { window: initialWindow(ramp, o, persistenceTime, context), cols, persistenceTime, integrations: 0 };
  const params = {
    times: groupTimes(ramp, offset),
    persistenceTime,
    dnThreshold: dnThreshold ?? undefined,
    doNotUse: o.persistenceDnu,
  };
  // The science data are only read for the DN threshold: without one they stay here.
  const data = params.dnThreshold === undefined ? undefined : ramp.data;
  await runTiled(context.pool, 'persistence', { data, groupdq: ramp.groupdq, window: current.window }, rampTileShape(ramp.shape), {
    signal: context.signal,
    params,
  });
  current.integrations = offset + nints;
  return { status: (ramp.meta.calStep[persistenceKeywords.status] = 'COMPLETE'), state: current };
}

/** The entry jwst writes for `save_persistence`: the non-zero (or NaN) windows in row-major order. */
export function persistenceArrayEntry(state: PersistenceState, filename?: string): PersistenceArrayEntry {
  const [rows, cols, vals]: number[][] = [[], [], []];
  state.window.forEach((value, p) => {
    if (value !== 0) {
      rows.push(Math.floor(p / state.cols));
      cols.push(p % state.cols);
      vals.push(value);
    }
  });
  return { filename, rows, cols, vals, persTime: state.persistenceTime };
}
