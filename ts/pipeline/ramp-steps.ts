/**
 * The ramp-to-ramp steps of Detector1 as the pipeline drives them (spec/pipeline.md §1-2): each
 * step's alias, `S_*` keyword, reference types, class default `skip`, and an adapter from jwst's
 * snake_case parameters to our step function. The steps themselves live in ts/steps/.
 */
import type { FitsFile } from '../io/fits/index.js';
import type { RampModel } from '../datamodels/models.js';
import { darkCurrentStep } from '../steps/dark-current.js';
import { dqInitStep } from '../steps/dq-init.js';
import { groupScaleStep } from '../steps/group-scale.js';
import { ipcStep } from '../steps/ipc.js';
import { jumpStep } from '../steps/jump.js';
import { linearityStep } from '../steps/linearity.js';
import { refpixStep } from '../steps/refpix.js';
import { saturationStep } from '../steps/saturation.js';
import { superbiasStep } from '../steps/superbias.js';
import { emicorrStep, type EmicorrReference } from '../steps/emicorr.js';
import { firstframeStep } from '../steps/firstframe.js';
import { lastframeStep } from '../steps/lastframe.js';
import { resetStep } from '../steps/reset.js';
import { rscdStep, type RscdPixelCounts } from '../steps/rscd.js';
import { chargeMigrationStep } from '../steps/charge-migration.js';
import { persistenceStep, type PersistenceState } from '../steps/persistence.js';
import { cleanFlickerNoiseStep } from '../steps/clean-flicker-noise.js';
import { tsoPhotometryOptions } from '../steps/clean-flicker-noise-tso.js';
import type { ParameterValue } from './parameters.js';
import type { CalledStepClass } from './step-specs.js';
import { pictureFrameStep } from '../steps/picture-frame.js';
import type { PersistenceArrayEntry } from '../datamodels/persistence-array.js';
import type { StepContext, StepStatus } from '../steps/step.js';

/** Parameters of one step as jwst names them (`rejection_threshold`), values already typed. */
export type StepParameters = Readonly<Record<string, unknown>>;

/** What a ramp step hands back to the pipeline. */
export interface RampStepOutcome {
  status: StepStatus;
}

/** The references a step receives: FITS files, or the raw bytes of ASDF ones (emicorr). */
export interface StepReferences {
  get(reftype: string): FitsFile | undefined;
  raw(reftype: string): EmicorrReference | undefined;
  /** Selects and opens a reference only when the step's parameters need it (jwst's conditional `get_reference_file`, e.g. clean_flicker_noise's FLAT). */
  load?(reftype: string): Promise<FitsFile | undefined>;
  /** CRDS parameters of a step this step calls itself (e.g. TSOPhotometryStep), undefined for none. */
  calledStepParameters?(className: CalledStepClass): Promise<Record<string, ParameterValue> | undefined>;
}

/**
 * What a step carries from one slice of integrations to the next (e.g. persistence windows),
 * by step alias; empty for a run on the whole exposure.
 */
export type StepCarry = Map<string, unknown>;

export interface RampStepDefinition {
  alias: string;
  /** jwst class name (for messages and parameter files). */
  className: string;
  /** Suffix of the `S_*` keyword; undefined when jwst records a parameter skip only in the ASDF tree. */
  statusKeyword: string;
  /** Whether a parameter skip reaches the FITS `S_*` keyword (jwst: only when alias = schema name). */
  skipReachesFits: boolean;
  /** Reference types the step reads. */
  reftypes: readonly string[];
  /** Of those, the ones that are not FITS files (read as bytes). */
  rawReftypes?: readonly string[];
  /** The step needs every integration at once (no slices). */
  wholeExposure?: boolean;
  /** jwst class default of `skip`. */
  skipByDefault: boolean;
  run(ramp: RampModel, references: StepReferences, parameters: StepParameters, context: StepContext, carry: StepCarry): Promise<RampStepOutcome>;
}

/** Carry key of the decoded `persistence_array_file`. */
export const PERSISTENCE_ARRAY = 'persistence.array';

/** Common stpipe parameters: never passed to a step function. */
const COMMON = new Set([
  'pre_hooks', 'post_hooks', 'output_file', 'output_dir', 'output_ext', 'output_use_model', 'output_use_index',
  'save_results', 'skip', 'suffix', 'search_output_file', 'input_dir', 'config_file', 'name', 'class',
]);

/** `flag_4_neighbors` -> `flag4Neighbors`: our step options are jwst's names in camelCase. */
export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The step-specific parameters (no common ones, no overrides) in camelCase, undefined values dropped. */
export function stepOptions(parameters: StepParameters): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(parameters)) {
    if (COMMON.has(name) || name.startsWith('override_') || value === undefined || value === null) continue;
    options[camelCase(name)] = value;
  }
  return options;
}

const truthy = (value: unknown) => value === true || (typeof value === 'string' && value.toLowerCase() === 'true');

