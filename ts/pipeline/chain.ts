/**
 * The chain of a banded run (ts/pipeline/banded.ts): each band of a near-IR full frame is
 * corrected, jump-flagged and fitted by one worker task (ts/pool/chain-band.ts) that reads its
 * rows of the uncal and of every reference from the files itself and keeps the band in wasm
 * memory from the first step to the fit. A band run step by step from this thread costs a
 * kernel call per step, each with its copies of the band into wasm memory and back, and this
 * thread's reads of every reference's rows.
 *
 * `planChain` makes what every band shares from the references and parameters, with the
 * statuses the steps would end with, or says why a step would take a path (or end with a
 * status) the chain does not have; `recordChainSteps` then records and says on the exposure what
 * the steps would.
 */
import type { FileRows, FitsFile } from '../io/fits/index.js';
import type { Meta } from '../datamodels/meta.js';
import type { RampReader } from '../datamodels/fits-models.js';
import { fileRowsOf, scienceGeometry } from '../reffiles/index.js';
import { isShared, releaseShared, sharedCopy, type KernelArray } from '../kernels/arrays.js';
import type { JumpParams } from '../kernels/jump.js';
import type { RampFitTileParams } from '../kernels/ramp-fit.js';
import { ipcKeywords, ipcReferenceBorder } from '../steps/ipc.js';
import { refpixKeywords, type RefpixBands } from '../steps/refpix.js';
import { darkCurrentKeywords, darkReadout, uniformAverageDarkCurrent } from '../steps/dark-current.js';
import { dqInitKeywords } from '../steps/dq-init.js';
import { groupScaleKeywords, groupScaleSkip } from '../steps/group-scale.js';
import { jumpKeywords, logJumpMode, skipForFewGroups, type jumpDetectionMode, type JumpStepOptions } from '../steps/jump.js';
import { linearityKeywords } from '../steps/linearity.js';
import { saturationKeywords } from '../steps/saturation.js';
import { superbiasKeywords } from '../steps/superbias.js';
import { referenceName, skipWithoutReference, type StepContext } from '../steps/step.js';
import type { ChainPlan, ChainStep } from '../pool/chain-band.js';
import { stepOptions, type StepParameters, type StepReferences } from './ramp-steps.js';

export interface ChainInputs {
  reader: RampReader;
  meta: Meta;
  /** The steps before jump, in jwst's order. */
  corrections: readonly string[];
  /** Each step's status as it would end on the exposure (checked here where it could differ). */
  statuses: ReadonlyMap<string, string>;
  stepParameters(alias: string): StepParameters;
  references: ReadonlyMap<string, StepReferences>;
  refpix?: RefpixBands;
  jump?: { gain: FitsFile; readnoise: FitsFile; params: JumpParams };
  fit: { gain: FitsFile; readnoise: FitsFile; params: RampFitTileParams };
  pixeldq: Uint32Array;
}

/** The plan (`release` gives back its shared arrays once every band is done), or why the bands cannot go by the chain. */
export async function planChain(inputs: ChainInputs): Promise<{ plan: ChainPlan; release(): void } | { obstacle: string }> {
  const held: KernelArray[] = [];
  const release = () => held.splice(0).forEach(releaseShared);
  try {
    const planned = await planWith(inputs, <T extends KernelArray>(array: T) => (held.push(array), array));
    if ('obstacle' in planned) release();
    return 'obstacle' in planned ? planned : { plan: planned.plan, release };
  } catch (error) {
    release();
    throw error;
  }
}

