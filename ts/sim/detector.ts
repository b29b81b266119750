/**
 * A simulated detector: fixed per-pixel properties (bias, gain, read noise, linearity, full well,
 * dark current, hot/warm/dead pixels, reference pixels...) that depend only on (instrument,
 * detector) and the full-frame pixel position, never on the exposure. Exposures and reference
 * files of any subarray are cut from the same maps, which is what makes them consistent.
 *
 * Numbers are "-like", not calibrated: of the right order for each instrument (e.g. NIRCam gain
 * ~2 e/DN, CDS read noise ~9 DN, bias ~12500 DN, ~6% non-linearity at full well).
 */
import { pixel } from '../dq/index.js';
import { hashString, pixelHash, pixelNormal } from './prng.js';
import type { DetectorInfo, InstrumentInfo } from './modes.js';

export interface DetectorPhysics {
  /** e/DN, mean and fractional pixel-to-pixel sigma. */
  gain: number;
  gainSigma: number;
  /** CDS read noise (difference of two reads), DN, and fractional sigma. */
  readnoiseCds: number;
  readnoiseSigma: number;
  /** NIR bias (DN) / MIRI pedestal: mean, pixel sigma, amplifier static offsets, odd/even offset. */
  bias: number;
  biasPixelSigma: number;
  ampOffsetSigma: number;
  parityOffset: number;
  /** Reset (kTC) offset per pixel and integration, DN. */
  ktc: number;
  /** Per-frame amplifier/parity offset drift, DN (what refpix removes). */
  driftSigma: number;
  /** Row-correlated 1/f noise, DN rms per row. */
  oneOverF: number;
  /** Linear signal (DN above bias) where the pixel stops responding; fractional sigma. */
  well: number;
  wellSigma: number;
  /** Non-linearity: corrected = m + a m^2 + b m^3 (m measured DN above bias/pedestal). */
  nlA: number;
  nlASigma: number;
  nlB: number;
  /** Inter-pixel capacitance: fraction of a pixel's signal seen by each of its 4 neighbours. */
  ipcAlpha: number;
  /** Dark current (e/s): normal, warm and hot ranges. */
  darkRate: number;
  warmRate: [number, number];
  hotRate: [number, number];
  /** Pixel response non-uniformity (fractional sigma). */
  prnuSigma: number;
  /** Fractions of pixels with each defect. */
  fractions: {
    dead: number;
    hot: number;
    warm: number;
    lowQe: number;
    unreliableBias: number;
    noLinCorr: number;
    nanLinearity: number;
    noSatCheck: number;
    unreliableDark: number;
  };
}

/** Fractions of defective pixels (the same order for every instrument here). */
export const DEFECT_FRACTIONS: DetectorPhysics['fractions'] = {
  dead: 0.0005,
  hot: 0.0008,
  warm: 0.004,
  lowQe: 0.001,
  unreliableBias: 0.0003,
  noLinCorr: 0.0002,
  nanLinearity: 0.0001,
  noSatCheck: 0.0002,
  unreliableDark: 0.0003,
};

/** Pixel classes (`classes` map). */
export const PixelClass = { NORMAL: 0, DEAD: 1, HOT: 2, WARM: 3, LOW_QE: 4, REFERENCE: 5 } as const;

/** A rectangle of the full frame, 0-based, DMS orientation. */
export interface Region {
  x0: number;
  y0: number;
  nx: number;
  ny: number;
}

/**
 * Measured DN above bias for a linear signal `s` (DN), the inverse of m + a m^2 + b m^3 = s
 * (fourth-order series inverse; above a s = 0.01 one Newton step, which squares its relative
 * error: far below 1e-6 DN at full well).
 */
export function nonlinear(s: number, a: number, b: number): number {
  if (s <= 0) return s;
  // fourth-order series (Lagrange inversion); its error, ~14 (a s)^5 s, is < 1e-6 DN while a s < 0.01
  const m = s * (1 + s * (-a + s * (2 * a * a - b + s * (5 * a * b - 5 * a * a * a))));
  if (a * s < 0.01) return m;
  return m - (m * (1 + m * (a + b * m)) - s) / (1 + m * (2 * a + 3 * b * m));
}

