/**
 * The exposure simulator: frame by frame, what the detector would send down.
 *
 * Per integration, for every frame that is read (groups of NFRAMES frames separated by GROUPGAP
 * dropped frames; the charge keeps accumulating during dropped frames):
 *   collected charge Q (e-)  += Poisson((sky x response + dark) x dt) + cosmic rays/snowballs/showers
 *   linear signal s (DN)      = Q / gain (+ a given dark signal, e.g. a real DARK, + MIRI dark extra)
 *   measured m (DN)           = inverse of the LINEARITY polynomial at min(s, full well)
 *   after IPC                 = (1 - 4a) m + a x (sum of the 4 neighbours)
 *   raw (DN)                  = bias + kTC + amplifier/parity drift + 1/f row noise + m + read noise
 *                               (+ MIRI reset anomaly, RSCD, last-frame offset, EMI ripple)
 * rounded and clipped to uint16; groups are the floor of the mean of their frames (on-board
 * averaging); ZEROFRAME is the first frame of each integration.
 *
 * Hot loops are plain TypeScript over typed arrays with no per-pixel allocation (per-pixel maps
 * are computed once per exposure, random bits are drawn in bulk, the normal and Poisson deviates
 * are branch-light): acceptable for a test-data generator, not a kernel. A NIRCam 2048 x 2048 x 10
 * group exposure takes ~9 s on the shared 2-core CI machine (where a trivial 4M-element loop takes
 * 33 ms; a few seconds on a desktop). The generator is sequential and seeded, so the same request
 * always produces the same bytes.
 */
import { DetectorModel, nonlinear, PixelClass, type Region } from './detector.js';
import { depositEvent, drawEvents, type ChargeEvent, type EventOptions } from './events.js';
import { EMI_AMPLITUDE, EMI_FREQUENCY, miriDarkExtra, miriLastFrameOffset, miriResetShape, miriRscdFraction, MIRI_REFERENCE_INTS } from './miri.js';
import { resolveMode, SimulationInputError, type ResolvedMode } from './modes.js';
import { hashString, Rng, zigK, zigW } from './prng.js';
import { buildScene, type Scene, type SceneOptions } from './scene.js';

export interface SimulationRequest {
  instrument: string;
  detector?: string;
  subarray?: string;
  readpatt?: string;
  ngroups: number;
  nints: number;
  seed: number;
  /** Downlink the first frame of each integration (NIRCam; default: when NFRAMES > 1). */
  zeroframe?: boolean;
  /** Time-series visit (TSOVISIT); also picks the TSO EXP_TYPE where there is one. */
  tso?: boolean;
  expType?: string;
  filter?: string;
  scene?: SceneOptions;
  events?: EventOptions;
  /** MIRI EMI ripple (default on for MIRI). */
  emi?: boolean;
  /**
   * The aperture's SIAF reference point (XREF_SCI, YREF_SCI: 1-based science pixels), written to
   * the SCI header; TSO imaging photometry centres on it. Not written when absent.
   */
  referencePoint?: [number, number];
  /** Static bias to use instead of the detector model's (e.g. a real SUPERBIAS), [ny, nx] of the subarray. */
  bias?: Float32Array;
  /**
   * Dark signal (DN) to add instead of the model's dark current, frame by frame, [nframes, ny, nx]
   * (e.g. a real DARK reference with NFRAMES = 1). Frames beyond the cube are extrapolated as jwst
   * does: last + k x (last - second last).
   */
  darkFrames?: { data: Float32Array; nframes: number };
}

/** A simulation planned: everything fixed before the first pixel is drawn. */
export interface ExposurePlan {
  request: Required<Pick<SimulationRequest, 'ngroups' | 'nints' | 'seed'>> & SimulationRequest;
  mode: ResolvedMode;
  model: DetectorModel;
  /** Full-frame rectangle of the subarray (0-based). */
  region: Region;
  shape: [number, number, number, number];
  zeroframe: boolean;
  tsovisit: boolean;
  expType: string;
  /** Frames in one integration, dropped ones included: ngroups x nframes + (ngroups - 1) x groupgap. */
  framesPerIntegration: number;
  scene: Scene;
  /** Injected rate that the pipeline should measure, DN/s (sky x response / gain; 0 at reference pixels). */
  truthRate: Float32Array;
}

