/**
 * dark_current (spec/steps/dark_current.md): subtract the DARK reference, averaged to the science
 * NFRAMES/GROUPGAP (extrapolated when it has too few groups), and set the average dark current
 * ramp fitting uses. Only the dark planes the science needs are read, one at a time.
 * Near-IR 3-D and MIRI 4-D (per-integration) darks. Missing reference -> SKIPPED; a dark with
 * more NFRAMES or GROUPGAP than the science -> SKIPPED.
 */
import type { FitsFile, Hdu } from '../io/fits/index.js';
import type { RampModel } from '../datamodels/models.js';
import type { Meta } from '../datamodels/meta.js';
import { dqBitFlags } from '../dq/index.js';
import { cutToScience, dqWords, geometryOf, readDqBlockInto, readDqDefinitions, readReferenceDq, readReferencePlaneInto, ReferenceFileError, scienceGeometry, type ReferenceContext } from '../reffiles/index.js';
import { allocShared, FILE_WORDS_SWAPPED, releaseShared } from '../kernels/arrays.js';
import type { StoredDq } from '../kernels/dq-translate.js';
import { runTiled } from '../pool/pool.js';
import { info, rampTileShape, referenceName, releaseUnlessKept, reusedAcrossSlices, skipWithoutReference, warn, type StepContext, type StepStatus } from './step.js';

/** FITS keyword suffixes this step records: `S_DARK`, `R_DARK`. */
export const darkCurrentKeywords = { status: 'DARK', reference: 'DARK' } as const;

export interface DarkCurrentOptions {
  /** jwst's `average_dark_current` parameter (DN/s), overriding the reference's. */
  averageDarkCurrent?: number;
}

export async function darkCurrentStep(
  ramp: RampModel,
  reference: FitsFile | undefined,
  context: StepContext = {},
  options: DarkCurrentOptions = {},
): Promise<StepStatus> {
  const skip = (): StepStatus => (ramp.meta.calStep[darkCurrentKeywords.status] = 'SKIPPED');
  if (!reference) return skipWithoutReference(ramp.meta, context, 'dark_current', 'dark', darkCurrentKeywords);
  const file = reference.source.name;
  const [, , ny, nx] = ramp.shape;
  const readout = darkReadout(ramp.meta, ramp.shape, reference, context.integrationOffset ?? 0, context.exposureIntegrations);
  const { sci, rank, darkNframes, darkGroupgap, extra, direct, planes, source, used } = readout;
  ramp.meta.refFiles[darkCurrentKeywords.reference] = referenceName(reference);
  await setAverageDarkCurrent(ramp, reference, options, (m) => warn(context, m));

  const nframes = ramp.meta.exposure.nframes ?? 1;
  const groupgap = ramp.meta.exposure.groupgap ?? 0;
  if (extra > 0) warn(context, `dark_current: ${file} has too few groups; extrapolating ${extra} more from its last two`);
  if (readout.exceeds) {
    warn(context, `dark_current: the dark's NFRAMES/GROUPGAP (${darkNframes}/${darkGroupgap}) exceed the science's (${nframes}/${groupgap}); step skipped`);
    return skip();
  }
  if (extra > 0 && planes < 2) throw new ReferenceFileError(file, 'a 1-group dark cannot be extrapolated');
  if (!direct) info(context, `dark_current: averaging ${nframes} dark frames per group with gap ${groupgap}`);

  if (direct && extra === 0 && used.length === 1 && source.every((d) => d === used[0])) {
    await subtractPlaneByPlane(ramp, reference, sci, used[0], planes, context);
    return (ramp.meta.calStep[darkCurrentKeywords.status] = 'COMPLETE');
  }
  const { frames, darkDq } = await reusedAcrossSlices(context, 'dark_current', [file, used, planes, ramp.meta.subarray, ny, nx], async () => {
    const fit = fitter(reference, ramp, [ny, nx], (m) => warn(context, m));
    const refContext = darkReferenceContext(ramp, context);
    const frames = allocShared(Float32Array, used.length * planes * ny * nx, { zeroed: false });
    for (const [slot, d] of used.entries()) {
      for (let k = 0; k < planes; k++) {
        // Each plane straight into its place; a larger dark gives only the window's rows.
        await readDarkPlane(reference, sci, rank === 4 ? [d, k] : [k], [ny, nx], refContext, frames.subarray((slot * planes + k) * ny * nx, (slot * planes + k + 1) * ny * nx));
      }
    }
    return { frames, darkDq: (await readDarkDq(reference, fit, [ny, nx], refContext)).data };
  });
  await runTiled(
    context.pool,
    'darkCurrent',
    { data: ramp.data, pixeldq: ramp.pixeldq, frames, darkDq },
    { ...rampTileShape(ramp.shape), planes: used.length * planes },
    {
      signal: context.signal,
      // Only extrapolated planes are virtual: with a dark longer than the science needs, stcal
      // averages (and subtracts) in float32; the kernel's float64 path is for extrapolated darks.
      params: { planes, darkInts: used.length, virtualPlanes: planes + extra, direct, nframes, groupgap, intMap: source.map((d) => used.indexOf(d)) },
    },
  );
  releaseUnlessKept(context, { frames });
  return (ramp.meta.calStep[darkCurrentKeywords.status] = 'COMPLETE');
}

