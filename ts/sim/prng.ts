/**
 * Deterministic random numbers for the simulator.
 *
 * Two kinds, on purpose:
 * - `Rng` (xoshiro128**, 32-bit integer arithmetic only) is a fast sequential stream for exposure
 *   noise: photons, read noise, cosmic rays. Same seed and stream id -> same numbers on every
 *   machine (no platform floats are involved in the generator itself).
 * - `pixelHash` is a stateless counter-based hash of (detector seed, property, x, y) in full-frame
 *   coordinates. Detector properties (bias, gain, linearity, hot pixels...) come from it, so a
 *   subarray and the full frame of the same detector agree pixel for pixel, and a reference file
 *   cut for any region is consistent with any exposure of that detector.
 *
 * Normal deviates of `Rng` use Marsaglia & Tsang's ziggurat (2000; 128 layers): one 32-bit draw and a
 * multiply in ~99% of cases, which is what makes a full-frame exposure take seconds, not tens of
 * seconds. Its tables and rare tail/wedge paths use Math.exp/log, and `pixelNormal` uses
 * Box-Muller; V8 implements those with fdlibm ports, so the results do not depend on the CPU.
 */

/** splitmix32-style finaliser: a well-mixed 32-bit value from a 32-bit input. */
export function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Hash of a string (FNV-1a then mixed): stable ids for detectors, streams and properties. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** Uniform in [0, 1) from (key, x, y): the per-pixel property generator. */
export function pixelHash(key: number, x: number, y: number): number {
  const h = mix32(mix32(key ^ Math.imul(x, 0x27d4eb2d)) ^ Math.imul(y + 0x165667b1, 0x61c88647));
  return h / 4294967296;
}

const AC_A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const AC_B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const AC_C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const AC_D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

/**
 * Inverse of the standard normal CDF (P. J. Acklam's rational approximation, relative error
 * < 1.2e-9): polynomial in the central region, log/sqrt only in the tails.
 */
export function inverseNormal(p: number): number {
  const a = AC_A;
  const b = AC_B;
  const c = AC_C;
  const d = AC_D;
  const low = 0.02425;
  if (p <= 0) return -8;
  if (p >= 1) return 8;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}


// Ziggurat tables (Marsaglia & Tsang, "The Ziggurat Method for Generating Random Variables", JSS 2000).
const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
const ZIG_M1 = 2147483648;
/** Ziggurat layer bounds and widths (exported so hot loops can inline the fast path). */
export const zigK = new Uint32Array(128);
export const zigW = new Float64Array(128);
const zigF = new Float64Array(128);
{
  let dn = ZIG_R;
  let tn = dn;
  const q = ZIG_V / Math.exp(-0.5 * dn * dn);
  zigK[0] = Math.floor((dn / q) * ZIG_M1);
  zigK[1] = 0;
  zigW[0] = q / ZIG_M1;
  zigW[127] = dn / ZIG_M1;
  zigF[0] = 1;
  zigF[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(ZIG_V / dn + Math.exp(-0.5 * dn * dn)));
    zigK[i + 1] = Math.floor((dn / tn) * ZIG_M1);
    tn = dn;
    zigF[i] = Math.exp(-0.5 * dn * dn);
    zigW[i] = dn / ZIG_M1;
  }
}

export class Rng {
  // State in a typed array: int32 values in object fields would be boxed (V8's small integers
  // are 31-bit), allocating on every draw.
  private readonly s = new Int32Array(4);

  /** `stream` separates independent sequences drawn from the same seed (e.g. one per integration). */
  constructor(seed: number, stream = 0) {
    let x = mix32((seed >>> 0) ^ mix32(stream >>> 0));
    for (let k = 0; k < 4; k++) this.s[k] = x = mix32(x + 0x6d2b79f5);
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** Next 32-bit unsigned integer (xoshiro128**). */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /**
   * Fills `out` with the next out.length values of nextU32(), in a loop on local variables (several
   * times faster than calling nextU32 per value); the stream continues identically afterwards.
   */
  fillU32(out: Uint32Array): void {
    const st = this.s;
    let s0 = st[0];
    let s1 = st[1];
    let s2 = st[2];
    let s3 = st[3];
    for (let i = 0; i < out.length; i++) {
      out[i] = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
    }
    st[0] = s0;
    st[1] = s1;
    st[2] = s2;
    st[3] = s3;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal deviate (ziggurat). */
  normal(): number {
    return this.normalFromBits(this.nextU32());
  }

  /**
   * Standard normal deviate whose first 32 random bits are `bits` (e.g. from fillU32); the rare
   * slow paths draw more from this stream.
   */
  normalFromBits(bits: number): number {
    const hz = bits | 0;
    const iz = hz & 127;
    if ((hz < 0 ? -hz : hz) < zigK[iz]) return hz * zigW[iz];
    return this.normalSlow(hz, iz);
  }

  /** The ziggurat's rare paths: the base strip's tail and the wedges. */
  private normalSlow(hz: number, iz: number): number {
    for (;;) {
      const x = hz * zigW[iz];
      if (iz === 0) {
        let tx: number;
        let ty: number;
        do {
          tx = -Math.log(1 - this.uniform()) / ZIG_R;
          ty = -Math.log(1 - this.uniform());
        } while (ty + ty < tx * tx);
        return hz > 0 ? ZIG_R + tx : -ZIG_R - tx;
      }
      if (zigF[iz] + this.uniform() * (zigF[iz - 1] - zigF[iz]) < Math.exp(-0.5 * x * x)) return x;
      hz = this.nextU32() | 0;
      iz = hz & 127;
      if ((hz < 0 ? -hz : hz) < zigK[iz]) return hz * zigW[iz];
    }
  }

  /**
   * Poisson deviate. Inversion by sequential search for mean < 30 (one uniform, ~mean steps);
   * above, the normal approximation with continuity correction, which is ample for test data
   * (the skewness left is 1/sqrt(mean) < 0.2 and only matters in the far tail).
   */
  poisson(mean: number): number {
    if (!(mean > 0)) return 0;
    if (mean < 30) {
      let p = Math.exp(-mean);
      let cumulative = p;
      const u = this.uniform();
      let k = 0;
      while (u > cumulative && k < 200) {
        k++;
        p *= mean / k;
        cumulative += p;
      }
      return k;
    }
    const k = Math.round(mean + Math.sqrt(mean) * this.normal());
    return k < 0 ? 0 : k;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Standard normal from (key, x, y): the hash's 32 bits through the ziggurat; the ~1% of values
 * that need more randomness take it from a stream seeded by the hash.
 */
export function pixelNormal(key: number, x: number, y: number): number {
  const bits = mix32(mix32(key ^ Math.imul(x, 0x27d4eb2d)) ^ Math.imul(y + 0x165667b1, 0x61c88647));
  const hz = bits | 0;
  const iz = hz & 127;
  if ((hz < 0 ? -hz : hz) < zigK[iz]) return hz * zigW[iz];
  return new Rng(bits, key).normalFromBits(bits);
}
