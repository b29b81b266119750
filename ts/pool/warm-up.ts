/**
 * Runs the near-IR pipeline's kernels once on a small synthetic ramp, so that V8 compiles their
 * optimised code before the exposure reaches them.
 *
 * V8 first runs a wasm function as baseline (Liftoff) code and compiles the optimised
 * (TurboFan) code in the background once the function has run for a while. A call already
 * running stays in baseline code: wasm has no on-stack replacement. The hot functions take
 * 10-60 ms each to compile (the ramp fit's took up to 155 ms), and the fit runs as two calls per
 * worker, so its first half ran in baseline code: ~7% of a NIRCam full frame's CPU (0.5% with
 * this). Warmed up while the main thread loads its modules, the compiles are done before the
 * steps start. A worker pool runs this on one worker as it boots: the compiled code belongs to
 * the module, so every thread that instantiated it uses it.
 *
 * The bands go through the same staged paths (wasm memory, pieces) as a pipeline's tasks. The
 * values are arbitrary but realistic: a few saturated pixels and cosmic rays, so that the flag
 * paths run too. Nothing here reaches a result.
 */
import { saturationHalo } from '../kernels/saturation.js';
import { ipcHalo } from '../kernels/ipc.js';
import { jumpHalo, JUMP_STEP_DEFAULTS, type JumpParams } from '../kernels/jump.js';
import { fitRamps } from '../kernels/ramp-fit.js';
import { refpixFourAmpGroup } from '../kernels/refpix.js';
import { fitsPixelEncoder } from '../kernels/fits-words.js';
import { group } from '../dq/index.js';
import { runTiled } from './pool.js';

const NGROUPS = 10;
const ROWS = 32;
const COLS = 64;
/** Half the rows: two bands, so that runTiled takes its staged path (one band would be run in place). */
const BAND_ROWS = ROWS / 2;
/** A near-IR detector's rows and columns. */
const DETECTOR = 2048;

/** A deterministic ramp: rising sky, some pixels saturating, some with a jump. */
function syntheticRamp(): Float32Array {
  const plane = ROWS * COLS;
  const data = new Float32Array(NGROUPS * plane);
  for (let p = 0; p < plane; p++) {
    const rate = 5 + (p % 17) * (p % 97 === 0 ? 900 : 3);
    const jumpAt = p % 41 === 0 ? 1 + (p % (NGROUPS - 2)) : NGROUPS;
    for (let g = 0; g < NGROUPS; g++) {
      const noise = ((p * 7919 + g * 104729) % 23) - 11;
      data[g * plane + p] = 12000 + rate * g + noise + (g >= jumpAt ? 800 : 0);
    }
  }
  return data;
}

/** What the warm-up's ramp went through: flags that show the flag paths ran. */
export interface WarmUpSummary {
  saturatedSamples: number;
  jumpSamples: number;
  finiteRates: number;
}