/** How a ramp's readout takes the planes of a dark (`darkReadout`). */
export interface DarkReadout {
  sci: Hdu;
  rank: number;
  darkNframes: number;
  darkGroupgap: number;
  /** The dark's NFRAMES or GROUPGAP exceed the science's: the step is skipped. */
  exceeds: boolean;
  /** The dark's readout is the science's: its planes are subtracted as they are. */
  direct: boolean;
  /** Planes extrapolated past the dark's last (too few groups). */
  extra: number;
  /** Dark planes read (from each dark integration used). */
  planes: number;
  /** Per integration of the ramp: the dark integration it takes, -1 for none. */
  source: number[];
  /** The dark integrations some integration takes, in order. */
  used: number[];
}

/**
 * The dark planes a ramp of `shape` takes from `reference` (its integrations from
 * `integrationOffset` in an exposure of `exposureIntegrations`).
 */
export function darkReadout(meta: Meta, shape: readonly number[], reference: FitsFile, integrationOffset = 0, exposureIntegrations?: number): DarkReadout {
  const file = reference.source.name;
  const [nints, ngroups] = shape;
  const sci = reference.find('SCI');
  if (!sci) throw new ReferenceFileError(file, 'no SCI extension');
  const rank = sci.shape.length;
  if (rank !== 3 && rank !== 4) {
    throw new ReferenceFileError(file, `SCI is (${sci.shape.join(', ')}), not (ngroups, ny, nx) nor MIRI's (nints, ngroups, ny, nx)`);
  }
  const header = reference.primary.header;
  const darkInt = (key: string) => {
    const value = header.getInt(key);
    if (value === undefined) throw new ReferenceFileError(file, `no integer ${key} keyword (jwst needs it to match the readout)`);
    return value;
  };
  const darkNframes = darkInt('NFRAMES');
  const darkGroupgap = darkInt('GROUPGAP');
  const nframes = meta.exposure.nframes ?? 1;
  const groupgap = meta.exposure.groupgap ?? 0;
  const darkPlanes = sci.shape[rank - 3];
  const darkInts = rank === 4 ? sci.shape[0] : 1;
  const sciFrames = ngroups * nframes + (ngroups - 1) * groupgap;
  const darkFrames = darkPlanes * darkNframes + (darkPlanes - 1) * darkGroupgap;
  const extra = sciFrames > darkFrames ? Math.ceil((sciFrames - darkFrames + darkGroupgap) / (darkNframes + darkGroupgap)) : 0;
  const direct = nframes === darkNframes && groupgap === darkGroupgap;
  const planes = extra > 0 ? darkPlanes : Math.min(darkPlanes, direct ? ngroups : sciFrames);
  // stcal: science integration i uses dark integration i while the dark has one and the exposure
  // starts at integration 1, else the last; an averaged dark exists only for the first
  // min(dark, science) integrations (the others are zeros: no subtraction).
  // A slice of the exposure (integrationOffset) maps its integrations by their number in the exposure.
  const intStart = meta.exposure.integrationStart ?? 1;
  const prepared = direct ? darkInts : Math.min(darkInts, exposureIntegrations ?? nints);
  const source = Array.from({ length: nints }, (_, local) => {
    const i = integrationOffset + local;
    const d = i < darkInts && intStart === 1 ? i : darkInts - 1;
    return d < prepared ? d : -1;
  });
  const used = [...new Set(source.filter((d) => d >= 0))].sort((a, b) => a - b);
  return { sci, rank, darkNframes, darkGroupgap, exceeds: darkNframes > nframes || darkGroupgap > groupgap, direct, extra, planes, source, used };
}