function checkCount(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new SimulationInputError(`${name} must be an integer from 1 to ${max}, got ${value}`);
  }
}

/** Timing of frame k of an integration (seconds after reset), the time its charge has collected. */
function frameTimeOf(mode: ResolvedMode, k: number): number {
  return (k + 1) * mode.tframe;
}

export function planExposure(input: SimulationRequest): ExposurePlan {
  checkCount('ngroups', input.ngroups, 10000);
  checkCount('nints', input.nints, 100000);
  if (!Number.isInteger(input.seed) || input.seed < 0 || input.seed > 0xffffffff) {
    throw new SimulationInputError(`seed must be an integer from 0 to 4294967295, got ${input.seed}`);
  }
  const mode = resolveMode(input.instrument, input.detector, input.subarray, input.readpatt);
  const { subarray, readPattern } = mode;
  const region: Region = { x0: subarray.xstart - 1, y0: subarray.ystart - 1, nx: subarray.xsize, ny: subarray.ysize };
  const { nx, ny } = region;
  const plane = nx * ny;
  for (const [name, array] of [['bias', input.bias]] as const) {
    if (array && array.length !== plane) throw new SimulationInputError(`${name} has ${array.length} pixels, the subarray ${plane}`);
  }
  if (input.darkFrames && input.darkFrames.data.length !== input.darkFrames.nframes * plane) {
    throw new SimulationInputError(`darkFrames holds ${input.darkFrames.data.length} values, not ${input.darkFrames.nframes} frames of ${plane}`);
  }
  const zeroframe = input.zeroframe ?? (mode.info.instrument === 'nircam' && readPattern.nframes > 1);
  if (zeroframe && mode.info.instrument === 'miri') throw new SimulationInputError('MIRI has no ZEROFRAME');
  const tsovisit = input.tso ?? false;
  const model = new DetectorModel(mode.info, mode.detector);
  const framesPerIntegration = input.ngroups * readPattern.nframes + (input.ngroups - 1) * readPattern.groupgap;

  // The scene; saturating stars need the detector's well/gain/response at their peak pixel.
  const well = model.well(region);
  const gain = model.gain(region);
  const classes = model.classes(region);
  const response = model.response(region, classes);
  const darkRate = model.darkRate(region, classes);
  const peakRate = (group: number, x: number, y: number): number => {
    const i = y * nx + x;
    const lastFrame = (g: number) => g * (readPattern.nframes + readPattern.groupgap) + readPattern.nframes - 1;
    // reach full well half way between the reads that end group g-1 and group g
    const t = group <= 0 ? 0.5 * mode.tframe : 0.5 * (frameTimeOf(mode, lastFrame(group - 1)) + frameTimeOf(mode, lastFrame(group)));
    return ((well[i] || 40000) * (gain[i] || 2)) / ((response[i] || 1) * t) - darkRate[i];
  };
  const sceneRng = new Rng(input.seed, hashString('scene'));
  const scene = buildScene(nx, ny, input.scene ?? mode.info.defaultScene(mode, nx, ny), sceneRng, peakRate);

  const truthRate = new Float32Array(plane);
  for (let i = 0; i < plane; i++) {
    const c = classes[i];
    truthRate[i] = c === PixelClass.REFERENCE || gain[i] === 0 ? 0 : (scene.rate[i] * response[i]) / gain[i];
  }
  return {
    request: { ...input },
    mode,
    model,
    region,
    shape: [input.nints, input.ngroups, ny, nx],
    zeroframe,
    tsovisit,
    expType: input.expType ?? mode.info.defaultExpType(mode, tsovisit),
    framesPerIntegration,
    scene,
    truthRate,
  };
}

/** The NIR dark signal of frame k from a dark cube with `n` frames, extrapolated linearly past its end. */
function darkFrameValue(cube: Float32Array, n: number, plane: number, k: number, i: number): number {
  if (k < n) return cube[k * plane + i];
  const last = cube[(n - 1) * plane + i];
  const previous = n > 1 ? cube[(n - 2) * plane + i] : 0;
  return last + (k - n + 1) * (last - previous);
}