export class DetectorModel {
  readonly physics: DetectorPhysics;
  readonly key: number;
  private readonly cache = new Map<string, unknown>();

  constructor(
    readonly info: InstrumentInfo,
    readonly detector: DetectorInfo,
  ) {
    this.physics = info.physics;
    this.key = hashString(`${info.name}/${detector.name}/detector-v1`);
  }

  private prop(name: string): number {
    return hashString(`${this.key}/${name}`);
  }

  /** Maps are computed once per region (they are read-only for callers). */
  private memo<T>(name: string, r: Region, make: () => T): T {
    const key = `${name}@${r.x0},${r.y0},${r.nx},${r.ny}`;
    let value = this.cache.get(key) as T | undefined;
    if (value === undefined) {
      value = make();
      this.cache.set(key, value);
    }
    return value;
  }

  /** Reference pixel at full-frame (x, y), 0-based DMS. */
  isReference(x: number, y: number): boolean {
    const { nx, ny } = this.info.fullSize;
    if (this.info.instrument === 'miri') return x < 4 || x >= nx - 4;
    return x < 4 || x >= nx - 4 || y < 4 || y >= ny - 4;
  }

  /**
   * Detector-frame column (the fast readout coordinate) of a full-frame DMS pixel (0-based), by
   * the science-to-detector transform of spec/datamodels.md §6.
   */
  detectorCol(x: number, y: number): number {
    const { nx, ny } = this.info.fullSize;
    const { fastaxis } = this.detector;
    if (Math.abs(fastaxis) === 1) return fastaxis < 0 ? nx - 1 - x : x;
    return fastaxis < 0 ? ny - 1 - y : y;
  }

  /** Detector-frame row (the slow readout coordinate) of a full-frame DMS pixel. */
  detectorRow(x: number, y: number): number {
    const { nx, ny } = this.info.fullSize;
    const { fastaxis, slowaxis } = this.detector;
    if (Math.abs(fastaxis) === 1) return slowaxis < 0 ? ny - 1 - y : y;
    return slowaxis < 0 ? nx - 1 - x : x;
  }

  /** Physical amplifier (0-3) of a pixel: 512-column stripes (NIR) or interleaved columns (MIRI). */
  amplifier(x: number, y: number): number {
    if (this.info.instrument === 'miri') return x % 4;
    return Math.min(3, Math.floor(this.detectorCol(x, y) / 512));
  }

  /** Class of each pixel (PixelClass). */
  classes(r: Region): Uint8Array {
    return this.memo('classes', r, () => {
      const out = new Uint8Array(r.nx * r.ny);
      const f = this.physics.fractions;
      const key = this.prop('class');
      // explicit loops, not a callback: one megamorphic call site would cost more than the work
      for (let y = r.y0, i = 0; y < r.y0 + r.ny; y++) {
        for (let x = r.x0; x < r.x0 + r.nx; x++, i++) {
          if (this.isReference(x, y)) {
            out[i] = PixelClass.REFERENCE;
            continue;
          }
          const u = pixelHash(key, x, y);
          out[i] =
            u < f.dead
              ? PixelClass.DEAD
              : u < f.dead + f.hot
                ? PixelClass.HOT
                : u < f.dead + f.hot + f.warm
                  ? PixelClass.WARM
                  : u < f.dead + f.hot + f.warm + f.lowQe
                    ? PixelClass.LOW_QE
                    : PixelClass.NORMAL;
        }
      }
      return out;
    });
  }

  /** Static bias (NIR superbias) or pedestal (MIRI), DN: amplifier offset, odd/even offset, pixel structure. */
  bias(r: Region): Float32Array {
    return this.memo('bias', r, () => {
      const p = this.physics;
      const key = this.prop('bias');
      const ampOffsets = [0, 1, 2, 3].map((a) => p.ampOffsetSigma * pixelNormal(this.prop('amp-offset'), a, 0));
      const out = new Float32Array(r.nx * r.ny);
      // explicit loops, not a callback: one megamorphic call site would cost more than the work
      for (let y = r.y0, i = 0; y < r.y0 + r.ny; y++) {
        for (let x = r.x0; x < r.x0 + r.nx; x++, i++) {
          const row = this.detectorRow(x, y);
          const parity = this.info.instrument === 'miri' ? row % 2 : this.detectorCol(x, y) % 2;
          // a smooth gradient along the slow axis plus pixel-to-pixel structure
          const gradient = 80 * Math.sin((row / this.info.fullSize.ny) * Math.PI);
          out[i] = p.bias + ampOffsets[this.amplifier(x, y)] + (parity ? p.parityOffset : -p.parityOffset) + gradient + p.biasPixelSigma * pixelNormal(key, x, y);
        }
      }
      return out;
    });
  }