/**
 * The average dark current ramp fitting takes when it is one value for every pixel (jwst
 * `set_average_dark_current`: the parameter, else the reference's AVDRKCUR keyword, absent 0);
 * undefined when the reference has an AVDRKCUR image, which may hold one per pixel.
 */
export function uniformAverageDarkCurrent(reference: FitsFile, options: DarkCurrentOptions): number | undefined {
  if (options.averageDarkCurrent !== undefined) return options.averageDarkCurrent;
  if (reference.find('AVDRKCUR')) return undefined;
  return reference.primary.header.getNumber('AVDRKCUR') ?? 0;
}

/**
 * Dark bytes a kernel call takes: small planes go several a call. One call a plane made a MIRI TSO
 * exposure's 512 x 512 dark 45 calls a slice, 2250 over its 50 one-integration slices (each call
 * costs ~0.5 ms of messages and promises). With 4 MiB, a 10-integration NIRCam SUB640 exposure
 * (1.6 MB planes, two a call) seemed to peak ~10 MB higher; at 2 MiB its planes go one a call.
 */
const DARK_BATCH_BYTES = 2 * 2 ** 20;

/**
 * The common case (the dark's readout is the science's, one dark integration for the slice):
 * each batch of dark planes (one plane when planes are large, see DARK_BATCH_BYTES) is read into
 * a reused buffer and subtracted from its groups of every integration, so the dark cube never
 * sits in memory (memory touched for the first time is slow, and a NIRCam full-frame dark is
 * 168 MB for 10 groups). Integration slices read the planes again rather than keep the cube
 * across slices (a 10-integration NIRCam SUB640 exposure peaked 10-15 MB higher with it kept,
 * ~5 % faster). The same subtraction as the whole-cube path.
 */