export interface IntegrationOutput {
  /** [ngroups, ny, nx] raw DN. */
  sci: Uint16Array;
  /** [ny, nx] first frame, when the plan has ZEROFRAME. */
  zeroframe?: Uint16Array;
  events: ChargeEvent[];
}

/**
 * Simulates the integrations of a plan one after another (integration i+1 may depend on i: MIRI
 * RSCD). Each yields its groups; nothing else is kept, so memory does not grow with NINTS.
 */
export function* simulateIntegrations(plan: ExposurePlan): Generator<IntegrationOutput> {
  const { mode, model, region, request } = plan;
  const { nx, ny } = region;
  const plane = nx * ny;
  const p = model.physics;
  const miri = mode.info.instrument === 'miri';
  const { nframes, groupgap } = mode.readPattern;
  const ngroups = request.ngroups;
  const noutputs = mode.subarray.noutputs;

  // ---- per-pixel maps (fixed for the exposure) ----
  const classes = model.classes(region);
  const bias = request.bias ?? model.bias(region);
  const gain = model.gain(region);
  const rnSingle = model.readnoise(region).map((v) => v / Math.SQRT2);
  const response = model.response(region, classes);
  const darkRate = request.darkFrames ? new Float32Array(plane) : model.darkRate(region, classes);
  const { a, b } = model.linearity(region);
  const well = model.well(region);
  const resetAmp = miri ? model.resetAmplitude(region) : undefined;
  const sensitive = new Uint8Array(plane);
  const electronRate = new Float64Array(plane);
  const wellElectrons = new Float64Array(plane);
  const invGain = new Float64Array(plane);
  for (let i = 0; i < plane; i++) {
    const c = classes[i];
    sensitive[i] = c === PixelClass.REFERENCE || c === PixelClass.DEAD ? 0 : 1;
    electronRate[i] = sensitive[i] ? plan.scene.rate[i] * response[i] + darkRate[i] : 0;
    invGain[i] = gain[i] > 0 ? 1 / gain[i] : 0;
    wellElectrons[i] = well[i] * (gain[i] || p.gain);
  }
  // drift index (output x 2 + parity) and 1/f index (output x rows + detector row) of each pixel
  const driftIndex = new Uint8Array(plane);
  const rowIndex = new Int32Array(plane);
  let minRow = Infinity;
  let maxRow = -Infinity;
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const row = model.detectorRow(x + region.x0, y + region.y0);
      minRow = Math.min(minRow, row);
      maxRow = Math.max(maxRow, row);
    }
  }
  const nrows = maxRow - minRow + 1;
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const i = y * nx + x;
      const fx = x + region.x0;
      const fy = y + region.y0;
      const row = model.detectorRow(fx, fy);
      const output = noutputs === 1 ? 0 : model.amplifier(fx, fy);
      const parity = miri ? row & 1 : model.detectorCol(fx, fy) & 1;
      driftIndex[i] = output * 2 + parity;
      rowIndex[i] = (miri ? 0 : output) * nrows + (row - minRow);
    }
  }
  // MIRI EMI: the pixel-clock time of each pixel within a frame (rows of rowclocks, 4 outputs in parallel)
  let emiCos: Float64Array | undefined;
  let emiSin: Float64Array | undefined;
  const rowclocks = mode.subarray.rowclocks ?? 0;
  const nsamples = mode.readPattern.nsamples ?? 1;
  const frameClocks = ny * rowclocks + 7 * (1024 - ny);
  if (miri && (request.emi ?? true)) {
    emiCos = new Float64Array(plane);
    emiSin = new Float64Array(plane);
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const phase = 2 * Math.PI * EMI_FREQUENCY * (y * rowclocks + Math.floor(x / 4) * nsamples) * 1e-5;
        emiCos[y * nx + x] = Math.cos(phase);
        emiSin[y * nx + x] = Math.sin(phase);
      }
    }
  }

  // ---- working arrays ----
  const q = new Float64Array(plane); // collected electrons
  const measured = new Float64Array(plane); // m, DN above bias
  const ktc = new Float32Array(plane);
  const groupSum = nframes > 1 ? new Float64Array(plane) : undefined;
  const drift = new Float64Array(8);
  const oneOverF = new Float64Array(4 * nrows);
  const lastSignal = miri ? new Float64Array(plane) : undefined; // RSCD memory of the previous integration
  // Poisson means per accumulation interval (frames since the previous read)
  const poissonByInterval = new Map<number, PoissonTables>();
  const isSensitive = (x: number, y: number) => sensitive[y * nx + x] === 1;
  const wellOf = (i: number) => wellElectrons[i];
  const darkCube = request.darkFrames;
  const emiPhasePerFrame = 2 * Math.PI * EMI_FREQUENCY * frameClocks * 1e-5;
  const framesPerInt = plan.framesPerIntegration;
  const maps: PixelMaps = { nx, ny, sensitive, invGain, well, a, b, bias, ktc, driftIndex, rowIndex, rnSingle, alpha: p.ipcAlpha, resetAmp, emiCos, emiSin };
  const darkPlane = new Float32Array(darkCube ? plane : 0);
  const bits = new Uint32Array(plane); // random bits of one pass over the pixels

  for (let integration = 0; integration < request.nints; integration++) {
    const rng = new Rng(request.seed, integration + 1);
    const sci = new Uint16Array(ngroups * plane);
    const zero = plan.zeroframe ? new Uint16Array(plane) : undefined;
    const events = drawEvents(rng, nx, ny, framesPerInt, framesPerInt * mode.tframe, request.events ?? {}, isSensitive, plan.scene.flatRegion);
    q.fill(0);
    for (let i = 0; i < plane; i++) ktc[i] = p.ktc * rng.normal();
    let nextEvent = 0;
    let accumulatedFrames = 0; // frames whose charge is in q

    for (let group = 0; group < ngroups; group++) {
      const firstFrame = group * (nframes + groupgap);
      groupSum?.fill(0);
      for (let k = firstFrame; k < firstFrame + nframes; k++) {
        // 1. charge: particles, then photons and dark current since the last read (dropped frames
        //    included: one Poisson draw), then the measured (non-linear, full-well capped) signal
        const dt = k + 1 - accumulatedFrames;
        accumulatedFrames = k + 1;
        let tables = poissonByInterval.get(dt);
        if (!tables) {
          const lambda = electronRate.map((r) => r * mode.tframe * dt);
          tables = { lambda, sqrtLambda: lambda.map(Math.sqrt), expNeg: lambda.map((l) => Math.exp(-l)) };
          poissonByInterval.set(dt, tables);
        }
        while (nextEvent < events.length && events[nextEvent].frame <= k) {
          depositEvent(q, nx, ny, events[nextEvent++], wellOf, isSensitive);
        }
        const darkExtra = miri ? miriDarkExtra(Math.min(integration, MIRI_REFERENCE_INTS - 1), group) : 0;
        if (darkCube) for (let i = 0; i < plane; i++) darkPlane[i] = darkFrameValue(darkCube.data, darkCube.nframes, plane, k, i);
        collectAndMeasure(q, measured, tables, maps, rng, bits, darkCube ? darkPlane : undefined, darkExtra);

        // 2. per-frame correlated noise: amplifier/parity drift and 1/f along the slow axis
        for (let j = 0; j < 8; j++) drift[j] = p.driftSigma * rng.normal();
        fillOneOverF(oneOverF, nrows, miri ? 1 : 4, p.oneOverF, rng);
        let miriFrame: MiriFrameEffects | undefined;
        if (miri) {
          const emiPhase = emiPhasePerFrame * (integration * (ngroups + (mode.readPattern.resetFrame ? 1 : 0)) + k);
          miriFrame = {
            reset: miriResetShape(Math.min(integration, MIRI_REFERENCE_INTS - 1), group),
            emiC: EMI_AMPLITUDE * Math.cos(emiPhase),
            emiS: EMI_AMPLITUDE * Math.sin(emiPhase),
            rscd: miriRscdFraction(integration, group),
            lastFrame: group === ngroups - 1 && ngroups > 1 ? 1 : 0,
            lastSignal: lastSignal!,
          };
        }

        // 3. read: bias + offsets + IPC-coupled signal + read noise (+ MIRI effects), digitised
        readAndDigitise(maps, measured, drift, oneOverF, rng, bits, miriFrame, k === 0 ? zero : undefined, groupSum ?? sci.subarray(group * plane, (group + 1) * plane));
      }
      if (groupSum) {
        // on-board averaging: the sum divided by NFRAMES (FRMDIVSR), truncated
        const out = sci.subarray(group * plane, (group + 1) * plane);
        for (let i = 0; i < plane; i++) out[i] = Math.floor(groupSum[i] / nframes);
      }
    }
    if (lastSignal) lastSignal.set(measured);
    yield { sci, zeroframe: zero, events };
  }
}

