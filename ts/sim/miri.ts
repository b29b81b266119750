/**
 * MIRI: 1032 x 1024 Si:As detectors with 4 reference columns on each side and 4 interleaved
 * outputs (column k belongs to output k mod 4), FAST/SLOW readout (NFRAMES 1), and the behaviour
 * Detector1's MIRI branch corrects or flags: the reset anomaly (RESET reference, subtracted), reset
 * switch charge decay in the first groups of later integrations (RSCD: flagged), the last-frame
 * offset (lastframe: flagged), an integration-dependent dark (4-D DARK) and the 390 Hz EMI ripple
 * (EMICORR reference; emicorr is skipped by default). No ZEROFRAME, no superbias.
 */
import { DEFECT_FRACTIONS, type DetectorPhysics } from './detector.js';
import type { InstrumentInfo, ResolvedMode, SubarrayInfo } from './modes.js';
import type { SceneOptions } from './scene.js';
import { asdfDocumentText } from '../datamodels/asdf.js';
import { SIMULATED_USEAFTER, simulatorLibrary } from './constants.js';

export const miriPhysics: DetectorPhysics = {
  gain: 5.5,
  gainSigma: 0.03,
  readnoiseCds: 5,
  readnoiseSigma: 0.08,
  bias: 11000, // the pedestal: MIRI ramps are not bias-subtracted
  biasPixelSigma: 1500,
  ampOffsetSigma: 200,
  parityOffset: 8,
  ktc: 5,
  driftSigma: 1,
  oneOverF: 0.3,
  well: 38000,
  wellSigma: 0.04,
  nlA: 2.0e-6,
  nlASigma: 0.08,
  nlB: 8e-12,
  ipcAlpha: 0.008,
  darkRate: 1.0,
  warmRate: [5, 30],
  hotRate: [50, 500],
  prnuSigma: 0.02,
  fractions: DEFECT_FRACTIONS,
};

const sub = (name: string, xstart: number, ystart: number, xsize: number, ysize: number, rowclocks: number, frameclocks: number): SubarrayInfo => ({
  name,
  xstart,
  ystart,
  xsize,
  ysize,
  noutputs: 4,
  rowclocks,
  frameclocks,
});

export const miri: InstrumentInfo = {
  instrument: 'miri',
  name: 'MIRI',
  fullSize: { nx: 1032, ny: 1024 },
  detectors: {
    MIRIMAGE: { name: 'MIRIMAGE', fastaxis: 1, slowaxis: 2 },
    MIRIFULONG: { name: 'MIRIFULONG', fastaxis: 1, slowaxis: 2 },
    MIRIFUSHORT: { name: 'MIRIFUSHORT', fastaxis: 1, slowaxis: 2 },
  },
  // Clocks from jwst emicorr's built-in table (FAST frame time = frameclocks x 10 us).
  subarrays: {
    FULL: sub('FULL', 1, 1, 1032, 1024, 271, 277504),
    BRIGHTSKY: sub('BRIGHTSKY', 457, 51, 512, 512, 162, 86528),
    SUB256: sub('SUB256', 413, 51, 256, 256, 96, 29952),
    SUB128: sub('SUB128', 1, 889, 136, 128, 44, 11904),
    SUB64: sub('SUB64', 1, 779, 72, 64, 28, 8512),
    SLITLESSPRISM: sub('SLITLESSPRISM', 1, 529, 72, 416, 28, 15904),
    MASK1065: sub('MASK1065', 1, 19, 288, 224, 82, 23968),
    MASK1140: sub('MASK1140', 1, 245, 288, 224, 82, 23968),
    MASK1550: sub('MASK1550', 1, 467, 288, 224, 82, 23968),
    MASKLYOT: sub('MASKLYOT', 1, 717, 320, 304, 90, 32400),
  },
  readPatterns: {
    FAST: { name: 'FAST', nframes: 1, groupgap: 0, nsamples: 1 },
    FASTR1: { name: 'FASTR1', nframes: 1, groupgap: 0, nsamples: 1, resetFrame: true },
    SLOW: { name: 'SLOW', nframes: 1, groupgap: 0, nsamples: 9 },
    SLOWR1: { name: 'SLOWR1', nframes: 1, groupgap: 0, nsamples: 9, resetFrame: true },
  },
  defaults: { detector: 'MIRIMAGE', subarray: 'FULL', readpatt: 'FAST' },
  physics: miriPhysics,
  defaultExpType(mode: ResolvedMode): string {
    return mode.subarray.name === 'SLITLESSPRISM' ? 'MIR_LRS-SLITLESS' : 'MIR_IMAGE';
  },
  defaultScene(): SceneOptions {
    return { background: 20, psfSigma: 1.3 };
  },
};