async function subtractPlaneByPlane(ramp: RampModel, reference: FitsFile, sci: Hdu, darkInt: number, planes: number, context: StepContext): Promise<void> {
  const [nints, ngroups, ny, nx] = ramp.shape;
  const plane = ny * nx;
  const rank = sci.shape.length;
  const refContext = darkReferenceContext(ramp, context);
  // The DQ plane (translated or not, ~1 plane) is kept across integration slices: a MIRI dark's
  // is merged from every dark integration's.
  const dq = await reusedAcrossSlices(context, 'dark_current.dq', [reference.source.name, ramp.meta.subarray, ny, nx], async () => {
    const { data, stored } = await readDarkDq(reference, fitter(reference, ramp, [ny, nx], (m) => warn(context, m)), [ny, nx], refContext, true);
    return { darkDq: data, stored };
  });
  const { darkDq, stored } = dq;
  const count = Math.min(planes, ngroups);
  const batch = Math.max(1, Math.min(count, Math.floor(DARK_BATCH_BYTES / (4 * plane))));
  // Shared: the workers read the planes in place; recycled: no fresh memory for them. Two, so
  // that the next batch is read while the workers subtract this one (batches of large planes
  // were no faster and peaked higher).
  const frames = [allocShared(Float32Array, batch * plane, { zeroed: false }), allocShared(Float32Array, batch * plane, { zeroed: false })];
  const exposure = { nframes: ramp.meta.exposure.nframes ?? 1, groupgap: ramp.meta.exposure.groupgap ?? 0 };
  // Planes stored as plain float32 stay in file order: the workers reverse their bytes as they
  // take them, where this thread would spend longer on that than the workers on the subtraction.
  const read = async (b: number) => {
    const first = b * batch;
    const k = Math.min(batch, count - first);
    const frame = frames[b & 1].subarray(0, k * plane);
    const orders = new Set<boolean>();
    for (let j = 0; j < k; j++) {
      const index = rank === 4 ? [darkInt, first + j] : [first + j];
      orders.add(await readDarkPlane(reference, sci, index, [ny, nx], refContext, frame.subarray(j * plane, (j + 1) * plane), true));
    }
    if (orders.size > 1) throw new ReferenceFileError(reference.source.name, 'SCI planes read in two byte orders');
    return { first, k, frame, bigEndian: orders.has(true) ? ['frames'] : [] };
  };
  const batches = Math.ceil(count / batch);
  let next: ReturnType<typeof read> | undefined = read(0);
  try {
    for (let b = 0; b < batches; b++) {
      const { first, k, frame, bigEndian } = await next!;
      next = b + 1 < batches ? read(b + 1) : undefined;
      const params = { planes: k, darkInts: 1, virtualPlanes: k, direct: true, ...exposure, intMap: [0] };
      for (let i = 0; i < nints; i++) {
        const groups = ramp.data.subarray((i * ngroups + first) * plane, (i * ngroups + first + k) * plane);
        // The dark DQ goes into PIXELDQ with the first batch (an OR: once is enough).
        const flags = b === 0 && i === 0 ? { pixeldq: ramp.pixeldq, darkDq } : {};
        await runTiled(context.pool, 'darkCurrent', { data: groups, frames: frame, ...flags }, { nints: 1, ngroups: k, rows: ny, cols: nx, planes: k }, {
          signal: context.signal,
          params,
          bigEndian,
          storedDq: stored && { darkDq: stored },
        });
      }
    }
  } finally {
    // A read still in flight writes into a frame: it must end before the frame is reused.
    await next?.catch(() => {});
    for (const frame of frames) releaseShared(frame);
    releaseUnlessKept(context, dq);
  }
}

/**
 * One dark plane (`index` fixes the leading axes) into `into`: as it is when it has the
 * science's shape (jwst's rule, see `fitter`), else the science window's rows of it. With
 * `fileOrder`, a plane may be left with the file's byte order (see ReadImageOptions.fileOrder):
 * true when it was.
 */
async function readDarkPlane(reference: FitsFile, sci: Hdu, index: number[], [ny, nx]: number[], refContext: ReferenceContext, into: Float32Array, fileOrder = false): Promise<boolean> {
  const rank = sci.shape.length;
  if (sci.shape[rank - 2] === ny && sci.shape[rank - 1] === nx) {
    return (await reference.readImage(sci, { index, as: 'float32', into, fileOrder })).fileOrder === true;
  }
  await readReferencePlaneInto(reference, sci, index, refContext, into);
  return false;
}

/** Where the dark's planes are cut for this ramp. */
function darkReferenceContext(ramp: RampModel, context: StepContext): ReferenceContext {
  const warnFn = (m: string) => warn(context, m);
  return { science: scienceGeometry(ramp.meta, ramp.shape, 'science data', warnFn), instrument: ramp.meta.instrument.name, warn: warnFn };
}

/**
 * jwst uses a dark of the science's shape as is (no subarray logic); a larger one is cut to the
 * science subarray here, where jwst would fail on the shape mismatch.
 */
function fitter(reference: FitsFile, ramp: RampModel, [ny, nx]: number[], warnFn: (m: string) => void) {
  return <T extends Float32Array | Uint32Array>(data: T, shape: number[]): T => {
    if (shape[shape.length - 2] === ny && shape[shape.length - 1] === nx) return data;
    const file = reference.source.name;
    const geometry = geometryOf(reference.primary.header, shape, ramp.meta.instrument.name, file, warnFn);
    return cutToScience(data, shape, geometry, scienceGeometry(ramp.meta, ramp.shape, 'science data', warnFn), file).data;
  };
}

/**
 * The dark's DQ as standard flags for the science frame; with `fileOrder`, a 2-D DQ of 32-bit
 * words may stay as the file stores it, `stored` then saying how to translate it (the workers
 * do: TiledOptions.storedDq).
 */
