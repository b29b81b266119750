/**
 * refpix for NIRSpec IRS2 readouts (spec/steps/refpix.md §8; jwst `refpix_step.py` IRS2 branch and
 * `irs2_subtract_reference.py`). The DMS frame has 3200 rows: the reference output (detector
 * columns 0-639) and 4 amplifiers whose interleaved reference pixels are whole DMS rows.
 *
 * 1. `flag_bad_refpix` (flag only): readout pairs whose mean |difference|, mean or std stands out
 *    (sigma-clipped, `ovr_corr_mitigation_ftr`) in any integration get BAD_REF_PIXEL|DO_NOT_USE.
 * 1b. `irs2_mean_subtraction` only: jwst's traditional top/bottom correction without side pixels
 *    (Rust `irs2_mean`): per group and sector ("0ABCD", 640 detector columns), sigma-clipped means
 *    of the good pixels of detector rows 0-3 and 2044-2047 (odd/even by jwst's IRS2 column parity
 *    when `odd_even_columns`), averaged and subtracted from the sector; also the ZEROFRAME.
 * 2. `flag_bad_refpix` (replace only): every flagged row takes the mean of the same-parity rows a
 *    visit before and after, else one of them, else an adjacent good reference row, else 0.
 * 3. No REFPIX reference -> SKIPPED (the replaced rows stay, as in jwst).
 * 4. `correct_model`: rows flagged in the reference's DQ table are replaced the same way; then per
 *    integration the per-pixel mean over groups is removed and each group is corrected on its own
 *    (Rust: time-ordered streams, gap filling, FFT with ALPHA/BETA), the mean added back and the
 *    reference rows dropped (unless `preserve_irs2_refpix`): every later step sees 2048 x 2048.
 *
 * Memory and threads: the correction needs whole frames (its FFTs run over a frame's full
 * time stream), but groups are independent once the mean is known, so it holds one integration's
 * mean and one group at a time on top of the ramp, in the calling thread.
 */
import type { RampModel } from '../datamodels/models.js';
import type { FitsFile } from '../io/fits/index.js';
import { pixel } from '../dq/index.js';
import { Irs2Corrector, irs2FlagPairs, irs2SubtractGroupMeans } from '../kernels/irs2.js';
import { readIrs2Reference } from '../reffiles/irs2.js';
import { info, referenceName, warn, type StepContext, type StepStatus } from './step.js';

export class RefpixIrs2Error extends Error {
  override name = 'RefpixIrs2Error';
}

export interface RefpixIrs2Options {
  ovrCorrMitigationFtr: number;
  preserveIrs2Refpix: boolean;
  irs2MeanSubtraction: boolean;
  /** `irs2MeanSubtraction` only (side pixels are never used for IRS2). */
  oddEvenColumns: boolean;
  useSideRefPixels: boolean;
  siglimit: number;
}

/** The REFPIX reference, or a function that selects it (called only for IRS2 data). */
export type Irs2ReferenceSource = FitsFile | (() => Promise<FitsFile | undefined>) | undefined;

const BAD_REF = pixel.BAD_REF_PIXEL;
const DNU = pixel.DO_NOT_USE;
/** jwst's defaults when NRS_NORM / NRS_REF are missing (correct_model only). */
const SCIPIX_N_DEFAULT = 16;
const REFPIX_R_DEFAULT = 4;
/** New-row overhead (pixel times) jwst assumes. */
const PAD = 8;
/** jwst checks the REFPIX table against this length whatever NRS_NORM / NRS_REF are. */
const EXPECTED_TABLE_ROWS = 2 * 712 * 2048;

/** jwst `make_irs2_mask`: true for normal pixels along the 3200 axis (detector order). */
export function irs2NormalMask(length: number, scipixN: number, refpixR: number): Uint8Array {
  const refout = Math.floor(length / 5);
  const part = refout - (scipixN / 2 + refpixR);
  const k = Math.floor(part / (scipixN + refpixR));
  const stuffAtEnd = part - k * (scipixN + refpixR);
  const mask = new Uint8Array(length).fill(1);
  mask.fill(0, 0, refout);
  if (stuffAtEnd === scipixN / 2) {
    for (let i = refout + scipixN / 2; i <= length; i += scipixN + refpixR) mask.fill(0, i, Math.min(i + refpixR, length));
  } else {
    const one = new Uint8Array(refout).fill(1);
    for (let i = scipixN / 2; i <= refout; i += scipixN + refpixR) one.fill(0, i, Math.min(i + refpixR, refout));
    for (let s = 0; s < 4; s++) {
      for (let c = 0; c < refout; c++) mask[refout * (s + 1) + c] = s % 2 === 0 ? one[c] : one[refout - 1 - c];
    }
  }
  return mask;
}

