/**
 * NIRSpec: NRS1/NRS2, read along DMS y (FASTAXIS ±2), with the SUB512/SUB32/SUB2048 slit subarrays
 * (1 output) used for bright-object time series. SUB512 of NRS1 has exactly the geometry of the
 * real CRDS DARK and SUPERBIAS in ../shared/data/real, which the simulator can take as its dark
 * signal and bias. IRS2 readout is not simulated.
 */
import { DEFECT_FRACTIONS, type DetectorPhysics } from './detector.js';
import type { InstrumentInfo, ResolvedMode } from './modes.js';
import type { SceneOptions } from './scene.js';

export const nirspecPhysics: DetectorPhysics = {
  gain: 1.0,
  gainSigma: 0.02,
  readnoiseCds: 14,
  readnoiseSigma: 0.1,
  bias: 12000,
  biasPixelSigma: 800,
  ampOffsetSigma: 300,
  parityOffset: 10,
  ktc: 12,
  driftSigma: 6,
  oneOverF: 3,
  well: 50000,
  wellSigma: 0.03,
  nlA: 1.0e-6,
  nlASigma: 0.08,
  nlB: 3e-12,
  ipcAlpha: 0.005,
  darkRate: 0.005,
  warmRate: [0.3, 3],
  hotRate: [10, 200],
  prnuSigma: 0.02,
  fractions: DEFECT_FRACTIONS,
};

export const nirspec: InstrumentInfo = {
  instrument: 'nirspec',
  name: 'NIRSPEC',
  fullSize: { nx: 2048, ny: 2048 },
  detectors: {
    NRS1: { name: 'NRS1', fastaxis: 2, slowaxis: 1 },
    NRS2: { name: 'NRS2', fastaxis: -2, slowaxis: -1 },
  },
  subarrays: {
    FULL: { name: 'FULL', xstart: 1, ystart: 1, xsize: 2048, ysize: 2048, noutputs: 4 },
    SUB512: { name: 'SUB512', xstart: 1025, ystart: 957, xsize: 512, ysize: 32, noutputs: 1 },
    SUB512S: { name: 'SUB512S', xstart: 1025, ystart: 985, xsize: 512, ysize: 16, noutputs: 1 },
    SUB32: { name: 'SUB32', xstart: 1025, ystart: 1025, xsize: 32, ysize: 32, noutputs: 1 },
    SUB2048: { name: 'SUB2048', xstart: 1, ystart: 957, xsize: 2048, ysize: 32, noutputs: 1 },
  },
  readPatterns: {
    NRSRAPID: { name: 'NRSRAPID', nframes: 1, groupgap: 0 },
    NRS: { name: 'NRS', nframes: 4, groupgap: 0 },
  },
  defaults: { detector: 'NRS1', subarray: 'SUB512', readpatt: 'NRSRAPID' },
  physics: nirspecPhysics,
  defaultExpType(mode: ResolvedMode): string {
    return mode.subarray.name === 'FULL' ? 'NRS_FIXEDSLIT' : 'NRS_BRIGHTOBJ';
  },
  /**
   * A spectral trace across the middle third of the rows on a dark field. Its ends stay dark: jwst's
   * refpix uses the first and last 4 columns of SUB512/SUB512S/SUB32 as reference pixels.
   */
  defaultScene(_mode: ResolvedMode, nx: number, ny: number): SceneOptions {
    const y0 = Math.floor(ny / 3);
    const height = Math.max(1, Math.floor(ny / 3));
    const x0 = Math.min(8, Math.floor(nx / 8));
    return {
      background: 0,
      stars: 0,
      galaxies: 0,
      trace: { y0, height, rate: 20, x0, x1: nx - x0 },
      flatRegion: { x0: Math.floor(nx / 4), y0, nx: Math.max(1, Math.floor(nx / 2)), ny: height },
    };
  },
};