async function readDarkDq(
  reference: FitsFile,
  fit: <T extends Float32Array | Uint32Array>(data: T, shape: number[]) => T,
  [ny, nx]: number[],
  refContext: ReferenceContext,
  fileOrder = false,
): Promise<{ data: Uint32Array; stored?: StoredDq }> {
  const hdu: Hdu | undefined = reference.find('DQ');
  if (!hdu) return { data: new Uint32Array(ny * nx) };
  const file = reference.source.name;
  const rank = hdu.shape.length;
  if (rank !== 2 && rank !== 4) throw new ReferenceFileError(file, `DQ is (${hdu.shape.join(', ')}), not 2-D nor MIRI's 4-D`);
  // A larger 2-D DQ: only the science window's rows (the cut `fit` would make).
  // Shared (recycled): a pipeline by row bands reads one per band, and the plane-by-plane path gives it back.
  if (rank === 2 && !(hdu.shape[0] === ny && hdu.shape[1] === nx)) return readReferenceDq(reference, refContext, 'DQ', { shared: true, fileOrder });
  const warnFn = refContext.warn ?? (() => {});
  const bitFlags = dqBitFlags(await readDqDefinitions(reference), (name) => warnFn(`${file}: DQ_DEF name "${name}" is not a standard flag; ignored`));
  const words = dqWords(hdu);
  if (fileOrder && rank === 2 && FILE_WORDS_SWAPPED && words) {
    const data = allocShared(Uint32Array, ny * nx, { zeroed: false });
    await reference.readImage(hdu, { as: 'stored', rawInto: new Uint8Array(data.buffer, 0, data.byteLength) });
    return { data, stored: { unsigned: words.unsigned, bitFlags } };
  }
  const planeShape = hdu.shape.slice(-2);
  let merged: Uint32Array | undefined;
  // MIRI: stcal ORs dq[i, 0] of every dark integration (a few planes, read one at a time).
  for (let i = 0; i < (rank === 4 ? hdu.shape[0] : 1); i++) {
    const translated = new Uint32Array(planeShape[0] * planeShape[1]);
    await readDqBlockInto(reference, hdu, rank === 4 ? [i, 0] : [], undefined, bitFlags, translated);
    const plane = fit(translated, planeShape);
    if (merged) plane.forEach((bits, p) => (merged![p] |= bits));
    else merged = plane;
  }
  return { data: merged ?? new Uint32Array(ny * nx) };
}

/**
 * jwst `set_average_dark_current`: the parameter, else the reference's AVDRKCUR image when it is
 * non-zero and of the science's shape, else its AVDRKCUR keyword (absent: 0), as float32.
 */
async function setAverageDarkCurrent(ramp: RampModel, reference: FitsFile, options: DarkCurrentOptions, warnFn: (m: string) => void) {
  const plane = ramp.shape[2] * ramp.shape[3];
  // Shared (recycled) memory: ramp fitting hands it to its workers as it is, not a copy of it.
  // Zero (the usual value) is left to a zeroed buffer: a fresh one's pages are then never touched.
  const filled = (value: number) => (value === 0 ? allocShared(Float32Array, plane) : allocShared(Float32Array, plane, { zeroed: false }).fill(value));
  if (options.averageDarkCurrent !== undefined) {
    ramp.avdrkcur = filled(options.averageDarkCurrent);
    return;
  }
  const hdu = reference.find('AVDRKCUR');
  if (hdu) {
    const { data, shape } = await reference.readImage(hdu, { as: 'float32' });
    let sum = 0;
    for (const v of data as Float32Array) sum += v;
    if (sum !== 0) {
      if (shape.length === 2 && shape[0] === ramp.shape[2] && shape[1] === ramp.shape[3]) {
        ramp.avdrkcur = data as Float32Array;
      } else {
        warnFn(`dark_current: ${reference.source.name} AVDRKCUR (${shape.join(', ')}) does not match the science shape; not applied`);
      }
      return;
    }
  }
  ramp.avdrkcur = filled(reference.primary.header.getNumber('AVDRKCUR') ?? 0);
}