/** Per-pixel maps of an exposure, fixed for all its frames. */
interface PixelMaps {
  nx: number;
  ny: number;
  sensitive: Uint8Array;
  invGain: Float64Array;
  well: Float32Array;
  a: Float32Array;
  b: Float32Array;
  bias: Float32Array;
  ktc: Float32Array;
  driftIndex: Uint8Array;
  rowIndex: Int32Array;
  rnSingle: Float32Array;
  alpha: number;
  resetAmp?: Float32Array;
  emiCos?: Float64Array;
  emiSin?: Float64Array;
}

// The hot loops live in small plain functions (not in the generator) so that V8 optimises them.

/** Below this mean, Poisson deviates are exact (inversion); above, Cornish-Fisher (see collectAndMeasure). */
const POISSON_EXACT_BELOW = 3;

interface PoissonTables {
  lambda: Float64Array;
  sqrtLambda: Float64Array;
  expNeg: Float64Array;
}

/**
 * q += Poisson(lambda), then measured = non-linear response to the linear signal capped at full
 * well. Poisson means below 3: exact inversion (a few steps). Above: the Cornish-Fisher expansion
 * of the Poisson quantile, round(lambda + sqrt(lambda) z + (z^2 - 1)/6) with z standard normal,
 * which has the Poisson mean, variance (+1/12 from rounding) and skewness to leading order; a
 * data-dependent search would cost ~50 ns a pixel here, and a full frame has 4M pixels per read.
 */
