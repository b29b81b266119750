/**
 * Kernels that run on row bands (tiles), by name, with the layout of each array, so the pool
 * can cut bands, send them to workers and put the results back without knowing the kernel.
 */
import type { KernelArray, KernelArrayConstructor, Layout, TileShape } from './arrays.js';
import { dqInit, dqInitStaged } from './dq-init.js';
import { superbias, superbiasStaged } from './superbias.js';
import { linearity, linearityStaged, type LinearityArrays, type LinearityParams } from './linearity.js';
import { darkCurrent, darkCurrentStaged, type DarkCurrentArrays, type DarkCurrentParams } from './dark-current.js';
import { groupScale, type GroupScaleArrays, type GroupScaleParams } from './group-scale.js';
import { gainScale, type GainScaleArrays, type GainScaleParams } from './gain-scale.js';
import { saturation, saturationStaged, type SaturationArrays, type SaturationParams } from './saturation.js';
import { ipc, ipcStaged, type IpcArrays, type IpcParams } from './ipc.js';
import { refpix, refpixStaged, type RefpixArrays, type RefpixParams } from './refpix.js';
import { jump, jumpStaged, type JumpArrays, type JumpParams } from './jump.js';
import type { StagedKernel } from './stage.js';
import { rampFitTask, type RampFitTaskArrays, type RampFitTaskParams } from './ramp-fit.js';
import { lastframe, type LastframeArrays } from './lastframe.js';
import { firstframe, type FirstframeArrays, type FirstframeParams } from './firstframe.js';
import { reset, type ResetArrays, type ResetParams } from './reset.js';
import { rscd, type RscdArrays, type RscdParams } from './rscd.js';
import { refpixMiri, type RefpixMiriArrays, type RefpixMiriParams } from './refpix-miri.js';
import { emicorr, type EmicorrArrays, type EmicorrParams } from './emicorr.js';
import { chargeMigration, type ChargeMigrationArrays, type ChargeMigrationParams } from './charge-migration.js';
import { persistence, type PersistenceArrays, type PersistenceParams } from './persistence.js';
import { jumpSigmaClip, type JumpSigmaClipArrays, type JumpSigmaClipParams } from './jump.js';
import { showerNoiseBand, type ShowerNoiseArrays } from './jump-large-events.js';
import { decodeInt16, decodeInt16Staged, type DecodeInt16Arrays, type DecodeInt16Params } from './decode-int16.js';
import { showerSearch, type ShowerParams, type ShowerSearchArrays } from './jump-large-events.js';
import { showerClippedNoiseBand, type ShowerClippedNoiseArrays } from './jump-large-events.js';

export interface ArraySpec {
  type: KernelArrayConstructor;
  layout: Layout;
  /** Modified by the kernel: sent back from the worker and written into the caller's array. */
  output: boolean;
  optional?: boolean;
  /** An output the kernel writes whole without reading it: a staged band's slot is not filled first. */
  writeOnly?: boolean;
}

export type TileArrays = Record<string, KernelArray | undefined>;

export interface TileKernel {
  arrays: Record<string, ArraySpec>;
  /** `params`: the kernel's scalars, the same for every band (structured-cloneable). */
  run(arrays: TileArrays, shape: TileShape, params: unknown): void;
  /** The same on bands filled in wasm memory, where bands are cut from larger arrays. */
  staged?: StagedKernel;
}

function defineKernel<A, P = undefined>(
  arrays: { [K in keyof A]-?: ArraySpec },
  run: (arrays: A, shape: TileShape, params: P) => void,
  staged?: { slots: StagedKernel['slots']; run: (stage: Parameters<StagedKernel['run']>[0], shape: TileShape, params: P, core: Parameters<StagedKernel['run']>[3]) => void },
): TileKernel {
  return { arrays: arrays as Record<string, ArraySpec>, run: run as unknown as TileKernel['run'], staged: staged as StagedKernel | undefined };
}