/** Runs the kernels on the synthetic ramp in this thread (its kernels loaded). */
export async function warmUpKernels(): Promise<WarmUpSummary> {
  const plane = ROWS * COLS;
  const shape = { nints: 1, ngroups: NGROUPS, rows: ROWS, cols: COLS };
  const banded = { maxBandRows: BAND_ROWS };
  const filled = (value: number) => new Float32Array(plane).fill(value);

  const stored = new Uint16Array(NGROUPS * plane).map((_, i) => (i * 2654435761) >>> 16);
  await runTiled(undefined, 'decodeInt16', { stored, out: new Float32Array(NGROUPS * plane) }, shape, { ...banded, params: { unsigned: true } });

  const data = syntheticRamp();
  const groupdq = new Uint8Array(NGROUPS * plane);
  const pixeldq = new Uint32Array(plane);
  const mask = new Uint32Array(plane).map((_, p) => (p % 211 === 0 ? 1 : 0));
  await runTiled(undefined, 'dqInit', { pixeldq, groupdq, mask }, shape, banded);

  const saturation = { nPixGrowSat: 1, useReadpatt: true, nframes: 1 };
  const thresh = filled(40000);
  await runTiled(undefined, 'saturation', { data, groupdq, pixeldq, thresh, satDq: new Uint32Array(plane), bias: filled(11000) }, shape, {
    ...banded,
    params: saturation,
    halo: saturationHalo(saturation),
  });

  const ipc = { ky: 3, kx: 3, weights: [0.002, 0.01, 0.002, 0.01, 0.952, 0.01, 0.002, 0.01, 0.002] };
  await runTiled(undefined, 'ipc', { data, science: new Uint8Array(plane).fill(1) }, { ...shape, planes: 9 }, { ...banded, params: ipc, halo: ipcHalo(ipc) });

  await runTiled(undefined, 'superbias', { data, pixeldq, bias: filled(11000), biasDq: new Uint32Array(plane) }, shape, banded);

  const classes = 8;
  const refpix = {
    classes,
    wide: new Uint8Array(NGROUPS),
    values: new Float64Array(NGROUPS * classes).map((_, i) => 3 + (i % 5)),
    kinds: new Uint8Array(NGROUPS * classes).fill(1),
    side: new Float64Array(NGROUPS * ROWS).map((_, i) => (i % 7) - 3),
    sideRows: ROWS,
    sideGain: 1,
  };
  const cls = new Uint8Array(plane).map((_, p) => Math.floor((p % COLS) / (COLS / 4)) * 2 + (p & 1));
  const detRow = new Uint16Array(plane).map((_, p) => Math.floor(p / COLS));
  await runTiled(undefined, 'refpix', { data, cls, detRow }, shape, { ...banded, params: refpix });
  // A full frame's statistics, at full size: they run on the main thread between the border
  // and the bands, while the workers wait.
  const strips = { n: DETECTOR, at: Int32Array.from({ length: 16 * DETECTOR }, (_, i) => i), dq: new Uint32Array(16 * DETECTOR) };
  const border = new Float32Array(16 * DETECTOR).map((_, i) => 1000 + ((i * 7919) % 97) * 0.5);
  refpixFourAmpGroup(border, strips, { oddEvenColumns: true, useSideRefPixels: true, siglimit: 3, sideSmoothingLength: 11 }, true);

  const coefficients = [0, 1, 2e-6, -1e-10, 1e-15];
  const coeffs = new Float32Array(coefficients.length * plane);
  coefficients.forEach((c, k) => coeffs.fill(c, k * plane, (k + 1) * plane));
  await runTiled(undefined, 'linearity', { data, pixeldq, groupdq, coeffs, linDq: new Uint32Array(plane) }, { ...shape, planes: coefficients.length }, {
    ...banded,
    params: { nframes: 1 },
  });

  // As the dark step calls it: one group and its dark plane at a time.
  const dark = { planes: 1, darkInts: 1, virtualPlanes: 1, direct: true, nframes: 1, groupgap: 0, intMap: [0] };
  for (let g = 0; g < 2 * NGROUPS; g++) {
    const groupData = data.subarray((g % NGROUPS) * plane, ((g % NGROUPS) + 1) * plane);
    await runTiled(undefined, 'darkCurrent', { data: groupData, pixeldq, frames: filled(0.5 * (g % NGROUPS)), darkDq: new Uint32Array(plane) }, { ...shape, ngroups: 1, planes: 1 }, {
      ...banded,
      params: dark,
    });
  }

  const gain = filled(2);
  const readnoise = filled(7);
  const jump: JumpParams = { mode: 'singlePass', ...JUMP_STEP_DEFAULTS };
  await runTiled(undefined, 'jump', { data, groupdq, pixeldq, gain, readnoise, crs: new Uint32Array(plane) }, shape, { ...banded, params: jump, halo: jumpHalo(jump) });

  const fitted = fitRamps({ data, groupdq, pixeldq, gain, readnoise, frameTime: 10.737, groupTime: 10.737, nframes: 1, groupgap: 0 }, shape, { maxBandRows: BAND_ROWS });
  const summary: WarmUpSummary = {
    saturatedSamples: groupdq.reduce((n, flags) => n + (flags & group.SATURATED ? 1 : 0), 0),
    jumpSamples: groupdq.reduce((n, flags) => n + (flags & group.JUMP_DET ? 1 : 0), 0),
    finiteRates: fitted ? fitted.rate.slope.reduce((n, rate) => n + (Number.isFinite(rate) ? 1 : 0), 0) : 0,
  };
  if (fitted) {
    const rate = fitted.rate;
    await runTiled(undefined, 'gainScale', { data: rate.slope, err: rate.err, varPoisson: rate.varPoisson, varRnoise: rate.varRnoise }, { nints: 1, ngroups: 1, rows: ROWS, cols: COLS }, {
      ...banded,
      params: { factor: 1.5 },
    });
    fitsPixelEncoder()?.encode(rate.slope, new Uint8Array(4 * plane));
  }
  return summary;
}