function collectAndMeasure(
  q: Float64Array,
  measured: Float64Array,
  t: PoissonTables,
  maps: PixelMaps,
  rng: Rng,
  bits: Uint32Array,
  dark: Float32Array | undefined,
  darkExtra: number,
): void {
  const { lambda, sqrtLambda, expNeg } = t;
  const { sensitive, invGain, well, a, b } = maps;
  rng.fillU32(bits);
  for (let i = 0; i < q.length; i++) {
    if (sensitive[i] === 0) {
      measured[i] = 0;
      continue;
    }
    const mean = lambda[i];
    if (mean > 0) {
      if (mean < POISSON_EXACT_BELOW) {
        const u = bits[i] / 4294967296;
        let term = expNeg[i];
        let cumulative = term;
        let k = 0;
        while (u > cumulative && k < 50) {
          k++;
          term *= mean / k;
          cumulative += term;
        }
        q[i] += k;
      } else {
        const hz = bits[i] | 0;
        const iz = hz & 127;
        const z = (hz < 0 ? -hz : hz) < zigK[iz] ? hz * zigW[iz] : rng.normalFromBits(hz);
        const n = Math.floor(mean + sqrtLambda[i] * z + (z * z - 1) / 6 + 0.5);
        if (n > 0) q[i] += n;
      }
    }
    let s = q[i] * invGain[i] + darkExtra;
    if (dark) s += dark[i];
    if (s > well[i]) s = well[i];
    measured[i] = nonlinear(s, a[i], b[i]);
  }
}

/** Per-frame MIRI additions: reset anomaly, EMI ripple, RSCD of the previous integration, last-frame offset. */
interface MiriFrameEffects {
  reset: number;
  emiC: number;
  emiS: number;
  rscd: number;
  lastFrame: number;
  lastSignal: Float64Array;
}