async function planWith(inputs: ChainInputs, hold: <T extends KernelArray>(array: T) => T): Promise<{ plan: ChainPlan } | { obstacle: string }> {
  const { reader, meta, statuses, references } = inputs;
  const [nints, ngroups, ny, nx] = reader.shape;
  const uncal = reader.sciFileRows();
  if (!uncal) return { obstacle: 'the uncal is not 16-bit integers in a file, or has GROUPDQ' };
  const refContext = { science: scienceGeometry(meta, reader.shape, 'science data', () => {}), instrument: meta.instrument.name };
  /** Rows of a reference's extension, or why they cannot be read by a worker. */
  const rows = async (file: FitsFile | undefined, extname: string, kind: 'float32' | 'dq'): Promise<FileRows | string> => {
    if (!file) return `no ${extname} reference`;
    return (await fileRowsOf(file, extname, kind, refContext)) ?? `${file.source.name} ${extname} is not stored for the chain`;
  };
  /** Rows of an extension the step reads only when the file has it. */
  const optional = async (file: FitsFile, extname: string): Promise<FileRows | undefined | string> => (file.find(extname) ? rows(file, extname, 'dq') : undefined);
  const steps: ChainStep[] = [];
  let averageDarkCurrent: number | undefined;
  for (const alias of inputs.corrections) {
    // (The plan's statuses are assumed; what would make a step end otherwise is an obstacle.)
    if (alias === 'group_scale' && !groupScaleSkip(meta.exposure)) return { obstacle: 'group_scale rescales the groups' };
    const status = statuses.get(alias);
    // (A dark_current that skips itself has set the average dark current already.)
    if (status === 'SKIPPED' && !(alias === 'dark_current' && references.get(alias)?.get('dark'))) continue;
    if (status !== 'COMPLETE') return { obstacle: `${alias} ended ${status}` };
    const refs = references.get(alias);
    const options = stepOptions(inputs.stepParameters(alias));
    const sources: Record<string, FileRows | undefined | string> = {};
    switch (alias) {
      case 'dq_init': {
        sources.mask = await rows(refs?.get('mask'), 'DQ', 'dq');
        break;
      }
      case 'saturation': {
        const file = refs?.get('saturation');
        const superbias = refs?.get('superbias');
        sources.thresh = await rows(file, 'SCI', 'float32');
        if (file) sources.satDq = await optional(file, 'DQ');
        if (superbias) sources.bias = await rows(superbias, 'SCI', 'float32');
        const params = { nPixGrowSat: (options.nPixGrowSat as number | undefined) ?? 1, useReadpatt: (options.useReadpatt as boolean | undefined) ?? true, nframes: meta.exposure.nframes };
        if (params.useReadpatt && params.nframes === undefined) return { obstacle: 'saturation: use_readpatt without NFRAMES' };
        const found = resolved(sources);
        if (typeof found === 'string') return { obstacle: `saturation: ${found}` };
        steps.push({ step: 'saturation', thresh: found.thresh!, satDq: found.satDq, bias: found.bias, params });
        continue;
      }
      case 'ipc': {
        const file = refs?.get('ipc');
        const hdu = file?.find('SCI');
        if (!file || !hdu || hdu.shape.length !== 2) return { obstacle: 'ipc: not a 2-D kernel' };
        const weights = Array.from((await file.readImage(hdu, { as: 'float32' })).data as Float32Array);
        steps.push({ step: 'ipc', params: { ky: hdu.shape[0], kx: hdu.shape[1], weights }, referenceBorder: ipcReferenceBorder(meta, ny, nx) });
        continue;
      }
      case 'superbias': {
        const file = refs?.get('superbias');
        sources.bias = await rows(file, 'SCI', 'float32');
        if (file) sources.biasDq = await optional(file, 'DQ');
        break;
      }
      case 'refpix': {
        if (!inputs.refpix) return { obstacle: 'refpix: no statistics' };
        const params = inputs.refpix.params;
        const shared = { ...params, wide: hold(sharedCopy(params.wide)), values: hold(sharedCopy(params.values)), kinds: hold(sharedCopy(params.kinds)), side: params.side && hold(sharedCopy(params.side)) };
        steps.push({ step: 'refpix', params: shared, maps: inputs.refpix.maps });
        continue;
      }
      case 'linearity': {
        const file = refs?.get('linearity');
        const nframes = meta.exposure.nframes ?? 1;
        // jwst's read-level path with INV_COEFFS, for frame-averaged groups: not in the chain.
        if (file?.find('INV_COEFFS') && nframes > 1) return { obstacle: 'linearity: read-level correction' };
        const coeffs = file?.find('COEFFS')?.shape;
        if (!coeffs || coeffs.length !== 3 || coeffs[0] < 2) return { obstacle: 'linearity: COEFFS is not (ncoeffs, ny, nx)' };
        sources.coeffs = await rows(file, 'COEFFS', 'float32');
        if (file) sources.linDq = await optional(file, 'DQ');
        const found = resolved(sources);
        if (typeof found === 'string') return { obstacle: `linearity: ${found}` };
        steps.push({ step: 'linearity', coeffs: found.coeffs!, linDq: found.linDq, params: { nframes } });
        continue;
      }
      case 'dark_current': {
        const file = refs?.get('dark');
        if (!file) return { obstacle: 'dark_current: no DARK reference' };
        const readout = darkReadout(meta, reader.shape, file, 0, nints);
        if (readout.exceeds) return { obstacle: "dark_current: the dark's NFRAMES or GROUPGAP exceed the science's" };
        // One dark integration for every integration, its planes as stored: the whole run's
        // plane-by-plane subtraction.
        if (!readout.direct || readout.extra > 0 || readout.used.length !== 1 || readout.used[0] !== 0 || readout.rank !== 3 || readout.source.some((d) => d !== 0)) {
          return { obstacle: 'dark_current: the dark is averaged, extrapolated or per integration' };
        }
        averageDarkCurrent = uniformAverageDarkCurrent(file, stepOptions(inputs.stepParameters(alias)));
        if (averageDarkCurrent === undefined) return { obstacle: 'dark_current: an AVDRKCUR image' };
        const dqShape = file.find('DQ')?.shape;
        if (dqShape && dqShape.length !== 2) return { obstacle: 'dark_current: DQ is not 2-D' };
        sources.frames = await rows(file, 'SCI', 'float32');
        sources.darkDq = await optional(file, 'DQ');
        const found = resolved(sources);
        if (typeof found === 'string') return { obstacle: `dark_current: ${found}` };
        const { planes } = readout;
        if (planes !== ngroups) return { obstacle: 'dark_current: the dark has other planes than groups' };
        const exposure = { nframes: meta.exposure.nframes ?? 1, groupgap: meta.exposure.groupgap ?? 0 };
        steps.push({
          step: 'dark_current',
          frames: found.frames!,
          darkDq: found.darkDq,
          params: { planes, darkInts: 1, virtualPlanes: planes, direct: true, ...exposure, intMap: new Array<number>(nints).fill(0) },
        });
        continue;
      }
      default:
        return { obstacle: `${alias} is not in the chain` };
    }
    const found = resolved(sources);
    if (typeof found === 'string') return { obstacle: `${alias}: ${found}` };
    if (alias === 'dq_init') steps.push({ step: 'dq_init', mask: found.mask! });
    else steps.push({ step: 'superbias', bias: found.bias!, biasDq: found.biasDq });
  }

  const fitRows = resolved({ gain: await rows(inputs.fit.gain, 'SCI', 'float32'), readnoise: await rows(inputs.fit.readnoise, 'SCI', 'float32') });
  if (typeof fitRows === 'string') return { obstacle: `ramp_fit: ${fitRows}` };
  let jump: ChainPlan['jump'];
  if (inputs.jump) {
    if (!((meta.exposure.nframes ?? 0) >= 1) || !((meta.exposure.groupTime ?? 0) > 0)) return { obstacle: 'jump: no NFRAMES or TGROUP' };
    if (inputs.jump.params.mode === 'sigmaClipped') return { obstacle: 'jump: sigma clipping' };
    const jumpRows = resolved({ gain: await rows(inputs.jump.gain, 'SCI', 'float32'), readnoise: await rows(inputs.jump.readnoise, 'SCI', 'float32') });
    if (typeof jumpRows === 'string') return { obstacle: `jump: ${jumpRows}` };
    jump = { gain: jumpRows.gain!, readnoise: jumpRows.readnoise!, params: inputs.jump.params };
  }
  // (Zeros without a PIXELDQ extension: the workers fill their own.)
  const pixeldq = !reader.file.find('PIXELDQ') ? undefined : isShared(inputs.pixeldq) ? inputs.pixeldq : hold(sharedCopy(inputs.pixeldq));
  return {
    plan: {
      shape: { nints, ngroups, rows: ny, cols: nx },
      uncal,
      pixeldq,
      steps,
      jump,
      fit: { gain: fitRows.gain!, readnoise: fitRows.readnoise!, params: inputs.fit.params, averageDarkCurrent },
    },
  };
}

