/**
 * NIRCam: ten 2048 x 2048 HgCdTe detectors with a 4-pixel reference border, 4 outputs of 512
 * columns (1 output in most subarrays), the readout patterns RAPID ... DEEP8 (NFRAMES frames averaged
 * on board per group, GROUPGAP frames dropped between groups) and ZEROFRAME downlinks.
 */
import { DEFECT_FRACTIONS, type DetectorPhysics } from './detector.js';
import type { DetectorInfo, InstrumentInfo, ResolvedMode, SubarrayInfo } from './modes.js';
import type { SceneOptions } from './scene.js';

export const nircamPhysics: DetectorPhysics = {
  gain: 2.05,
  gainSigma: 0.025,
  readnoiseCds: 9,
  readnoiseSigma: 0.1,
  bias: 12500,
  biasPixelSigma: 600,
  ampOffsetSigma: 400,
  parityOffset: 15,
  ktc: 12,
  driftSigma: 6,
  oneOverF: 2.5,
  well: 42000,
  wellSigma: 0.03,
  nlA: 1.2e-6,
  nlASigma: 0.08,
  nlB: 4e-12,
  ipcAlpha: 0.006,
  darkRate: 0.003,
  warmRate: [0.3, 3],
  hotRate: [10, 200],
  prnuSigma: 0.02,
  fractions: DEFECT_FRACTIONS,
};

const detector = (name: string, fastaxis: number, slowaxis: number): DetectorInfo => ({
  name,
  fastaxis,
  slowaxis,
  module: name[3],
  channel: name.endsWith('LONG') ? 'LONG' : 'SHORT',
});

// Corner subarrays touch the detector's reference rows/columns (so refpix has something to use);
// the others sit at the opposite corner. Representative positions, not the SIAF values.
const square = (name: string, size: number, corner: 'low' | 'high'): SubarrayInfo => {
  const start = corner === 'low' ? 1 : 2048 - size + 1;
  return { name, xstart: start, ystart: start, xsize: size, ysize: size, noutputs: 1 };
};

export const nircam: InstrumentInfo = {
  instrument: 'nircam',
  name: 'NIRCAM',
  fullSize: { nx: 2048, ny: 2048 },
  detectors: Object.fromEntries(
    (
      [
        ['NRCA1', -1, 2],
        ['NRCA2', 1, -2],
        ['NRCA3', -1, 2],
        ['NRCA4', 1, -2],
        ['NRCALONG', -1, 2],
        ['NRCB1', 1, -2],
        ['NRCB2', -1, 2],
        ['NRCB3', 1, -2],
        ['NRCB4', -1, 2],
        ['NRCBLONG', 1, -2],
      ] as const
    ).map(([name, f, s]) => [name, detector(name, f, s)]),
  ),
  subarrays: {
    FULL: { name: 'FULL', xstart: 1, ystart: 1, xsize: 2048, ysize: 2048, noutputs: 4 },
    SUB64P: square('SUB64P', 64, 'low'),
    SUB160P: square('SUB160P', 160, 'low'),
    SUB400P: square('SUB400P', 400, 'low'),
    SUB160: square('SUB160', 160, 'high'),
    SUB320: square('SUB320', 320, 'high'),
    SUB640: square('SUB640', 640, 'high'),
    SUBGRISM64: { name: 'SUBGRISM64', xstart: 1, ystart: 1, xsize: 2048, ysize: 64, noutputs: 4 },
    SUBGRISM128: { name: 'SUBGRISM128', xstart: 1, ystart: 1, xsize: 2048, ysize: 128, noutputs: 4 },
    SUBGRISM256: { name: 'SUBGRISM256', xstart: 1, ystart: 1, xsize: 2048, ysize: 256, noutputs: 4 },
  },
  readPatterns: Object.fromEntries(
    (
      [
        ['RAPID', 1, 0],
        ['BRIGHT1', 1, 1],
        ['BRIGHT2', 2, 0],
        ['SHALLOW2', 2, 3],
        ['SHALLOW4', 4, 1],
        ['MEDIUM2', 2, 8],
        ['MEDIUM8', 8, 2],
        ['DEEP2', 2, 18],
        ['DEEP8', 8, 12],
      ] as const
    ).map(([name, nframes, groupgap]) => [name, { name, nframes, groupgap }]),
  ),
  defaults: { detector: 'NRCA1', subarray: 'FULL', readpatt: 'RAPID' },
  physics: nircamPhysics,
  defaultExpType(mode: ResolvedMode, tso: boolean): string {
    if (mode.subarray.name.startsWith('SUBGRISM')) return 'NRC_TSGRISM';
    return tso ? 'NRC_TSIMAGE' : 'NRC_IMAGE';
  },
  /** Sparse stars and galaxies on the zodiacal background (brighter at long wavelengths). */
  defaultScene(mode: ResolvedMode): SceneOptions {
    const long = mode.detector.channel === 'LONG';
    return { background: long ? 2 : 0.5, psfSigma: long ? 1.4 : 0.9 };
  },
};
