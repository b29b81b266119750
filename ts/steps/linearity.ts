/**
 * linearity (spec/steps/linearity.md): polynomial correction of every unsaturated group (and
 * ZEROFRAME). Missing reference -> SKIPPED (jwst's fallback), with a warning.
 */
import type { FitsFile } from '../io/fits/index.js';
import type { RampModel } from '../datamodels/models.js';
import { readReferenceDq, readReferenceFloat, scienceGeometry, ReferenceFileError } from '../reffiles/index.js';
import type { StoredDq } from '../kernels/dq-translate.js';
import { runTiled, type RowWindow } from '../pool/pool.js';
import { planRowBands } from '../pool/plan.js';
import { allocShared, releaseShared } from '../kernels/arrays.js';
import { info, rampTileShape, referenceName, releaseUnlessKept, reusedAcrossSlices, skipWithoutReference, warn, type StepContext, type StepStatus } from './step.js';

/** FITS keyword suffixes this step records: `S_LINEAR`, `R_LINEAR`. */
export const linearityKeywords = { status: 'LINEAR', reference: 'LINEAR' } as const;

export async function linearityStep(ramp: RampModel, reference: FitsFile | undefined, context: StepContext = {}): Promise<StepStatus> {
  if (!reference) return skipWithoutReference(ramp.meta, context, 'linearity', 'linearity', linearityKeywords);
  const warnFn = (message: string) => warn(context, message);
  const refContext = { science: scienceGeometry(ramp.meta, ramp.shape, 'science data', warnFn), instrument: ramp.meta.instrument.name, warn: warnFn };
  const nframes = ramp.meta.exposure.nframes ?? 1;
  const [, , ny, nx] = ramp.shape;
  /** The coefficient stacks and DQ of science rows `rows` (default all), in recycled shared memory. */
  const readTables = async (rows?: [number, number]): Promise<Tables> => {
    // Coefficients stored as plain float32 keep the file's byte order: the workers reverse it.
    const options = { shared: true, rows, fileOrder: true };
    const plane = (rows ? rows[1] - rows[0] : ny) * nx;
    const coeffs = await readReferenceFloat(reference, 'COEFFS', refContext, options);
    // jwst: read-level path with INV_COEFFS only for frame-averaged groups (and no read_times,
    // which our RampModel never carries).
    const inverse = reference.find('INV_COEFFS') && nframes > 1 ? await readReferenceFloat(reference, 'INV_COEFFS', refContext, options) : undefined;
    const ncoeffs = Math.max(coeffs.data.length, inverse?.data.length ?? 0) / plane;
    // DQ words as the file stores them, when they can be: the workers translate them.
    const dq = reference.find('DQ') ? await readReferenceDq(reference, refContext, 'DQ', options) : undefined;
    return {
      // (Padding planes are zeros, the same in either byte order.)
      coeffs: padHighOrder(coeffs.data, ncoeffs, plane),
      invCoeffs: inverse && padHighOrder(inverse.data, ncoeffs, plane),
      bigEndian: [...(coeffs.fileOrder ? ['coeffs'] : []), ...(inverse?.fileOrder ? ['invCoeffs'] : [])],
      linDq: dq?.data ?? new Uint32Array(plane),
      storedDq: dq?.stored && { linDq: dq.stored },
      ncoeffs,
    };
  };
  for (const name of ['COEFFS', 'INV_COEFFS']) {
    const shape = reference.find(name)?.shape;
    if (shape && (shape.length !== 3 || shape[0] < 2)) {
      throw new ReferenceFileError(reference.source.name, `coefficients must be (ncoeffs >= 2, ny, nx), got (${shape.join(', ')})`);
    }
  }
  if (reference.find('INV_COEFFS') && nframes > 1) info(context, 'linearity: read-level correction with INV_COEFFS and NFRAMES=' + nframes);
  const run = (tables: Tables, window?: RowWindow) =>
    runTiled(
      context.pool,
      'linearity',
      {
        data: ramp.data,
        zeroframe: ramp.meta.exposure.zeroFrame ? ramp.zeroframe : undefined,
        pixeldq: ramp.pixeldq,
        groupdq: ramp.groupdq,
        coeffs: tables.coeffs,
        invCoeffs: tables.invCoeffs,
        linDq: tables.linDq,
      },
      { ...rampTileShape(ramp.shape), planes: tables.ncoeffs },
      { signal: context.signal, params: { nframes }, window, bigEndian: tables.bigEndian, storedDq: tables.storedDq },
    );
  if (context.sliceCache) {
    // Integration slices share the whole tables (read once for the exposure).
    const tables = await reusedAcrossSlices(context, 'linearity', [reference.source.name, refContext.science, nframes], () => readTables());
    try {
      await run(tables);
    } finally {
      releaseUnlessKept(context, { coeffs: tables.coeffs, invCoeffs: tables.invCoeffs, linDq: tables.linDq });
    }
  } else {
    await byWindows(ny, nx, reference, readTables, run);
  }
  ramp.meta.refFiles[linearityKeywords.reference] = referenceName(reference);
  return (ramp.meta.calStep[linearityKeywords.status] = 'COMPLETE');
}

/**
 * Adds zero highest-order planes so COEFFS and INV_COEFFS share one plane count: in Horner order
 * a leading zero term gives exactly the same float result for finite data.
 */
function padHighOrder(stack: Float32Array, ncoeffs: number, plane: number): Float32Array {
  if (stack.length === ncoeffs * plane) return stack;
  const padded = allocShared(Float32Array, ncoeffs * plane);
  padded.set(stack);
  releaseShared(stack);
  return padded;
}

interface Tables {
  coeffs: Float32Array;
  /** The tables left in the file's byte order. */
  bigEndian: string[];
  invCoeffs: Float32Array | undefined;
  linDq: Uint32Array;
  /** linDq as the file stores it (readReferenceDq's `stored`). */
  storedDq: { linDq: StoredDq } | undefined;
  ncoeffs: number;
}

/** Coefficient bytes read at a time: a NIRCam full frame's 5 planes in 4 windows of 512 rows. */
const WINDOW_BYTES = 24 * 2 ** 20;

/**
 * Window by window of rows, the next window's tables read while the workers correct this one:
 * the coefficient cube (84 MB on a NIRCam full frame) never sits whole in memory.
 */
async function byWindows(ny: number, nx: number, reference: FitsFile, readTables: (rows: [number, number]) => Promise<Tables>, run: (tables: Tables, window: RowWindow) => Promise<void>): Promise<void> {
  const stacked = ['COEFFS', 'INV_COEFFS'].reduce((n, name) => n + (reference.find(name)?.shape[0] ?? 0), 0);
  const windows = planRowBands(ny, { maxRows: Math.max(1, Math.floor(WINDOW_BYTES / (Math.max(1, stacked) * nx * 4))) });
  const read = (w: number) => readTables([windows[w].row0, windows[w].row0 + windows[w].rows]);
  const release = (tables: Tables) => {
    for (const array of [tables.coeffs, tables.invCoeffs, tables.linDq]) if (array) releaseShared(array);
  };
  let next: Promise<Tables> | undefined = read(0);
  try {
    for (let w = 0; w < windows.length; w++) {
      const tables = await next!;
      next = w + 1 < windows.length ? read(w + 1) : undefined;
      try {
        await run(tables, { ...windows[w], arrays: ['coeffs', 'invCoeffs', 'linDq'] });
      } finally {
        release(tables);
      }
    }
  } finally {
    // After a failure, the tables of a read still in flight go back once it ends.
    await next?.then(release, () => {});
  }
}
