/**
 * NIRSpec IRS2 full-frame exposures (READPATT NRSIRS2RAPID) and a matching REFPIX reference.
 *
 * In detector orientation an IRS2 frame is 2048 rows of 3200 columns: the reference output
 * (columns 0-639) and 4 amplifiers of 640 columns, each reading `NRS_REF` interleaved reference
 * pixels after every `NRS_NORM` normal ones (shifted by NRS_NORM/2); sectors 0, 2, 4 are read
 * right to left. Each pixel has a read time: its sample in the sector's time-ordered row of
 * (NRS_NORM + NRS_REF + 2)·512/NRS_NORM + 8 samples. The simulated raw value is
 *   static bias (per sector, parity and pixel) + a correlated "1/f" noise stream in read time
 *   (shared by all sectors with a per-sector gain, which the interleaved reference pixels and
 *   the reference output sample) + accumulated signal on normal pixels + read noise,
 * plus one intermittently noisy interleaved reference pair, so the step's flagging, its FFT
 * correction and the stripping of reference rows all matter. Arrays are DMS: NRS1 has the
 * detector frame transposed (3200 rows of 2048), NRS2 transposed and reversed in both axes.
 */
import { Header, type WritableHdu } from '../io/fits/index.js';
import { Rng, hashString } from './prng.js';

export interface Irs2Request {
  detector: 'NRS1' | 'NRS2';
  ngroups: number;
  nints: number;
  seed: number;
  scipixN?: number;
  refpixR?: number;
}

/** IRS2 full-frame group time (s), the NRSIRS2RAPID frame time. */
export const IRS2_FRAME_TIME = 14.58889;
const PAD = 8;
const NY = 2048;
const NX = 3200;
const SECTOR = 640;

export interface Irs2Exposure {
  /** `[nints, ngroups, 3200, 2048]` (DMS), integer DN. */
  data: Uint16Array;
  shape: [number, number, number, number];
  scipixN: number;
  refpixR: number;
  /** DMS rows of the noisy interleaved reference pair. */
  noisyPair: [number, number];
}

/** Time-ordered sample of each sector column in readout order (jwst's hnorm1 / href1). */
function sampleOfColumn(n: number, r: number): Int32Array {
  const slot = new Int32Array(SECTOR);
  for (let i = 0; i < 512; i++) slot[i + r * Math.floor((i + n / 2) / n)] = i + (r + 2) * Math.floor((i + n / 2) / n);
  for (let j = 0; j < (512 / n) * r; j++) slot[j + n * Math.floor(j / r) + n / 2] = j + (n + 2) * Math.floor(j / r) + n / 2 + 1;
  return slot;
}

/** Whether a detector column (0..3199) is an interleaved reference pixel or the reference output. */
function isReferenceColumn(x: number, n: number, r: number): boolean {
  if (x < SECTOR) return true;
  const c = (x % SECTOR) - n / 2;
  return c >= 0 && c % (n + r) < r;
}

export function simulateIrs2(request: Irs2Request): Irs2Exposure {
  const { detector, ngroups, nints, seed } = request;
  const n = request.scipixN ?? 16;
  const r = request.refpixR ?? 4;
  const row = ((n + r + 2) * 512) / n + PAD;
  const slot = sampleOfColumn(n, r);
  const flip = detector === 'NRS2';
  const rng = new Rng(seed, hashString('irs2'));
  const plane = NX * NY;
  // Static maps, detector order [y][x].
  const bias = new Float32Array(plane);
  const rate = new Float32Array(plane);
  const sectorBias = Array.from({ length: 5 }, () => 11000 + 400 * rng.normal());
  const sectorGain = Array.from({ length: 5 }, (_, s) => (s === 0 ? 1 : 0.8 + 0.4 * rng.uniform()));
  for (let y = 0; y < NY; y++) {
    for (let x = 0; x < NX; x++) {
      const s = Math.floor(x / SECTOR);
      const i = y * NX + x;
      bias[i] = sectorBias[s] + (x % 2 ? 15 : -15) + 40 * rng.normal();
      if (!isReferenceColumn(x, n, r) && y >= 4 && y < NY - 4) {
        // a faint background and a spectral trace across the middle rows
        rate[i] = 0.2 + (Math.abs(y - 1000) < 12 ? 30 * Math.exp(-((y - 1000) ** 2) / 40) : 0);
      }
    }
  }
  const noisyColumn = 2 * SECTOR + n / 2 + 5 * (n + r);
  const data = new Uint16Array(nints * ngroups * plane);
  const stream = new Float32Array(row * NY);
  for (let j = 0; j < nints; j++) {
    for (let g = 0; g < ngroups; g++) {
      // 1/f-like noise in read time: a few slow waves and a random walk.
      const waves = Array.from({ length: 6 }, (_, k) => ({ a: 6 / (k + 1), f: (2 * Math.PI * (k + 1) * (1 + rng.uniform())) / (row * 16), p: 2 * Math.PI * rng.uniform() }));
      let walk = 0;
      for (let t = 0; t < stream.length; t++) {
        walk = 0.999 * walk + 0.3 * rng.normal();
        let v = walk;
        for (const w of waves) v += w.a * Math.sin(w.f * t + w.p);
        stream[t] = v;
      }
      const out = data.subarray((j * ngroups + g) * plane, (j * ngroups + g + 1) * plane);
      const t0 = (g + 1) * IRS2_FRAME_TIME;
      for (let y = 0; y < NY; y++) {
        for (let x = 0; x < NX; x++) {
          const s = Math.floor(x / SECTOR);
          const c = x % SECTOR;
          const read = s % 2 === 0 ? SECTOR - 1 - c : c;
          const i = y * NX + x;
          let v = bias[i] + sectorGain[s] * stream[y * row + slot[read]] + rate[i] * t0 + 7 * rng.normal();
          if (g === ngroups - 1 && (x === noisyColumn || x === noisyColumn + 1)) v += y % 2 ? 90 : -90;
          const dms = flip ? (NX - 1 - x) * NY + (NY - 1 - y) : x * NY + y;
          out[dms] = Math.min(65535, Math.max(0, Math.round(v)));
        }
      }
    }
  }
  const pair = flip ? [NX - 2 - noisyColumn, NX - 1 - noisyColumn] : [noisyColumn, noisyColumn + 1];
  return { data, shape: [nints, ngroups, NX, NY], scipixN: n, refpixR: r, noisyPair: pair as [number, number] };
}