const status = (run: () => Promise<StepStatus>) => async (): Promise<RampStepOutcome> => ({ status: await run() });

function step(
  alias: string,
  className: string,
  statusKeyword: string,
  reftypes: readonly string[],
  run: RampStepDefinition['run'],
  skipByDefault = false,
  extra: Pick<RampStepDefinition, 'rawReftypes' | 'wholeExposure'> = {},
): RampStepDefinition {
  return { alias, className, statusKeyword, skipReachesFits: alias !== 'dark_current', reftypes, skipByDefault, run, ...extra };
}

export const RAMP_STEPS: Readonly<Record<string, RampStepDefinition>> = Object.fromEntries(
  [
    step('group_scale', 'GroupScaleStep', 'GRPSCL', [], (ramp, _refs, _p, context) => status(() => groupScaleStep(ramp, context))()),
    step('dq_init', 'DQInitStep', 'DQINIT', ['mask'], (ramp, refs, _p, context) => status(() => dqInitStep(ramp, refs.get('mask'), context))()),
    // jwst fits the EMI waveform over every integration at once.
    step('emicorr', 'EmiCorrStep', 'MIREMI', ['emicorr'], (ramp, refs, p, context) =>
      status(() => emicorrStep(ramp, refs.raw('emicorr'), context, stepOptions(p)))(), true, { rawReftypes: ['emicorr'], wholeExposure: true }),
    step('saturation', 'SaturationStep', 'SATURA', ['saturation', 'superbias'], (ramp, refs, p, context) =>
      status(() => saturationStep(ramp, refs.get('saturation'), context, { ...stepOptions(p), superbias: refs.get('superbias') }))(),
    ),
    step('ipc', 'IPCStep', 'IPC', ['ipc'], (ramp, refs, _p, context) => status(() => ipcStep(ramp, refs.get('ipc'), context))()),
    step('superbias', 'SuperBiasStep', 'SUPERB', ['superbias'], (ramp, refs, _p, context) =>
      status(() => superbiasStep(ramp, refs.get('superbias'), context))(),
    ),
    // The REFPIX reference only serves NIRSpec IRS2, and jwst asks for it only then.
    step('refpix', 'RefPixStep', 'REFPIX', [], (ramp, refs, p, context) =>
      status(() => refpixStep(ramp, stepOptions(p), context, refs.load ? () => refs.load!('refpix') : refs.get('refpix')))(),
    ),
    step('firstframe', 'FirstFrameStep', 'FRSTFR', [], (ramp, _refs, p, context) => status(() => firstframeStep(ramp, context, stepOptions(p)))(), true),
    step('lastframe', 'LastFrameStep', 'LASTFR', [], (ramp, _refs, _p, context) => status(() => lastframeStep(ramp, context))()),
    step('reset', 'ResetStep', 'RESET', ['reset'], (ramp, refs, _p, context) => status(() => resetStep(ramp, refs.get('reset'), context))()),
    step('linearity', 'LinearityStep', 'LINEAR', ['linearity'], (ramp, refs, _p, context) =>
      status(() => linearityStep(ramp, refs.get('linearity'), context))(),
    ),
    // The pixel counts of the INT*UGP1/INT*BORS keywords span slices (carry 'rscd').
    step('rscd', 'RscdStep', 'RSCD', ['rscd'], (ramp, refs, _p, context, carry) => {
      if (!carry.has('rscd')) carry.set('rscd', new Map());
      return status(() => rscdStep(ramp, refs.get('rscd'), context, carry.get('rscd') as RscdPixelCounts))();
    }),
    step('dark_current', 'DarkCurrentStep', 'DARK', ['dark'], (ramp, refs, p, context) =>
      status(() => darkCurrentStep(ramp, refs.get('dark'), context, stepOptions(p)))(),
    ),
    step('charge_migration', 'ChargeMigrationStep', 'CHGMIG', [], (ramp, _refs, p, context) =>
      status(() => chargeMigrationStep(ramp, context, stepOptions(p)))(), true),
    step('jump', 'JumpStep', 'JUMP', ['gain', 'readnoise'], async (ramp, refs, p, context) => {
      const gain = refs.get('gain');
      const readnoise = refs.get('readnoise');
      return { status: (await jumpStep(ramp, gain && readnoise ? { gain, readnoise } : undefined, context, stepOptions(p))).status };
    }),
    // Both fit a draft rate over every integration (ramp_fit's GAIN and READNOISE).
    step('picture_frame', 'PictureFrameStep', 'PCTFRM', ['pictureframe', 'gain', 'readnoise'], async (ramp, refs, p, context) => {
      const references = { pictureframe: refs.get('pictureframe'), gain: refs.get('gain'), readnoise: refs.get('readnoise') };
      return { status: (await pictureFrameStep(ramp, references, context, stepOptions(p))).status };
    }, true, { wholeExposure: true }),
    // jwst asks CRDS for the FLAT only with apply_flat_field, mask_science_regions or
    // median_image (MIRI imaging: its draft flat_field's DQ) or autoparam (NIRCam/NIRISS
    // imaging: the quick clean it decides from is flat-fielded).
    step('clean_flicker_noise', 'CleanFlickerNoiseStep', 'CLNFNS', ['gain', 'readnoise'], async (ramp, refs, p, context) => {
      const expType = ramp.meta.exposure.type?.toUpperCase();
      const miriDraftFlat = expType === 'MIR_IMAGE' && (truthy(p.mask_science_regions) || String(p.background_method).toLowerCase() === 'median_image');
      const needsFlat = truthy(p.apply_flat_field) || miriDraftFlat || (truthy(p.autoparam) && (expType === 'NRC_IMAGE' || expType === 'NIS_IMAGE'));
      const flat = needsFlat ? await (refs.load?.('flat') ?? refs.get('flat')) : undefined;
      const references = { flat, gain: refs.get('gain'), readnoise: refs.get('readnoise') };
      // stepOptions drops nulls: background_method None must still reach the step.
      const options = { ...stepOptions(p), ...(p.background_method === null ? { backgroundMethod: null } : {}) };
      // A TSO imaging median image calls TSOPhotometryStep, which takes CRDS parameters.
      const tsoImaging = expType === 'NRC_TSIMAGE' || (expType === 'MIR_IMAGE' && ramp.meta.visit.tsovisit === true);
      if (tsoImaging && String(p.background_method).toLowerCase() === 'median_image') {
        Object.assign(options, { tsoPhotometry: tsoPhotometryOptions(await refs.calledStepParameters?.('TSOPhotometryStep')) });
      }
      return { status: (await cleanFlickerNoiseStep(ramp, references, context, options)).status };
    }, true, { wholeExposure: true }),
    // The open windows go from one slice to the next (carry 'persistence'); the pipeline reads
    // `persistence_array_file` into carry 'persistence.array' and writes `save_persistence`.
    step('persistence', 'PersistenceStep', 'PERSIS', [], async (ramp, _refs, p, context, carry) => {
      const persistenceArray = carry.get(PERSISTENCE_ARRAY) as Record<string, PersistenceArrayEntry> | undefined;
      const result = await persistenceStep(ramp, context, { ...stepOptions(p), persistenceArray }, carry.get('persistence') as PersistenceState | undefined);
      if (result.state) carry.set('persistence', result.state);
      return { status: result.status };
    }, true),
  ].map((definition) => [definition.alias, definition]),
);

