/**
 * NIRSpec IRS2 kernels (crates/detector1-kernels/src/irs2.rs, irs2_mean.rs): the per-group
 * interleaved reference correction, the bad readout-pair statistics, jwst's IRS2 saturation
 * flagging and the optional top/bottom mean subtraction (`irs2_mean_subtraction`).
 * Whole frames (FFTs over a frame's time stream, sigma clipping over all pairs, the IRS2
 * saturation path's own rules), so they run in the calling thread (see ts/steps/refpix-irs2.ts).
 */
import {
  Irs2Corrector as WasmIrs2Corrector,
  irs2FlagIntermittentPairs,
  irs2SaturationFlags as irs2SaturationFlagsWasm,
  irs2SubtractGroupMeans as irs2SubtractGroupMeansWasm,
} from '../../wasm-pkg/detector1_wasm.js';
import { callWasm } from './errors.js';

export interface Irs2Layout {
  /** NRS_NORM */
  scipixN: number;
  /** NRS_REF */
  refpixR: number;
  /** New-row overhead in pixel times (jwst: 8). */
  pad: number;
  /** Detector rows (2048) and IRS2 columns (3200) in detector orientation. */
  ny: number;
  nx: number;
}

/** The REFPIX coefficients and FFT plan for one exposure; `free()` when done. */
export class Irs2Corrector {
  readonly #inner: WasmIrs2Corrector;

  /** `alpha`, `beta`: the 4 ALPHA_k (BETA_k) columns one after the other, each interleaved (re, im). */
  constructor(
    alpha: Float32Array,
    beta: Float32Array,
    readonly layout: Irs2Layout,
  ) {
    this.#inner = callWasm('irs2', () => new WasmIrs2Corrector(alpha, beta, layout.scipixN, layout.refpixR, layout.pad, layout.ny, layout.nx));
  }

  /**
   * Corrects one group: `plane` DMS `(nx, ny)`, `offset` the integration's float64 mean over
   * groups (same shape), `flip` for NRS2; `out` DMS `(ny, ny)`, or `(nx, ny)` with `preserveRefpix`.
   */
  correctGroup(plane: Float32Array, offset: Float64Array, flip: boolean, preserveRefpix: boolean, out: Float32Array): void {
    callWasm('irs2', () => this.#inner.correctGroup(plane, offset, flip, preserveRefpix, out));
  }

  free(): void {
    this.#inner.free();
  }
}

/** jwst `flag_bad_refpix` statistics on one integration `(ngroups, rows, cols)`: 1 for bad rows. */
export function irs2FlagPairs(cube: Float32Array, ngroups: number, rows: number, cols: number, scipixN: number, refpixR: number, initialBad: Uint8Array, nSigma: number): Uint8Array {
  return callWasm('irs2', () => irs2FlagIntermittentPairs(cube, ngroups, rows, cols, scipixN, refpixR, initialBad, nSigma));
}

/** jwst `irs2_flag_saturation` on one integration's normal pixels: GROUPDQ bits per group. */
export function irs2SaturationFlags(
  data: Float32Array,
  ngroups: number,
  rows: number,
  cols: number,
  thresh: Float32Array,
  bias: Float32Array | undefined,
  nPixGrowSat: number,
  readPatternNframes: number | undefined,
): Uint8Array {
  return callWasm('irs2', () => irs2SaturationFlagsWasm(data, ngroups, rows, cols, thresh, bias ?? new Float32Array(0), nPixGrowSat, readPatternNframes ?? 0));
}

export interface Irs2MeanSubtraction {
  scipixN: number;
  refpixR: number;
  oddEvenColumns: boolean;
  siglimit: number;
  /** FASTAXIS < 0: detector column c is DMS row nx-1-c (NRS2). */
  fastReversed: boolean;
  /** SLOWAXIS < 0: detector row r is DMS column ny-1-r (NRS2). */
  slowReversed: boolean;
}

/**
 * jwst `irs2_mean_subtraction` on one DMS group `plane` `(nx, ny)`, in place: per sector (reference
 * output and amplifiers A-D), the sigma-clipped top/bottom reference means (odd/even columns when
 * asked, DO_NOT_USE in `pixeldq` left out) are subtracted from the whole sector.
 */
export function irs2SubtractGroupMeans(plane: Float32Array, pixeldq: Uint32Array, nx: number, ny: number, p: Irs2MeanSubtraction): void {
  callWasm('irs2', () => irs2SubtractGroupMeansWasm(plane, pixeldq, nx, ny, p.scipixN, p.refpixR, p.oddEvenColumns, p.siglimit, p.fastReversed, p.slowReversed));
}