/** The whole ramp's DMS rows `row` (all integrations and groups) as row views. */
function rowsOf(ramp: RampModel) {
  const [nints, ngroups, rows, cols] = ramp.shape;
  return {
    get: (row: number, plane: number) => ramp.data.subarray((plane * rows + row) * cols, (plane * rows + row + 1) * cols),
    planes: nints * ngroups,
  };
}

/**
 * jwst `replace_refpix`: the bad reference index `bad` (along the reference axis, `rowOf` maps it
 * to a DMS row) takes the mean of the same-parity reads a visit before and after, else one of
 * them, else an adjacent good interleaved read, else 0. In place, for every integration and group.
 */
function replaceRefpix(ramp: RampModel, bad: number, badMask: Uint8Array, isIrs2: Uint8Array, low: number, high: number, period: number, rowOf: (i: number) => number): void {
  const { get, planes } = rowsOf(ramp);
  const lower = bad - 2;
  const upper = bad + 2;
  let neighbor: number | undefined;
  if (lower >= low && isIrs2[lower] && !badMask[lower]) neighbor = lower;
  else if (upper < high && isIrs2[upper] && !badMask[upper]) neighbor = upper;
  const before = bad - period >= low && !badMask[bad - period] ? bad - period : undefined;
  const after = bad + period < high && !badMask[bad + period] ? bad + period : undefined;
  const target = rowOf(bad);
  for (let p = 0; p < planes; p++) {
    const out = get(target, p);
    if (before !== undefined && after !== undefined) {
      const [a, b] = [get(rowOf(before), p), get(rowOf(after), p)];
      for (let i = 0; i < out.length; i++) out[i] = Math.fround(Math.fround(a[i] + b[i]) / 2);
    } else if (before !== undefined || after !== undefined || neighbor !== undefined) {
      out.set(get(rowOf((before ?? after ?? neighbor)!), p));
    } else {
      out.fill(0);
    }
  }
}

/** Rows (DMS) with BAD_REF_PIXEL anywhere in PIXELDQ. */
function badRefRows(ramp: RampModel): Uint8Array {
  const [, , rows, cols] = ramp.shape;
  const bad = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (ramp.pixeldq[r * cols + c] & BAD_REF) {
        bad[r] = 1;
        break;
      }
    }
  }
  return bad;
}

/** jwst `flag_bad_refpix`: flag outlying readout pairs (`flagOnly`) or replace flagged rows. */
function flagBadRefpix(ramp: RampModel, scipixN: number, refpixR: number, nSigma: number, mode: 'flag' | 'replace'): number {
  const [nints, ngroups, rows, cols] = ramp.shape;
  const sector = Math.floor(rows / 5);
  const period = scipixN + refpixR;
  const bad = badRefRows(ramp);
  if (mode === 'flag') {
    const initial = bad.slice();
    const intLen = ngroups * rows * cols;
    for (let j = 0; j < nints; j++) {
      const intBad = irs2FlagPairs(ramp.data.subarray(j * intLen, (j + 1) * intLen), ngroups, rows, cols, scipixN, refpixR, initial, nSigma);
      intBad.forEach((b, r) => (bad[r] |= b));
    }
  } else {
    const isIrs2 = new Uint8Array(rows);
    for (let k = 0; k < 5; k++) {
      for (let start = scipixN / 2; start < sector; start += period) isIrs2.fill(1, k * sector + start, Math.min(k * sector + start + refpixR, rows));
    }
    for (let k = 0; k < 5; k++) {
      const offset = k * sector;
      for (let r = offset; r < offset + sector; r++) {
        if (bad[r]) replaceRefpix(ramp, r, bad, isIrs2, offset, offset + sector, period, (i) => i);
      }
    }
  }
  let count = 0;
  for (let r = 0; r < rows; r++) {
    if (!bad[r]) continue;
    count++;
    for (let c = 0; c < cols; c++) ramp.pixeldq[r * cols + c] |= BAD_REF | DNU;
  }
  return count;
}