/** jwst Detector1Pipeline's order for near-IR detectors, up to dark_current (spec/pipeline.md §1). */
export const NEAR_IR_ORDER = ['group_scale', 'dq_init', 'saturation', 'ipc', 'superbias', 'refpix', 'linearity', 'dark_current'] as const;
/** jwst Detector1Pipeline's order for MIRI, up to refpix. */
export const MIRI_ORDER = [
  'group_scale', 'dq_init', 'emicorr', 'saturation', 'ipc', 'firstframe', 'lastframe', 'reset', 'linearity', 'rscd', 'dark_current', 'refpix',
] as const;
/** Both branches then run these before ramp fitting. */
export const COMMON_TAIL = ['charge_migration', 'jump', 'picture_frame', 'clean_flicker_noise', 'persistence'] as const;

/** The ramp steps of an instrument in jwst's order. */
export function rampStepOrder(instrument: string | undefined): readonly string[] {
  const branch = instrument?.trim().toUpperCase() === 'MIRI' ? MIRI_ORDER : NEAR_IR_ORDER;
  return [...branch, ...COMMON_TAIL];
}

/** Steps after ramp fitting, with their `S_*` keywords and references. */
export const RAMP_FIT = { alias: 'ramp_fit', className: 'RampFitStep', statusKeyword: 'RAMP', reftypes: ['readnoise', 'gain'] } as const;
export const GAIN_SCALE = { alias: 'gain_scale', className: 'GainScaleStep', statusKeyword: 'GANSCL', reftypes: ['gain'] } as const;

/** Every step alias of Detector1, in no particular order. */
export const ALL_STEP_ALIASES: readonly string[] = [...Object.keys(RAMP_STEPS), RAMP_FIT.alias, GAIN_SCALE.alias];

/** The definition of a step by alias (a ramp step, ramp_fit or gain_scale); undefined for no step. */
export function stepDefinition(alias: string) {
  return RAMP_STEPS[alias] ?? (alias === RAMP_FIT.alias ? RAMP_FIT : alias === GAIN_SCALE.alias ? GAIN_SCALE : undefined);
}

/** The references a run may read: every reftype of the steps it will not skip. */
export function reftypesFor(aliases: readonly string[]): string[] {
  const types = new Set<string>();
  for (const alias of aliases) for (const type of stepDefinition(alias)?.reftypes ?? []) types.add(type);
  return [...types];
}

export type { FitsFile };