  /** e/DN; 0 at reference pixels (as GAIN references have it). */
  gain(r: Region): Float32Array {
    return this.memo('gain', r, () => {
      const p = this.physics;
      const key = this.prop('gain');
      const out = new Float32Array(r.nx * r.ny);
      // explicit loops, not a callback: one megamorphic call site would cost more than the work
      for (let y = r.y0, i = 0; y < r.y0 + r.ny; y++) {
        for (let x = r.x0; x < r.x0 + r.nx; x++, i++) {
          out[i] = this.isReference(x, y) ? 0 : p.gain * (1 + p.gainSigma * pixelNormal(key, x, y));
        }
      }
      return out;
    });
  }

  /** CDS read noise, DN (READNOISE reference convention); the single-read noise is this / sqrt(2). */
  readnoise(r: Region): Float32Array {
    return this.memo('readnoise', r, () => {
      const p = this.physics;
      const key = this.prop('readnoise');
      const out = new Float32Array(r.nx * r.ny);
      // explicit loops, not a callback: one megamorphic call site would cost more than the work
      for (let y = r.y0, i = 0; y < r.y0 + r.ny; y++) {
        for (let x = r.x0; x < r.x0 + r.nx; x++, i++) {
          out[i] = p.readnoiseCds * Math.max(0.5, 1 + p.readnoiseSigma * pixelNormal(key, x, y));
        }
      }
      return out;
    });
  }

  /** Dark current, e/s (0 at reference pixels and dead pixels). */
  darkRate(r: Region, classes = this.classes(r)): Float32Array {
    return this.memo('dark', r, () => {
      const p = this.physics;
      const key = this.prop('dark');
      const out = new Float32Array(r.nx * r.ny);
      // explicit loops, not a callback: one megamorphic call site would cost more than the work
      for (let y = r.y0, i = 0; y < r.y0 + r.ny; y++) {
        for (let x = r.x0; x < r.x0 + r.nx; x++, i++) {
          const u = pixelHash(key, x, y);
          const c = classes[i];
          const logRange = (range: [number, number]) => range[0] * Math.pow(range[1] / range[0], u);
          out[i] =
            c === PixelClass.REFERENCE || c === PixelClass.DEAD
              ? 0
              : c === PixelClass.HOT
                ? logRange(p.hotRate)
                : c === PixelClass.WARM
                  ? logRange(p.warmRate)
                  : p.darkRate * (0.5 + u);
        }
      }
      return out;
    });
  }

  /** Quantum-efficiency map (PRNU): 0 at reference and dead pixels, ~0.5 at low-QE pixels. */
  response(r: Region, classes = this.classes(r)): Float32Array {
    return this.memo('response', r, () => {
      const key = this.prop('prnu');
      const out = new Float32Array(r.nx * r.ny);
      // explicit loops, not a callback: one megamorphic call site would cost more than the work
      for (let y = r.y0, i = 0; y < r.y0 + r.ny; y++) {
        for (let x = r.x0; x < r.x0 + r.nx; x++, i++) {
          const c = classes[i];
          const base = c === PixelClass.REFERENCE || c === PixelClass.DEAD ? 0 : c === PixelClass.LOW_QE ? 0.5 : 1;
          out[i] = base * (1 + this.physics.prnuSigma * pixelNormal(key, x, y));
        }
      }
      return out;
    });
  }