/** jwst `clobber_ref`: reference reads the REFPIX DQ table marks bad are replaced (detector order). */
function clobberRef(ramp: RampModel, dq: NonNullable<Awaited<ReturnType<typeof readIrs2Reference>>['dq']>, normal: Uint8Array, flip: boolean, scipixN: number, refpixR: number): void {
  const rows = ramp.shape[2];
  const amp = Math.floor(rows / 5);
  const rowOf = (x: number) => (flip ? rows - 1 - x : x);
  // Bad reference flags by detector column, from PIXELDQ.
  const dmsBad = badRefRows(ramp);
  const refFlags = Uint8Array.from({ length: rows }, (_, x) => dmsBad[rowOf(x)]);
  const isIrs2 = Uint8Array.from(normal, (m) => (m ? 0 : 1));
  isIrs2.copyWithin(0, 2 * amp, 3 * amp);
  for (let row = 0; row < dq.output.length; row++) {
    const output = dq.output[row];
    const offset = output * amp;
    const oddEven = output % 2 === 0 ? 3 - dq.oddEven[row] : dq.oddEven[row];
    const fresh: number[] = [];
    for (let bit = 0; bit < 32; bit++) {
      if (!((dq.mask[row] >>> bit) & 1)) continue;
      const ref = offset + scipixN / 2 + bit * (scipixN + refpixR) + 2 * (oddEven - 1);
      for (const x of [ref, ref + 1]) {
        if (!refFlags[x]) {
          fresh.push(x);
          refFlags[x] = 1;
        }
      }
    }
    for (const x of fresh) replaceRefpix(ramp, x, refFlags, isIrs2, offset, offset + amp, scipixN + refpixR, rowOf);
  }
}

interface DetectorOrientation {
  fastReversed: boolean;
  slowReversed: boolean;
}

/** jwst reaches the detector frame through FASTAXIS/SLOWAXIS; IRS2 frames are transposed (|FASTAXIS| = 2). */
function detectorOrientation(ramp: RampModel): DetectorOrientation {
  const { fastaxis, slowaxis } = ramp.meta.subarray;
  if (fastaxis === undefined || slowaxis === undefined || Math.abs(fastaxis) !== 2 || Math.abs(slowaxis) !== 1) {
    throw new RefpixIrs2Error(`refpix: irs2_mean_subtraction needs FASTAXIS = ±2 and SLOWAXIS = ±1, got ${fastaxis} and ${slowaxis}`);
  }
  return { fastReversed: fastaxis < 0, slowReversed: slowaxis < 0 };
}

/**
 * jwst's `irs2_mean_subtraction` (`reference_pixels.correct_model` on the IRS2 frame, side pixels
 * off): every group, and the ZEROFRAME (whose zeros stay zero), loses its top/bottom reference means.
 */
function subtractReferenceMeans(ramp: RampModel, o: RefpixIrs2Options, scipixN: number, refpixR: number, orientation: DetectorOrientation, context: StepContext): void {
  const [nints, ngroups, rows, cols] = ramp.shape;
  if (o.useSideRefPixels) info(context, 'refpix: turning off side pixel correction for IRS2');
  const params = { scipixN, refpixR, oddEvenColumns: o.oddEvenColumns, siglimit: o.siglimit, ...orientation };
  const plane = rows * cols;
  for (let p = 0; p < nints * ngroups; p++) {
    context.signal?.throwIfAborted();
    irs2SubtractGroupMeans(ramp.data.subarray(p * plane, (p + 1) * plane), ramp.pixeldq, rows, cols, params);
  }
  if (ramp.meta.exposure.zeroFrame && ramp.zeroframe) {
    for (let j = 0; j < nints; j++) {
      const frame = ramp.zeroframe.subarray(j * plane, (j + 1) * plane);
      const zeros = frame.map((v) => (v === 0 ? 1 : 0));
      irs2SubtractGroupMeans(frame, ramp.pixeldq, rows, cols, params);
      zeros.forEach((z, i) => z && (frame[i] = 0));
    }
  }
}

async function resolveReference(source: Irs2ReferenceSource): Promise<FitsFile | undefined> {
  return typeof source === 'function' ? source() : source;
}