/** Groups the RESET reference holds; the simulated reset anomaly is exactly 0 after them. */
export const MIRI_RESET_GROUPS = 12;
/** Integrations of the MIRI RESET and DARK references (later integrations use the last one). */
export const MIRI_REFERENCE_INTS = 2;
/** The 390.625 Hz EMI ripple of the real instrument, amplitude in DN. */
export const EMI_FREQUENCY = 390.625;
export const EMI_AMPLITUDE = 1.5;

/** Reset anomaly (x the pixel's amplitude) in group g of integration i (what the RESET reference holds). */
export function miriResetShape(integration: number, group: number): number {
  if (group >= MIRI_RESET_GROUPS) return 0;
  return (integration === 0 ? 1 : 0.8) * Math.exp(-group / 2);
}

/** Dark signal beyond the steady rate, DN, in group g of integration i (the 4-D DARK holds it). */
export function miriDarkExtra(integration: number, group: number): number {
  return (integration === 0 ? 4 : 1.5) * (1 - Math.exp(-(group + 1) / 3));
}

/** Offset of the last group of an integration, DN (flagged by lastframe). */
export function miriLastFrameOffset(measured: number): number {
  return 8 + 0.002 * measured;
}

/** RSCD: fraction of the previous integration's signal left in group g of the next (flagged by rscd). */
export function miriRscdFraction(integration: number, group: number): number {
  return integration > 0 && group < 3 ? 0.002 * Math.exp(-group / 0.6) : 0;
}

/** RSCD reference rows: every MIRI subarray with every readout pattern (group_skip1 / group_skip). */
export function rscdRows(): { subarray: string; readpatt: string; skip1: number; skip: number }[] {
  const rows = [];
  for (const subarray of Object.keys(miri.subarrays)) {
    for (const readpatt of Object.keys(miri.readPatterns)) {
      rows.push({ subarray, readpatt, skip1: 1, skip: readpatt.startsWith('SLOW') ? 1 : 2 });
    }
  }
  return rows;
}

const EMI_SAMPLES = 100;

/**
 * The EMICORR reference (ASDF text): the waveform of the simulated ripple (a sine of EMI_AMPLITUDE
 * DN) and the clocks of every subarray. Arrays are inline (ASDF allows `data: [...]` in
 * core/ndarray), so no binary blocks are needed.
 */
export function emicorrDocument(fileName: string): string {
  const wave: string[] = [];
  for (let j = 0; j < EMI_SAMPLES; j++) wave.push((EMI_AMPLITUDE * Math.sin((2 * Math.PI * j) / EMI_SAMPLES)).toPrecision(7));
  const lines = [
    'meta:',
    '  author: jwst-detector1 simulator',
    "  date: '2024-01-01T00:00:00.000'",
    '  description: Simulated MIRI EMI waveforms',
    `  filename: ${fileName}`,
    '  instrument: {name: MIRI}',
    '  model_type: EmiModel',
    '  pedigree: SIMULATION',
    '  reftype: EMICORR',
    '  telescope: JWST',
    `  useafter: '${SIMULATED_USEAFTER}'`,
    'frequencies:',
    '  Hz390:',
    `    frequency: ${EMI_FREQUENCY}`,
    '    phase_amplitudes: !core/ndarray-1.0.0',
    `      data: [${wave.join(', ')}]`,
    '      datatype: float32',
    `      shape: [${EMI_SAMPLES}]`,
    'subarray_cases:',
  ];
  for (const s of Object.values(miri.subarrays)) {
    for (const name of s.name === 'FULL' ? ['FULL_FAST', 'FULL_SLOW'] : [s.name]) {
      const slow = name === 'FULL_SLOW';
      lines.push(
        `  ${name}:`,
        `    frameclocks: ${slow ? 2388992 : s.frameclocks}`,
        `    rowclocks: ${slow ? 2333 : s.rowclocks}`,
        '    freqs:',
        '      FAST: [Hz390]',
        '      SLOW: {MIRIFULONG: [Hz390], MIRIFUSHORT: [Hz390], MIRIMAGE: [Hz390]}',
      );
    }
  }
  return asdfDocumentText(simulatorLibrary, lines);
}