  /**
   * Non-linearity coefficients a, b (float32, as the LINEARITY reference stores them; the simulator
   * uses these exact values). Zero (linear) at reference pixels and at NO_LIN_CORR pixels.
   */
  linearity(r: Region): { a: Float32Array; b: Float32Array; flags: Uint8Array } {
    return this.memo('linearity', r, () => {
      const p = this.physics;
      const key = this.prop('linearity');
      const flagKey = this.prop('linearity-flags');
      const n = r.nx * r.ny;
      const a = new Float32Array(n);
      const b = new Float32Array(n);
      /** 1 = NO_LIN_CORR pixel, 2 = NaN coefficient in the reference */
      const flags = new Uint8Array(n);
      // explicit loops, not a callback: one megamorphic call site would cost more than the work
      for (let y = r.y0, i = 0; y < r.y0 + r.ny; y++) {
        for (let x = r.x0; x < r.x0 + r.nx; x++, i++) {
          if (this.isReference(x, y)) continue;
          const u = pixelHash(flagKey, x, y);
          if (u < p.fractions.noLinCorr) {
            flags[i] = 1;
            continue;
          }
          if (u < p.fractions.noLinCorr + p.fractions.nanLinearity) flags[i] = 2;
          const z = pixelNormal(key, x, y);
          a[i] = p.nlA * (1 + p.nlASigma * z);
          b[i] = p.nlB * (1 + 0.5 * p.nlASigma * z);
        }
      }
      return { a, b, flags };
    });
  }

  /** Full well: the linear signal (DN above bias) where the pixel stops responding. */
  well(r: Region): Float32Array {
    return this.memo('well', r, () => {
      const p = this.physics;
      const key = this.prop('well');
      const out = new Float32Array(r.nx * r.ny);
      // explicit loops, not a callback: one megamorphic call site would cost more than the work
      for (let y = r.y0, i = 0; y < r.y0 + r.ny; y++) {
        for (let x = r.x0; x < r.x0 + r.nx; x++, i++) {
          out[i] = p.well * (1 + p.wellSigma * pixelNormal(key, x, y));
        }
      }
      return out;
    });
  }

  /** Hash-selected pixels with an independent defect (fraction of pixels). */
  defect(r: Region, name: string, fraction: number): Uint8Array {
    return this.memo(`defect-${name}-${fraction}`, r, () => {
      const key = this.prop(`defect-${name}`);
      const out = new Uint8Array(r.nx * r.ny);
      // explicit loops, not a callback: one megamorphic call site would cost more than the work
      for (let y = r.y0, i = 0; y < r.y0 + r.ny; y++) {
        for (let x = r.x0; x < r.x0 + r.nx; x++, i++) {
          out[i] = !this.isReference(x, y) && pixelHash(key, x, y) < fraction ? 1 : 0;
        }
      }
      return out;
    });
  }

  /** MIRI reset anomaly amplitude per pixel, DN (integration 1; later integrations x 0.8). */
  resetAmplitude(r: Region): Float32Array {
    return this.memo('reset', r, () => {
      const key = this.prop('reset');
      const out = new Float32Array(r.nx * r.ny);
      // explicit loops, not a callback: one megamorphic call site would cost more than the work
      for (let y = r.y0, i = 0; y < r.y0 + r.ny; y++) {
        for (let x = r.x0; x < r.x0 + r.nx; x++, i++) {
          out[i] = 60 * (1 + 0.2 * pixelNormal(key, x, y));
        }
      }
      return out;
    });
  }

  /** Mask (DQ_INIT) flags, standard bits. */
  maskFlags(r: Region, classes = this.classes(r)): Uint32Array {
    return this.memo('mask', r, () => {
      const out = new Uint32Array(r.nx * r.ny);
      for (let i = 0; i < out.length; i++) {
        switch (classes[i]) {
          case PixelClass.REFERENCE:
            out[i] = pixel.REFERENCE_PIXEL;
            break;
          case PixelClass.DEAD:
            out[i] = pixel.DEAD | pixel.DO_NOT_USE;
            break;
          case PixelClass.HOT:
            out[i] = pixel.HOT;
            break;
          case PixelClass.WARM:
            out[i] = pixel.WARM;
            break;
          case PixelClass.LOW_QE:
            out[i] = pixel.LOW_QE;
            break;
        }
      }
      return out;
    });
  }
}