/** Each correction's reference type and keywords, for `recordChainSteps`. */
const RECORDED: Readonly<Record<string, { reftype: string; keywords: { status: string; reference: string } }>> = {
  dq_init: { reftype: 'mask', keywords: dqInitKeywords },
  saturation: { reftype: 'saturation', keywords: saturationKeywords },
  ipc: { reftype: 'ipc', keywords: ipcKeywords },
  superbias: { reftype: 'superbias', keywords: superbiasKeywords },
  linearity: { reftype: 'linearity', keywords: linearityKeywords },
  dark_current: { reftype: 'dark', keywords: darkCurrentKeywords },
};

/**
 * What the steps up to jump record on the exposure and say, when the chain takes every band and
 * none runs step by step: each one's status as the plan took it (`statuses`, which `planChain`
 * has checked), the references it records and its messages, as the steps set and say them
 * (tests/unit/pipeline/banded.test.ts compares the products' keywords with a whole run's).
 */
export function recordChainSteps(
  inputs: Pick<ChainInputs, 'meta' | 'corrections' | 'statuses' | 'references'> & {
    /** The steps before jump in jwst's order; those not among the corrections are skipped by parameter (`markSkipped` records them). */
    order: readonly string[];
    markSkipped(alias: string): void;
    /** jump's references, parameters and mode where it runs; 'few groups' where it skips itself. */
    jump?: { gain: FitsFile; readnoise: FitsFile; options: Partial<JumpStepOptions>; mode: ReturnType<typeof jumpDetectionMode> } | 'few groups';
    context: StepContext;
  },
): void {
  const { meta, statuses, references, context } = inputs;
  for (const alias of inputs.order) {
    if (!inputs.corrections.includes(alias)) {
      inputs.markSkipped(alias);
    } else if (alias === 'group_scale') {
      const skip = groupScaleSkip(meta.exposure)!;
      skip.log(context, skip.message);
      meta.calStep[groupScaleKeywords.status] = 'SKIPPED';
    } else if (alias === 'refpix') {
      meta.calStep[refpixKeywords.status] = 'COMPLETE';
    } else {
      const { reftype, keywords } = RECORDED[alias];
      const refs = references.get(alias);
      // saturation records its superbias (or N/A) first, as jwst looks both up.
      if (alias === 'saturation') meta.refFiles[saturationKeywords.superbias] = refs?.get('superbias') ? referenceName(refs.get('superbias')!) : 'N/A';
      const file = refs?.get(reftype);
      if (statuses.get(alias) === 'SKIPPED') skipWithoutReference(meta, context, alias, reftype, keywords);
      else {
        meta.refFiles[keywords.reference] = referenceName(file!);
        meta.calStep[keywords.status] = 'COMPLETE';
      }
    }
  }
  if (inputs.jump === 'few groups') skipForFewGroups(meta, context);
  else if (inputs.jump) {
    logJumpMode(context, inputs.jump.options, inputs.jump.mode);
    meta.refFiles[jumpKeywords.gain] = referenceName(inputs.jump.gain);
    meta.refFiles[jumpKeywords.readnoise] = referenceName(inputs.jump.readnoise);
    meta.calStep[jumpKeywords.status] = 'COMPLETE';
  }
}

/** The sources, or the first reason one of them cannot be read by a worker. */
function resolved(sources: Record<string, FileRows | undefined | string>): Record<string, FileRows | undefined> | string {
  for (const source of Object.values(sources)) if (typeof source === 'string') return source;
  return sources as Record<string, FileRows | undefined>;
}