/**
 * One read of every pixel: bias + kTC + amplifier/parity drift + 1/f + IPC-coupled signal + read
 * noise (+ MIRI effects), rounded and clipped to uint16. The first frame also goes to `zero`;
 * with a Float64Array target (multi-frame groups) the values are summed into it.
 */
function readAndDigitise(
  maps: PixelMaps,
  measured: Float64Array,
  drift: Float64Array,
  oneOverF: Float64Array,
  rng: Rng,
  bits: Uint32Array,
  miri: MiriFrameEffects | undefined,
  zero: Uint16Array | undefined,
  target: Float64Array | Uint16Array,
): void {
  const { nx, ny, sensitive, bias, ktc, driftIndex, rowIndex, rnSingle, alpha, resetAmp, emiCos, emiSin } = maps;
  const summing = target instanceof Float64Array;
  const centre = 1 - 4 * alpha;
  rng.fillU32(bits);
  for (let y = 0; y < ny; y++) {
    const row = y * nx;
    const up = y > 0 ? -nx : 0;
    const down = y < ny - 1 ? nx : 0;
    const upWeight = y > 0 ? alpha : 0;
    const downWeight = y < ny - 1 ? alpha : 0;
    for (let x = 0; x < nx; x++) {
      const i = row + x;
      let m = 0;
      if (sensitive[i] === 1) {
        const left = x > 0 ? measured[i - 1] : 0;
        const right = x < nx - 1 ? measured[i + 1] : 0;
        m = centre * measured[i] + alpha * (left + right) + upWeight * measured[i + up] + downWeight * measured[i + down];
      }
      const hz = bits[i] | 0;
      const iz = hz & 127;
      // the ziggurat's fast path, inlined; ~1% of draws take the slow path
      const z = (hz < 0 ? -hz : hz) < zigK[iz] ? hz * zigW[iz] : rng.normalFromBits(hz);
      let v = bias[i] + ktc[i] + drift[driftIndex[i]] + oneOverF[rowIndex[i]] + m + rnSingle[i] * z;
      if (miri) {
        if (resetAmp) v += resetAmp[i] * miri.reset;
        if (emiCos && emiSin) v += miri.emiS * emiCos[i] + miri.emiC * emiSin[i];
        v -= miri.rscd * miri.lastSignal[i] + miri.lastFrame * miriLastFrameOffset(measured[i]);
      }
      // (v + 0.5) | 0 is Math.round for 0 < v < 65535
      const digital = v <= 0 ? 0 : v >= 65535 ? 65535 : (v + 0.5) | 0;
      if (zero) zero[i] = digital;
      if (summing) target[i] += digital;
      else target[i] = digital;
    }
  }
}

/**
 * 1/f-like row noise: per output a sum of three AR(1) processes along the slow axis (correlation
 * lengths ~10, ~100 and ~1000 rows), 70% of it common to all outputs (as SIDECAR noise is).
 */
function fillOneOverF(out: Float64Array, nrows: number, outputs: number, sigma: number, rng: Rng): void {
  if (sigma <= 0) {
    out.fill(0);
    return;
  }
  const phis = [0.9, 0.99, 0.999];
  const weights = [0.6, 0.6, 0.5];
  const common = new Float64Array(nrows);
  const series = (target: Float64Array, offset: number, scale: number, add: boolean) => {
    for (let c = 0; c < 3; c++) {
      const phi = phis[c];
      const innovation = Math.sqrt(1 - phi * phi);
      let state = rng.normal();
      for (let r = 0; r < nrows; r++) {
        state = phi * state + innovation * rng.normal();
        const value = scale * weights[c] * state;
        if (add || c > 0) target[offset + r] += value;
        else target[offset + r] = value;
      }
    }
  };
  series(common, 0, 0.7 * sigma, false);
  for (let o = 0; o < outputs; o++) {
    for (let r = 0; r < nrows; r++) out[o * nrows + r] = common[r];
    series(out, o * nrows, 0.3 * sigma, true);
  }
}