/**
 * A synthetic REFPIX (IRS2) reference: ALPHA_k / BETA_k complex low-pass responses (magnitude
 * falling with frequency, small phase slopes; beta ~ 1 weights the interleaved reference stream,
 * alpha ~ -0.3 the reference output), stored as jwst reads them (2·712·2048 float32 rows,
 * real and imaginary parts alternating), and a DQ table marking a few interleaved pairs bad.
 */
export function irs2RefpixHdus(detector: 'NRS1' | 'NRS2', seed: number): WritableHdu[] {
  const len = 712 * NY;
  const rng = new Rng(seed, hashString('irs2-refpix'));
  const columns = [];
  for (const [name, scale] of [['ALPHA', -0.3], ['BETA', 1.0]] as const) {
    for (let k = 0; k < 4; k++) {
      const values = new Float32Array(2 * len);
      const gain = scale * (0.9 + 0.2 * rng.uniform());
      const slope = 1e-6 * rng.normal();
      const corner = 0.002 + 0.002 * rng.uniform();
      for (let q = 0; q < len; q++) {
        const f = Math.min(q, len - q) / len;
        const magnitude = gain / (1 + (f / corner) ** 2);
        const phase = slope * (q <= len / 2 ? q : q - len);
        values[2 * q] = magnitude * Math.cos(phase);
        values[2 * q + 1] = magnitude * Math.sin(phase);
      }
      columns.push({ name: `${name}_${k}`, format: 'E', data: values });
    }
  }
  const primary = new Header()
    .set('TELESCOP', 'JWST')
    .set('REFTYPE', 'REFPIX')
    .set('DATAMODL', 'IRS2Model')
    .set('INSTRUME', 'NIRSPEC')
    .set('DETECTOR', detector)
    .set('READPATT', 'NRSIRS2RAPID')
    .set('P_READPA', 'NRSIRS2RAPID|NRSIRS2|')
    .set('USEAFTER', '2015-01-01T00:00:00')
    .set('PEDIGREE', 'DUMMY')
    .set('AUTHOR', 'jwst-detector1 simulator')
    .set('DESCRIP', 'Simulated IRS2 reference-pixel coefficients');
  // OUTPUT 1..4, ODD_EVEN 1 (first pair) or 2; bit k = k-th visit of that output.
  const dqRows = [
    [1, 1, 0],
    [1, 2, 2 ** 7],
    [2, 1, 2 ** 3],
    [2, 2, 0],
    [3, 1, 0],
    [3, 2, 2 ** 20 + 2 ** 21],
    [4, 1, 0],
    [4, 2, 2 ** 31],
  ];
  return [
    { kind: 'image', header: primary },
    { kind: 'bintable', header: new Header().set('EXTNAME', 'IRS2'), nrows: 2 * len, columns },
    {
      kind: 'bintable',
      header: new Header().set('EXTNAME', 'DQ'),
      nrows: dqRows.length,
      columns: [
        { name: 'OUTPUT', format: 'I', data: Uint16Array.from(dqRows, (d) => d[0]) },
        { name: 'ODD_EVEN', format: 'I', data: Uint16Array.from(dqRows, (d) => d[1]) },
        { name: 'MASK', format: 'J', data: Uint32Array.from(dqRows, (d) => d[2]) },
      ],
    },
  ];
}