export async function refpixIrs2(ramp: RampModel, o: RefpixIrs2Options, source: Irs2ReferenceSource, context: StepContext): Promise<StepStatus> {
  const setStatus = (status: StepStatus) => (ramp.meta.calStep.REFPIX = status);
  const [nints, ngroups, rows, cols] = ramp.shape;
  const detector = ramp.meta.instrument.detector?.toUpperCase();
  if (detector !== 'NRS1' && detector !== 'NRS2') throw new RefpixIrs2Error(`refpix: IRS2 data from detector ${detector ?? '(none)'}; only NRS1 and NRS2 are supported`);
  if (rows !== 3200 || cols !== 2048) throw new RefpixIrs2Error(`refpix: IRS2 frames must be 3200 x 2048 (DMS), got ${rows} x ${cols}`);
  const { nrsNormal, nrsReference } = ramp.meta.exposure;
  // jwst's flag_bad_refpix reads NRS_NORM / NRS_REF without defaults (and fails without them).
  if (nrsNormal === undefined || nrsReference === undefined) throw new RefpixIrs2Error('refpix: NRS_NORM and NRS_REF are needed to locate the IRS2 reference pixels');
  const orientation = o.irs2MeanSubtraction ? detectorOrientation(ramp) : undefined;

  const flagged = flagBadRefpix(ramp, nrsNormal, nrsReference, o.ovrCorrMitigationFtr, 'flag');
  info(context, `refpix: total bad reference pixels flagged: ${flagged}`);
  if (orientation) subtractReferenceMeans(ramp, o, nrsNormal, nrsReference, orientation, context);
  const replaced = flagBadRefpix(ramp, nrsNormal, nrsReference, o.ovrCorrMitigationFtr, 'replace');
  info(context, `refpix: total bad reference pixels replaced: ${replaced}`);

  const file = await resolveReference(source);
  if (!file) {
    warn(context, 'refpix: no REFPIX reference for IRS2; step skipped');
    ramp.meta.refFiles.REFPIX = 'N/A';
    return setStatus('SKIPPED');
  }
  const reference = await readIrs2Reference(file);
  ramp.meta.refFiles.REFPIX = referenceName(file);
  if (reference.rows !== EXPECTED_TABLE_ROWS) {
    warn(context, `refpix: the REFPIX table has ${reference.rows} rows, but it should have ${EXPECTED_TABLE_ROWS}; step skipped`);
    return setStatus('SKIPPED');
  }
  const scipixN = ramp.meta.exposure.nrsNormal ?? SCIPIX_N_DEFAULT;
  const refpixR = ramp.meta.exposure.nrsReference ?? REFPIX_R_DEFAULT;
  const flip = detector === 'NRS2';
  const normal = irs2NormalMask(rows, scipixN, refpixR);
  if (reference.dq) clobberRef(ramp, reference.dq, normal, flip, scipixN, refpixR);
  else warn(context, 'refpix: DQ extension not found in reference file');

  const corrector = new Irs2Corrector(reference.alpha, reference.beta, { scipixN, refpixR, pad: PAD, ny: cols, nx: rows });
  const outRows = o.preserveIrs2Refpix ? rows : cols;
  const plane = rows * cols;
  const outPlane = outRows * cols;
  const out = new Float32Array(nints * ngroups * outPlane);
  const offset = new Float64Array(plane);
  try {
    for (let j = 0; j < nints; j++) {
      context.signal?.throwIfAborted();
      info(context, `refpix: working on integration ${j + 1} out of ${nints}`);
      const groupPlane = (g: number) => ramp.data.subarray((j * ngroups + g) * plane, (j * ngroups + g + 1) * plane);
      // b_offset: the float64 mean over the ramp, summed group after group.
      offset.fill(0);
      for (let g = 0; g < ngroups; g++) {
        const p = groupPlane(g);
        for (let i = 0; i < plane; i++) offset[i] += p[i];
      }
      for (let i = 0; i < plane; i++) offset[i] /= ngroups;
      for (let g = 0; g < ngroups; g++) {
        context.signal?.throwIfAborted();
        corrector.correctGroup(groupPlane(g), offset, flip, o.preserveIrs2Refpix, out.subarray((j * ngroups + g) * outPlane, (j * ngroups + g + 1) * outPlane));
      }
    }
  } finally {
    corrector.free();
  }
  ramp.data = out;
  if (!o.preserveIrs2Refpix) {
    // Strip the reference rows from PIXELDQ and GROUPDQ (NRS2: the mask read backwards).
    const keep: number[] = [];
    for (let r = 0; r < rows; r++) if (normal[flip ? rows - 1 - r : r]) keep.push(r);
    const pixeldq = new Uint32Array(outPlane);
    keep.forEach((r, i) => pixeldq.set(ramp.pixeldq.subarray(r * cols, (r + 1) * cols), i * cols));
    const groupdq = new Uint8Array(nints * ngroups * outPlane);
    for (let p = 0; p < nints * ngroups; p++) {
      keep.forEach((r, i) => groupdq.set(ramp.groupdq.subarray((p * rows + r) * cols, (p * rows + r + 1) * cols), p * outPlane + i * cols));
    }
    ramp.pixeldq = pixeldq;
    ramp.groupdq = groupdq;
    ramp.shape = [nints, ngroups, outRows, cols];
  }
  return setStatus('COMPLETE');
}
