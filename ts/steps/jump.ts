/**
 * jump (spec/steps/jump.md, jwst `JumpStep` + stcal `detect_jumps_data`): JUMP_DET in GROUPDQ
 * by the two-point difference method (sigma clipping across integrations when there are
 * `minimum_sigclip_groups` of them), neighbour and after-jump flagging, NO_GAIN_VALUE in
 * PIXELDQ, the PRIMECRS/EXTNCRS rates. Science data are not changed.
 *
 * Banding: stcal's per-slice quirks (all-DO_NOT_USE plane counts, `maximum_cores`) are not
 * reproduced; the counts are taken over the whole frame, as stcal does with one slice.
 */
import type { FitsFile } from '../io/fits/index.js';
import type { RampModel } from '../datamodels/models.js';
import { readReferenceFloat, scienceGeometry } from '../reffiles/index.js';
import { runTiled } from '../pool/pool.js';
import { jumpHalo, jumpInThreadBandRows, type JumpMode, type JumpParams } from '../kernels/jump.js';
import { pixel } from '../dq/flags.js';
import { info, rampTileShape, referenceName, warn, type StepContext, type StepStatus } from './step.js';

/** FITS keyword suffixes: `S_JUMP`, `R_GAIN`, `R_READNO`. */
export const jumpKeywords = { status: 'JUMP', gain: 'GAIN', readnoise: 'READNO' } as const;

/** Raised for missing inputs, bad parameters, and the modes not implemented yet. */
export class JumpStepError extends Error {
  override name = 'JumpStepError';
}

/** Every jwst JumpStep parameter (jwst 3.0.0 names in camelCase); defaults in `jumpDefaults`. */
export interface JumpStepOptions {
  rejectionThreshold: number;
  threeGroupRejectionThreshold: number;
  fourGroupRejectionThreshold: number;
  /** Row slicing of stcal; accepted for compatibility, results never depend on it here. */
  maximumCores: string;
  flag4Neighbors: boolean;
  maxJumpToFlagNeighbors: number;
  minJumpToFlagNeighbors: number;
  afterJumpFlagDn1: number;
  afterJumpFlagTime1: number;
  afterJumpFlagDn2: number;
  afterJumpFlagTime2: number;
  /** Snowballs: not implemented yet (throws when true). */
  expandLargeEvents: boolean;
  minSatArea: number;
  minJumpArea: number;
  expandFactor: number;
  /** Deprecated and unused, as in jwst. */
  useEllipses: boolean;
  satRequiredSnowball: boolean;
  minSatRadiusExtend: number;
  satExpand: number;
  edgeSize: number;
  maskSnowballCoreNextInt: boolean;
  snowballTimeMaskedNextInt: number;
  /** MIRI showers: not implemented yet (throws when true). */
  findShowers: boolean;
  maxShowerAmplitude: number;
  extendSnrThreshold: number;
  extendMinArea: number;
  extendInnerRadius: number;
  extendOuterRadius: number;
  extendEllipseExpandRatio: number;
  timeMaskedAfterShower: number;
  minDiffsSinglePass: number;
  maxExtendedRadius: number;
  /** stcal forces 3 when it runs one slice, which is what this port reproduces. */
  minimumGroups: number;
  minimumSigclipGroups: number;
  onlyUseInts: boolean;
}

export const jumpDefaults: Readonly<JumpStepOptions> = Object.freeze({
  rejectionThreshold: 4.0,
  threeGroupRejectionThreshold: 6.0,
  fourGroupRejectionThreshold: 5.0,
  maximumCores: '1',
  flag4Neighbors: true,
  maxJumpToFlagNeighbors: 1000,
  minJumpToFlagNeighbors: 10,
  afterJumpFlagDn1: 0,
  afterJumpFlagTime1: 0,
  afterJumpFlagDn2: 0,
  afterJumpFlagTime2: 0,
  expandLargeEvents: false,
  minSatArea: 1.0,
  minJumpArea: 5.0,
  expandFactor: 2.0,
  useEllipses: false,
  satRequiredSnowball: true,
  minSatRadiusExtend: 2.5,
  satExpand: 2,
  edgeSize: 25,
  maskSnowballCoreNextInt: true,
  snowballTimeMaskedNextInt: 4000,
  findShowers: false,
  maxShowerAmplitude: 4,
  extendSnrThreshold: 1.2,
  extendMinArea: 90,
  extendInnerRadius: 1,
  extendOuterRadius: 2.6,
  extendEllipseExpandRatio: 1.1,
  timeMaskedAfterShower: 15,
  minDiffsSinglePass: 10,
  maxExtendedRadius: 200,
  minimumGroups: 3,
  minimumSigclipGroups: 100,
  onlyUseInts: true,
});

export interface JumpReferences {
  gain: FitsFile;
  readnoise: FitsFile;
}

export interface JumpStepResult {
  status: StepStatus;
  /** stcal's primary CR count (JUMP groups after detection, before neighbours); -99 when skipped for too few groups. */
  primaryCrs?: number;
}