export const tileKernels = {
  dqInit: defineKernel(
    {
      pixeldq: { type: Uint32Array, layout: 'plane', output: true },
      groupdq: { type: Uint8Array, layout: 'cube', output: true },
      mask: { type: Uint32Array, layout: 'plane', output: false },
    },
    dqInit,
    { slots: { u8: ['groupdq'], u32: ['pixeldq', 'mask'] }, run: dqInitStaged },
  ),
  superbias: defineKernel(
    {
      data: { type: Float32Array, layout: 'cube', output: true },
      zeroframe: { type: Float32Array, layout: 'intPlanes', output: true, optional: true },
      pixeldq: { type: Uint32Array, layout: 'plane', output: true },
      bias: { type: Float32Array, layout: 'plane', output: false },
      biasDq: { type: Uint32Array, layout: 'plane', output: false },
    },
    superbias,
    { slots: { f32: ['data', 'zeroframe', 'bias'], u32: ['pixeldq', 'biasDq'] }, run: superbiasStaged },
  ),
  // shape.planes = number of coefficients.
  linearity: defineKernel<LinearityArrays, LinearityParams>(
    {
      data: { type: Float32Array, layout: 'cube', output: true },
      zeroframe: { type: Float32Array, layout: 'intPlanes', output: true, optional: true },
      pixeldq: { type: Uint32Array, layout: 'plane', output: true },
      groupdq: { type: Uint8Array, layout: 'cube', output: false },
      coeffs: { type: Float32Array, layout: 'stack', output: false },
      invCoeffs: { type: Float32Array, layout: 'stack', output: false, optional: true },
      linDq: { type: Uint32Array, layout: 'plane', output: false },
    },
    linearity,
    { slots: { f32: ['data', 'zeroframe', 'coeffs', 'invCoeffs'], u8: ['groupdq'], u32: ['pixeldq', 'linDq'] }, run: linearityStaged },
  ),
  // 2-D convolution: run with `halo: ipcHalo(params)`; shape.planes = ky*kx for a per-pixel kernel.
  ipc: defineKernel<IpcArrays, IpcParams>(
    {
      data: { type: Float32Array, layout: 'cube', output: true },
      science: { type: Uint8Array, layout: 'plane', output: false },
      kernel: { type: Float32Array, layout: 'stack', output: false, optional: true },
    },
    ipc,
    { slots: { f32: ['data', 'kernel'], u8: ['science'] }, run: ipcStaged },
  ),
  // Per-pixel step of refpix; the per-group statistics come in params (refpixStep).
  refpix: defineKernel<RefpixArrays, RefpixParams>(
    {
      data: { type: Float32Array, layout: 'cube', output: true },
      cls: { type: Uint8Array, layout: 'plane', output: false },
      detRow: { type: Uint16Array, layout: 'plane', output: false, optional: true },
    },
    refpix,
    { slots: { f32: ['data'], u8: ['cls'], u16: ['detRow'] }, run: refpixStaged },
  ),
  // Grows flags over 2-D neighbourhoods: run with `halo: saturationHalo(params)`.
  saturation: defineKernel<SaturationArrays, SaturationParams>(
    {
      data: { type: Float32Array, layout: 'cube', output: false },
      groupdq: { type: Uint8Array, layout: 'cube', output: true },
      pixeldq: { type: Uint32Array, layout: 'plane', output: true },
      zeroframe: { type: Float32Array, layout: 'intPlanes', output: true, optional: true },
      thresh: { type: Float32Array, layout: 'plane', output: false },
      satDq: { type: Uint32Array, layout: 'plane', output: false },
      bias: { type: Float32Array, layout: 'plane', output: false, optional: true },
    },
    saturation,
    { slots: { f32: ['data', 'zeroframe', 'thresh', 'bias'], u8: ['groupdq'], u32: ['pixeldq', 'satDq'] }, run: saturationStaged },
  ),
  // Neighbour flagging reaches one row: run with `halo: jumpHalo(params)`.
  jump: defineKernel<JumpArrays, JumpParams>(
    {
      data: { type: Float32Array, layout: 'cube', output: false },
      groupdq: { type: Uint8Array, layout: 'cube', output: true },
      pixeldq: { type: Uint32Array, layout: 'plane', output: true },
      gain: { type: Float32Array, layout: 'plane', output: false },
      readnoise: { type: Float32Array, layout: 'plane', output: false },
      crs: { type: Uint32Array, layout: 'plane', output: true, writeOnly: true },
      showerMedian: { type: Float32Array, layout: 'plane', output: true, optional: true },
      showerSigma: { type: Float32Array, layout: 'plane', output: true, optional: true },
    },
    jump,
    { slots: { f32: ['data', 'gain', 'readnoise', 'showerMedian', 'showerSigma'], u8: ['groupdq'], u32: ['pixeldq', 'crs'] }, run: jumpStaged },
  ),
  // shape.planes = dark planes passed (all dark integrations).
  darkCurrent: defineKernel<DarkCurrentArrays, DarkCurrentParams>(
    {
      data: { type: Float32Array, layout: 'cube', output: true },
      pixeldq: { type: Uint32Array, layout: 'plane', output: true, optional: true },
      frames: { type: Float32Array, layout: 'stack', output: false },
      darkDq: { type: Uint32Array, layout: 'plane', output: false, optional: true },
    },
    darkCurrent,
    { slots: { f32: ['data', 'frames'], u32: ['pixeldq', 'darkDq'] }, run: darkCurrentStaged },
  ),
  groupScale: defineKernel<GroupScaleArrays, GroupScaleParams>({ data: { type: Float32Array, layout: 'cube', output: true } }, groupScale),
  // Rate products as (nints, 1, rows, cols) cubes.
  gainScale: defineKernel<GainScaleArrays, GainScaleParams>(
    {
      data: { type: Float32Array, layout: 'cube', output: true },
      err: { type: Float32Array, layout: 'cube', output: true },
      varPoisson: { type: Float32Array, layout: 'cube', output: true, optional: true },
      varRnoise: { type: Float32Array, layout: 'cube', output: true, optional: true },
    },
    gainScale,
  ),
  // ramp_fit OLS_C. The scalars come as task params (from planRampFit); rate/rateints outputs
  // are allocated by the caller (allocTaskOutputs). The fitopt outputs are created by the kernel
  // at the band's own segment count, so only fitRampsParallel (which merges them as stcal does)
  // may ask for them; runTiled works without saveOpt.
  rampFit: defineKernel<RampFitTaskArrays, RampFitTaskParams>(
    {
      data: { type: Float32Array, layout: 'cube', output: false },
      groupdq: { type: Uint8Array, layout: 'cube', output: false },
      pixeldq: { type: Uint32Array, layout: 'plane', output: false },
      gain: { type: Float32Array, layout: 'plane', output: false },
      readnoise: { type: Float32Array, layout: 'plane', output: false },
      zeroframe: { type: Float32Array, layout: 'intPlanes', output: false, optional: true },
      averageDarkCurrent: { type: Float32Array, layout: 'plane', output: false, optional: true },
      rateSlope: { type: Float32Array, layout: 'plane', output: true },
      rateDq: { type: Uint32Array, layout: 'plane', output: true },
      rateVarPoisson: { type: Float32Array, layout: 'plane', output: true },
      rateVarRnoise: { type: Float32Array, layout: 'plane', output: true },
      rateErr: { type: Float32Array, layout: 'plane', output: true },
      rateintsSlope: { type: Float32Array, layout: 'intPlanes', output: true },
      rateintsDq: { type: Uint32Array, layout: 'intPlanes', output: true },
      rateintsVarPoisson: { type: Float32Array, layout: 'intPlanes', output: true },
      rateintsVarRnoise: { type: Float32Array, layout: 'intPlanes', output: true },
      rateintsErr: { type: Float32Array, layout: 'intPlanes', output: true },
      // Band-sized (nints, maxSeg|maxCr, rows, cols), never passed in: not runTiled-pasteable.
      fitoptSlope: { type: Float32Array, layout: 'cube', output: true, optional: true },
      fitoptSigslope: { type: Float32Array, layout: 'cube', output: true, optional: true },
      fitoptVarPoisson: { type: Float32Array, layout: 'cube', output: true, optional: true },
      fitoptVarRnoise: { type: Float32Array, layout: 'cube', output: true, optional: true },
      fitoptYint: { type: Float32Array, layout: 'cube', output: true, optional: true },
      fitoptSigyint: { type: Float32Array, layout: 'cube', output: true, optional: true },
      fitoptWeights: { type: Float32Array, layout: 'cube', output: true, optional: true },
      fitoptPedestal: { type: Float32Array, layout: 'intPlanes', output: true, optional: true },
      fitoptCrmag: { type: Float32Array, layout: 'cube', output: true, optional: true },
      fitoptCounts: { type: Uint32Array, layout: 'plane', output: true, optional: true },
      // LIKELY: allocated by the caller (allocTaskOutputs(shape, true)), pasted like rate.
      rateChisq: { type: Float32Array, layout: 'plane', output: true, optional: true },
    },
    rampFitTask,
  ),
  lastframe: defineKernel<LastframeArrays>({ groupdq: { type: Uint8Array, layout: 'cube', output: true } }, lastframe),
  firstframe: defineKernel<FirstframeArrays, FirstframeParams>(
    {
      groupdq: { type: Uint8Array, layout: 'cube', output: true },
      pixeldq: { type: Uint32Array, layout: 'plane', output: true },
    },
    firstframe,
  ),
  // shape.planes = reset planes passed (all reset integrations used).
  reset: defineKernel<ResetArrays, ResetParams>(
    {
      data: { type: Float32Array, layout: 'cube', output: true },
      pixeldq: { type: Uint32Array, layout: 'plane', output: true },
      reset: { type: Float32Array, layout: 'stack', output: false },
      resetDq: { type: Uint32Array, layout: 'plane', output: false },
    },
    reset,
  ),
  // The back-off rounds are global (rscdBackoffRounds on the whole ramp first).
  rscd: defineKernel<RscdArrays, RscdParams>(
    {
      groupdq: { type: Uint8Array, layout: 'cube', output: true },
      pixeldq: { type: Uint32Array, layout: 'plane', output: true },
      summary: { type: Uint8Array, layout: 'plane', output: true },
    },
    rscd,
  ),
  // Per-group signals from the reference columns come in params (refpixMiriStep).
  refpixMiri: defineKernel<RefpixMiriArrays, RefpixMiriParams>(
    {
      data: { type: Float32Array, layout: 'cube', output: true },
      cls: { type: Uint8Array, layout: 'plane', output: false },
    },
    refpixMiri,
  ),
  // The fit (emicorrBin, emicorrFit on the whole exposure) comes in params.
  emicorr: defineKernel<EmicorrArrays, EmicorrParams>(
    {
      data: { type: Float32Array, layout: 'cube', output: true },
      row: { type: Uint16Array, layout: 'plane', output: false },
    },
    emicorr,
  ),
  // Flags reach the 4 neighbours: run with `halo: chargeMigrationHalo`.
  chargeMigration: defineKernel<ChargeMigrationArrays, ChargeMigrationParams>(
    {
      data: { type: Float32Array, layout: 'cube', output: false },
      groupdq: { type: Uint8Array, layout: 'cube', output: true },
    },
    chargeMigration,
  ),
  // Per pixel; `window` carries the persistence windows in and out; `data` only with a DN threshold.
  persistence: defineKernel<PersistenceArrays, PersistenceParams>(
    {
      data: { type: Float32Array, layout: 'cube', output: false, optional: true },
      groupdq: { type: Uint8Array, layout: 'cube', output: true },
      window: { type: Float64Array, layout: 'plane', output: true },
    },
    persistence,
  ),
  // Per pixel over every integration: bands of whole-exposure rows, no halo.
  jumpSigmaClip: defineKernel<JumpSigmaClipArrays, JumpSigmaClipParams>(
    {
      data: { type: Float32Array, layout: 'cube', output: false },
      groupdq: { type: Uint8Array, layout: 'cube', output: true },
      gain: { type: Float32Array, layout: 'plane', output: false },
    },
    jumpSigmaClip,
  ),
  jumpShowerNoise: defineKernel<ShowerNoiseArrays, { nframes: number }>(
    {
      data: { type: Float32Array, layout: 'cube', output: false },
      groupdq: { type: Uint8Array, layout: 'cube', output: false },
      gain: { type: Float32Array, layout: 'plane', output: false },
      readnoise: { type: Float32Array, layout: 'plane', output: false },
      median: { type: Float32Array, layout: 'plane', output: true },
      sigma: { type: Float32Array, layout: 'plane', output: true },
    },
    showerNoiseBand,
  ),
  // FITS 16-bit integers to floats (reading an uncal's SCI on the workers).
  decodeInt16: defineKernel<DecodeInt16Arrays, DecodeInt16Params>(
    {
      stored: { type: Uint16Array, layout: 'cube', output: false },
      out: { type: Float32Array, layout: 'cube', output: true, writeOnly: true },
    },
    decodeInt16,
    { slots: { u16: ['stored'], f32: ['out'] }, run: decodeInt16Staged },
  ),
  // Whole integrations a task, never row bands (the search needs whole frames): the jump step
  // sends them with pool.run, not runTiled. shape.planes = noise planes; `showers` = [count].
  jumpShowerSearch: defineKernel<ShowerSearchArrays, ShowerParams>(
    {
      data: { type: Float32Array, layout: 'cube', output: false },
      groupdq: { type: Uint8Array, layout: 'cube', output: true },
      pixeldq: { type: Uint32Array, layout: 'plane', output: false },
      gain: { type: Float32Array, layout: 'plane', output: false },
      median: { type: Float32Array, layout: 'stack', output: false },
      sigma: { type: Float32Array, layout: 'stack', output: false },
      showers: { type: Uint32Array, layout: 'plane', output: true },
    },
    showerSearch,
  ),
  // Per pixel over every integration: bands of whole-exposure rows, no halo; shape.planes = ngroups - 1.
  jumpShowerClippedNoise: defineKernel<ShowerClippedNoiseArrays>(
    {
      data: { type: Float32Array, layout: 'cube', output: false },
      groupdq: { type: Uint8Array, layout: 'cube', output: false },
      gain: { type: Float32Array, layout: 'plane', output: false },
      median: { type: Float32Array, layout: 'stack', output: true },
      sigma: { type: Float32Array, layout: 'stack', output: true },
    },
    showerClippedNoiseBand,
  ),
} satisfies Record<string, TileKernel>;

export type TileKernelName = keyof typeof tileKernels;

export function tileKernel(name: string): TileKernel {
  const kernel = (tileKernels as Record<string, TileKernel>)[name];
  if (!kernel) throw new Error(`unknown tile kernel "${name}"`);
  return kernel;
}

/** Runs one tile task in this thread and returns the kernel's output arrays. */
export function executeTile(name: string, arrays: TileArrays, shape: TileShape, params?: unknown): Record<string, KernelArray> {
  const kernel = tileKernel(name);
  kernel.run(arrays, shape, params);
  const outputs: Record<string, KernelArray> = {};
  for (const [key, spec] of Object.entries(kernel.arrays)) {
    const array = arrays[key];
    if (spec.output && array !== undefined) outputs[key] = array;
  }
  return outputs;
}
