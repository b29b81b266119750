/**
 * Instrument modes the simulator knows (one module per instrument: nircam.ts, nirspec.ts, miri.ts):
 * detectors with their readout orientation, subarrays, readout patterns, detector physics, default
 * scenes and exposure types; and the frame-time rule. Positions of subarrays are representative
 * (placements chosen to exercise reference pixels), not the SIAF values of every detector.
 */
import type { DetectorPhysics } from './detector.js';
import { miri } from './miri.js';
import { nircam } from './nircam.js';
import { nirspec } from './nirspec.js';
import type { SceneOptions } from './scene.js';

export type Instrument = 'nircam' | 'nirspec' | 'miri';

export const instruments: readonly Instrument[] = ['nircam', 'nirspec', 'miri'];

/** Raised for requests the simulator cannot satisfy (the CLI reports them as usage errors). */
export class SimulationInputError extends Error {
  override name = 'SimulationInputError';
}

export interface DetectorInfo {
  name: string;
  /** FASTAXIS / SLOWAXIS (spec/datamodels.md §6). */
  fastaxis: number;
  slowaxis: number;
  module?: string;
  channel?: string;
}

export interface SubarrayInfo {
  name: string;
  /** 1-based full-frame start (SUBSTRT1/2) and size (SUBSIZE1/2), DMS frame. */
  xstart: number;
  ystart: number;
  xsize: number;
  ysize: number;
  noutputs: number;
  /** MIRI: pixel clocks per row and per frame (frame time = frameclocks x 10 us in FAST mode). */
  rowclocks?: number;
  frameclocks?: number;
}

export interface ReadPatternInfo {
  name: string;
  nframes: number;
  groupgap: number;
  /** MIRI SLOW reads each pixel 9 times (10 us each) instead of once. */
  nsamples?: number;
  /** MIRI R1 patterns: one extra reset frame between integrations. */
  resetFrame?: boolean;
}

export interface InstrumentInfo {
  instrument: Instrument;
  /** INSTRUME keyword. */
  name: string;
  fullSize: { nx: number; ny: number };
  detectors: Record<string, DetectorInfo>;
  subarrays: Record<string, SubarrayInfo>;
  readPatterns: Record<string, ReadPatternInfo>;
  defaults: { detector: string; subarray: string; readpatt: string };
  physics: DetectorPhysics;
  /** EXP_TYPE when the request names none. */
  defaultExpType(mode: ResolvedMode, tso: boolean): string;
  /** Scene when the request gives none (nx x ny = the subarray). */
  defaultScene(mode: ResolvedMode, nx: number, ny: number): SceneOptions;
}

export const instrumentInfo: Record<Instrument, InstrumentInfo> = { nircam, nirspec, miri };

/** Case-insensitive lookup of an instrument by name (`nircam`, `NIRCam`, `NIRCAM`). */
export function findInstrument(name: string): InstrumentInfo {
  const key = name.trim().toLowerCase();
  if (!(instruments as readonly string[]).includes(key)) {
    throw new SimulationInputError(`unknown instrument "${name}" (known: ${instruments.join(', ')})`);
  }
  return instrumentInfo[key as Instrument];
}

function lookup<T>(table: Record<string, T>, name: string, what: string, instrument: string): T {
  const found = table[name.trim().toUpperCase()];
  if (!found) {
    throw new SimulationInputError(`${instrument} has no ${what} "${name}" (known: ${Object.keys(table).join(', ')})`);
  }
  return found;
}

export interface ResolvedMode {
  info: InstrumentInfo;
  detector: DetectorInfo;
  subarray: SubarrayInfo;
  readPattern: ReadPatternInfo;
  /** Seconds between frames. */
  tframe: number;
  /** Seconds between groups: (nframes + groupgap) x tframe. */
  tgroup: number;
}

/**
 * Frame time. Near-IR (SIDECAR, 10 us per pixel): (fast pixels per output + 12) x (slow pixels + 1)
 * x 10 us, the fast axis being x for |FASTAXIS| = 1 and y otherwise (FULL: 10.73676 s). MIRI:
 * frameclocks x 10 us (FAST), x 9 samples for SLOW full frame.
 */
export function frameTime(info: InstrumentInfo, detector: DetectorInfo, subarray: SubarrayInfo, readPattern: ReadPatternInfo): number {
  if (info.instrument === 'miri') {
    const clocks = subarray.frameclocks!;
    return Number(((clocks * (readPattern.nsamples === 9 ? 2388992 / 277504 : 1)) * 1e-5).toFixed(5));
  }
  const fastAlongX = Math.abs(detector.fastaxis) === 1;
  const fast = (fastAlongX ? subarray.xsize : subarray.ysize) / subarray.noutputs;
  const slow = fastAlongX ? subarray.ysize : subarray.xsize;
  return Number(((fast + 12) * (slow + 1) * 1e-5).toFixed(5));
}

export function resolveMode(instrument: string, detector?: string, subarray?: string, readpatt?: string): ResolvedMode {
  const info = findInstrument(instrument);
  const det = lookup(info.detectors, detector ?? info.defaults.detector, 'detector', info.name);
  const sub = lookup(info.subarrays, subarray ?? info.defaults.subarray, 'subarray', info.name);
  const rp = lookup(info.readPatterns, readpatt ?? info.defaults.readpatt, 'readout pattern', info.name);
  if (info.instrument === 'miri' && rp.nsamples === 9 && sub.name !== 'FULL') {
    throw new SimulationInputError(`MIRI ${rp.name} is simulated for the FULL subarray only`);
  }
  const tframe = frameTime(info, det, sub, rp);
  const tgroup = Number(((rp.nframes + rp.groupgap) * tframe).toFixed(5));
  return { info, detector: det, subarray: sub, readPattern: rp, tframe, tgroup };
}