/** Per integration, the number of (int, group) planes whose every pixel has DO_NOT_USE. */
function allDoNotUsePlanes(groupdq: Uint8Array, nints: number, ngroups: number, npix: number): number[] {
  const counts: number[] = [];
  for (let i = 0; i < nints; i++) {
    let n = 0;
    for (let g = 0; g < ngroups; g++) {
      const start = (i * ngroups + g) * npix;
      let all = true;
      for (let p = start; p < start + npix && all; p++) all = (groupdq[p] & pixel.DO_NOT_USE) !== 0;
      if (all) n++;
    }
    counts.push(n);
  }
  return counts;
}

/**
 * The end of stcal's sigma-clipping detection, over the whole frame (stcal does it per slice;
 * one slice here): in an (integration, group) plane where every pixel has JUMP_DET or
 * DO_NOT_USE, the pixels whose DQ is exactly JUMP_DET are reset to 0.
 */
function resetJumpOnlyPlanes(groupdq: Uint8Array, planes: number, npix: number): void {
  const jumpOrDnu = pixel.JUMP_DET | pixel.DO_NOT_USE;
  for (let plane = 0; plane < planes; plane++) {
    const flags = groupdq.subarray(plane * npix, (plane + 1) * npix);
    if (!flags.every((f) => (f & jumpOrDnu) !== 0)) continue;
    for (let p = 0; p < npix; p++) if (flags[p] === pixel.JUMP_DET) flags[p] = 0;
  }
}

/**
 * JUMP_DET groups and the pixels that have one. Jumps are sparse: sixteen groups are tested at
 * a time (four 32-bit words), which keeps this pass over the cube small next to the kernel.
 */
function countJumps(groupdq: Uint8Array, npix: number): { groups: number; pixels: number } {
  const flagged = new Uint8Array(npix);
  let groups = 0;
  const count = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      if (groupdq[i] & pixel.JUMP_DET) {
        groups++;
        flagged[i % npix] = 1;
      }
    }
  };
  const words = groupdq.byteOffset % 4 === 0 ? new Uint32Array(groupdq.buffer, groupdq.byteOffset, groupdq.length >>> 2) : new Uint32Array(0);
  const jumpInWord = pixel.JUMP_DET * 0x01010101;
  const quads = words.length >>> 2;
  for (let q = 0; q < quads; q++) {
    const w = 4 * q;
    if ((words[w] | words[w + 1] | words[w + 2] | words[w + 3]) & jumpInWord) count(4 * w, 4 * w + 16);
  }
  count(16 * quads, groupdq.length);
  let pixels = 0;
  for (let p = 0; p < npix; p++) pixels += flagged[p];
  return { groups, pixels };
}

/** numpy `nanmedian` of a float32 array: float32, the float32 mean of the middle pair. */
function nanMedianF32(values: Float32Array): number {
  const finite = values.filter((v) => !Number.isNaN(v)).sort();
  const n = finite.length;
  if (n === 0) return NaN;
  return n % 2 ? finite[(n - 1) / 2] : Math.fround(Math.fround(finite[n / 2 - 1] + finite[n / 2]) / 2);
}

/** CPython's float `//` (e.g. `1 // 0.1 == 9`, where Math.floor(1 / 0.1) is 10). */
export function pythonFloorDiv(a: number, b: number): number {
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod && b < 0 !== mod < 0) div -= 1;
  if (!div) return 0;
  let floor = Math.floor(div);
  if (div - floor > 0.5) floor += 1;
  return floor;
}

/** stcal's detector choice from whole-frame counts (twopoint_difference `find_crs`). */
function chooseMode(perInt: number[], nints: number, ngroups: number, o: JumpStepOptions): Exclude<JumpMode, 'sigmaClipped'> | 'sigmaClip' {
  const maxFlagged = Math.max(...perInt);
  const totalFlagged = perInt.reduce((a, b) => a + b, 0);
  const minUsableGroups = ngroups - maxFlagged;
  const totalGroups = nints * ngroups - totalFlagged;
  const totalSigclipGroups = o.onlyUseInts ? nints : totalGroups;
  const sigclipImpossible = o.onlyUseInts ? nints < o.minimumSigclipGroups : totalSigclipGroups < o.minimumSigclipGroups;
  // One slice: stcal forces minimum_groups to 3.
  const classicImpossible = minUsableGroups < 3;
  if (sigclipImpossible && classicImpossible) return 'skip';
  if ((o.onlyUseInts && nints >= o.minimumSigclipGroups) || (!o.onlyUseInts && totalGroups >= o.minimumSigclipGroups)) return 'sigmaClip';
  return minUsableGroups - 1 >= o.minDiffsSinglePass ? 'singlePass' : 'iterative';
}

export async function jumpStep(
  ramp: RampModel,
  references: JumpReferences | undefined,
  context: StepContext = {},
  options: Partial<JumpStepOptions> = {},
): Promise<JumpStepResult> {
  const o: JumpStepOptions = { ...jumpDefaults, ...options };
  if (o.expandLargeEvents) throw new JumpStepError('jump: expand_large_events (snowballs) is not implemented yet');
  if (o.findShowers) throw new JumpStepError('jump: find_showers (MIRI showers) is not implemented yet');
  const [nints, ngroups, rows, cols] = ramp.shape;
  if (ngroups <= 2) {
    warn(context, 'jump: cannot apply jump detection when NGROUPS<=2; step skipped');
    return { status: (ramp.meta.calStep[jumpKeywords.status] = 'SKIPPED') };
  }
  if (!references) throw new JumpStepError('jump: GAIN and READNOISE references are required');
  const { nframes, groupTime } = ramp.meta.exposure;
  if (!nframes || nframes < 1) throw new JumpStepError('jump: the input has no NFRAMES (meta.exposure.nframes)');
  if (groupTime === undefined || !(groupTime > 0)) throw new JumpStepError('jump: the input has no positive TGROUP (meta.exposure.groupTime)');

  const warnFn = (message: string) => warn(context, message);
  const refContext = { science: scienceGeometry(ramp.meta, ramp.shape, 'science data', warnFn), instrument: ramp.meta.instrument.name, warn: warnFn };
  const gain = (await readReferenceFloat(references.gain, 'SCI', refContext)).data;
  const readnoise = (await readReferenceFloat(references.readnoise, 'SCI', refContext)).data;

  const npix = rows * cols;
  const mode = chooseMode(allDoNotUsePlanes(ramp.groupdq, nints, ngroups, npix), nints, ngroups, o);
  if (mode === 'sigmaClip') {
    info(context, `jump: sigma clipping (${o.onlyUseInts ? `${nints} integrations` : 'all groups'} >= minimum_sigclip_groups ${o.minimumSigclipGroups})`);
    await runTiled(context.pool, 'jumpSigmaClip', { data: ramp.data, groupdq: ramp.groupdq, gain }, rampTileShape(ramp.shape), {
      signal: context.signal,
      params: { rejectionThreshold: o.rejectionThreshold, onlyUseInts: o.onlyUseInts },
    });
    resetJumpOnlyPlanes(ramp.groupdq, nints * ngroups, npix);
  }
  if (mode === 'skip') info(context, 'jump: fewer than the minimum number of usable groups; no detection');
  info(context, `jump: CR rejection threshold = ${o.rejectionThreshold} sigma (${mode})`);

  // jwst: `int(time // group_time)`; the e thresholds are float32 in stcal.
  const n1 = Math.max(0, pythonFloorDiv(o.afterJumpFlagTime1, groupTime));
  const n2 = Math.max(0, pythonFloorDiv(o.afterJumpFlagTime2, groupTime));
  const gainMedian = n1 > 0 || n2 > 0 ? nanMedianF32(gain) : NaN;
  const params: JumpParams = {
    mode: mode === 'sigmaClip' ? 'sigmaClipped' : mode,
    rejectionThreshold: o.rejectionThreshold,
    threeGroupRejectionThreshold: o.threeGroupRejectionThreshold,
    fourGroupRejectionThreshold: o.fourGroupRejectionThreshold,
    flag4Neighbors: o.flag4Neighbors,
    minJumpToFlagNeighbors: o.minJumpToFlagNeighbors,
    maxJumpToFlagNeighbors: o.maxJumpToFlagNeighbors,
    nframes,
    afterJumpFlagE1: Math.fround(o.afterJumpFlagDn1 * gainMedian),
    afterJumpFlagN1: n1,
    afterJumpFlagE2: Math.fround(o.afterJumpFlagDn2 * gainMedian),
    afterJumpFlagN2: n2,
  };
  const crs = new Uint32Array(npix);
  await runTiled(
    context.pool,
    'jump',
    { data: ramp.data, groupdq: ramp.groupdq, pixeldq: ramp.pixeldq, gain, readnoise, crs },
    rampTileShape(ramp.shape),
    { signal: context.signal, params, halo: jumpHalo(params), maxBandRows: context.pool ? undefined : jumpInThreadBandRows(rampTileShape(ramp.shape)) },
  );
  let primaryCrs = -99;
  if (mode !== 'skip') {
    primaryCrs = 0;
    for (let p = 0; p < npix; p++) primaryCrs += crs[p];
  }

  const { groups, pixels } = countJumps(ramp.groupdq, npix);
  info(context, `jump: ${primaryCrs} primary CRs; ${groups} groups in ${pixels} pixels carry JUMP_DET`);

  const flaggedPlanes = allDoNotUsePlanes(ramp.groupdq, nints, ngroups, npix).reduce((a, b) => a + b, 0);
  const totalGroups = nints * ngroups - flaggedPlanes - nints;
  if (totalGroups >= 1) {
    const totalTime = groupTime * totalGroups;
    ramp.meta.exposure.primaryCosmicRays = (1000 * primaryCrs) / (totalTime * npix);
    // No extended-event search runs yet: stcal's count is 0.
    ramp.meta.exposure.extendedEmissionEvents = 0;
  }
  ramp.meta.refFiles[jumpKeywords.gain] = referenceName(references.gain);
  ramp.meta.refFiles[jumpKeywords.readnoise] = referenceName(references.readnoise);
  return { status: (ramp.meta.calStep[jumpKeywords.status] = 'COMPLETE'), primaryCrs };
}
