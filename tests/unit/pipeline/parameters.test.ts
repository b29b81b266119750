import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { openCrdsCache } from '../../../ts/crds/node.js';
import {
  configObjValue,
  crdsCalledStepParameters,
  crdsParameterSources,
  parseCommandLine,
  parseParameterFile,
  resolveDetector1Parameters,
  ParameterError,
  type ConfigTree,
} from '../../../ts/pipeline/parameters.js';
import { STEP_ALIASES, STEP_SPECS } from '../../../ts/pipeline/step-specs.js';
import { tsoPhotometryOptions } from '../../../ts/steps/clean-flicker-noise-tso.js';

/** Shaped like the pars-detector1pipeline references in CRDS (ASDF, with meta and history). */
const CRDS_PIPELINE_PARS = `#ASDF 1.0.0
#ASDF_STANDARD 1.5.0
%YAML 1.1
%TAG ! tag:stsci.edu:asdf/
--- !core/asdf-1.1.0
asdf_library: !core/software-1.0.0 {author: The ASDF Developers, homepage: 'http://github.com/asdf-format/asdf',
  name: asdf, version: 2.14.3}
history:
  extensions:
  - !core/extension_metadata-1.0.0
    extension_class: asdf.extension.BuiltinExtension
    software: !core/software-1.0.0 {name: asdf, version: 2.14.3}
class: jwst.pipeline.calwebb_detector1.Detector1Pipeline
meta:
  author: <SPECIFY>
  date: '2023-03-29T12:00:00'
  description: Parameters for calibration step jwst.pipeline.calwebb_detector1.Detector1Pipeline
  instrument: {name: NIRCAM}
  origin: STSCI
  pedigree: GROUND
  reftype: pars-detector1pipeline
  telescope: JWST
  useafter: '2022-01-01T00:00:00'
name: Detector1Pipeline
parameters:
  input_dir: ''
  output_dir: null
  save_calibrated_ramp: false
  skip: false
steps:
- class: jwst.ipc.ipc_step.IPCStep
  name: ipc
  parameters: {skip: true}
- class: jwst.persistence.persistence_step.PersistenceStep
  name: persistence
  parameters:
    skip: true
- class: jwst.jump.jump_step.JumpStep
  name: jump
  parameters:
    rejection_threshold: 5.0
    maximum_cores: half
...
`;

const CRDS_JUMP_PARS = `#ASDF 1.0.0
#ASDF_STANDARD 1.5.0
%YAML 1.1
%TAG ! tag:stsci.edu:asdf/
--- !core/asdf-1.1.0
class: jwst.jump.jump_step.JumpStep
meta: {author: x, date: '2023-01-01T00:00:00', description: d, instrument: {name: NIRCAM}, origin: STSCI, pedigree: GROUND,
  reftype: pars-jumpstep, telescope: JWST, useafter: '2022-01-01T00:00:00'}
name: jump
parameters:
  rejection_threshold: 8.0
  flag_4_neighbors: false
  expand_large_events: yes
  sat_expand: 3
...
`;

const resolve = (sources: Parameters<typeof resolveDetector1Parameters>[0]) => resolveDetector1Parameters(sources);
const cli = (...args: string[]) => parseCommandLine(args).config;

describe('defaults', () => {
  it('gives every step and the pipeline their spec defaults, plus one override per reference type', () => {
    const p = resolve({});
    expect(Object.keys(p.steps)).toEqual(STEP_ALIASES);
    expect(p.pipeline.save_calibrated_ramp).toBe(false);
    expect(p.pipeline.output_ext).toBe('.fits');
    expect(p.pipeline.pre_hooks).toEqual([]);
    expect(p.steps.jump.rejection_threshold).toBe(4);
    expect(p.steps.jump.maximum_cores).toBe('1');
    expect(p.steps.jump.override_gain).toBeNull();
    expect(p.steps.jump.override_readnoise).toBeNull();
    expect(p.steps.ramp_fit.algorithm).toBe('OLS_C');
    expect(p.steps.ramp_fit.firstgroup).toBeNull();
    expect(p.steps.ramp_fit.int_name).toBe('');
    expect(p.steps.saturation.override_superbias).toBeNull();
    // the class defaults that skip
    for (const alias of ['emicorr', 'firstframe', 'persistence', 'charge_migration', 'picture_frame', 'clean_flicker_noise'] as const) {
      expect(p.steps[alias].skip, alias).toBe(true);
    }
    expect(p.steps.ipc.skip).toBe(false);
    expect(p.steps.clean_flicker_noise.background_box_size).toBeNull();
    expect(p.steps.charge_migration.signal_threshold).toBe(25000);
  });
});

describe('parameter files', () => {
  it('reads a CRDS pars-detector1pipeline ASDF file (class, name, parameters, steps list)', () => {
    const tree = parseParameterFile(CRDS_PIPELINE_PARS, 'jwst_nircam_pars-detector1pipeline_0001.asdf');
    expect(tree.class).toBe('jwst.pipeline.calwebb_detector1.Detector1Pipeline');
    expect(tree.save_calibrated_ramp).toBe(false);
    expect((tree.steps as ConfigTree).ipc).toEqual({ skip: true, class: 'jwst.ipc.ipc_step.IPCStep', name: 'ipc' });
    expect(tree.meta).toBeUndefined();
  });

  it('reads the legacy step_config-0.1.0 layout, .cfg files and plain YAML/JSON', () => {
    const legacy = parseParameterFile(
      `#ASDF 1.0.0\n%YAML 1.1\n---\nparameters:\n  class: jwst.pipeline.Detector1Pipeline\n  name: calwebb_detector1\n  save_calibrated_ramp: true\n  steps:\n    jump: {rejection_threshold: 7.5}\n...\n`,
      'legacy.asdf',
    );
    expect(legacy).toEqual({ class: 'jwst.pipeline.Detector1Pipeline', name: 'calwebb_detector1', save_calibrated_ramp: true, steps: { jump: { rejection_threshold: 7.5 } } });
    const cfg = parseParameterFile(
      "name = calwebb_detector1\nclass = jwst.pipeline.Detector1Pipeline\nsave_calibrated_ramp = True  # keep the ramp\n\n[steps]\n  [[jump]]\n    rejection_threshold = 6\n    maximum_cores = 'half'\n  [[emicorr]]\n    onthefly_corr_freq = 218.3, 164.9\n",
      'calwebb_detector1.cfg',
    );
    expect(cfg.save_calibrated_ramp).toBe('True');
    expect(cfg.steps).toEqual({ jump: { rejection_threshold: '6', maximum_cores: 'half' }, emicorr: { onthefly_corr_freq: ['218.3', '164.9'] } });
    const json = parseParameterFile('{"save_calibrated_ramp": true, "steps": {"ramp_fit": {"save_opt": true}}}', 'params.json');
    expect(resolve({ userFile: json }).steps.ramp_fit.save_opt).toBe(true);
    const p = resolve({ userFile: cfg });
    expect(p.pipeline.save_calibrated_ramp).toBe(true);
    expect(p.steps.jump.rejection_threshold).toBe(6);
    expect(p.steps.emicorr.onthefly_corr_freq).toEqual([218.3, 164.9]);
  });

  it('requires name in step_config files, as stpipe does', () => {
    expect(() => parseParameterFile('class: jwst.jump.jump_step.JumpStep\nparameters: {}\n', 'x.asdf')).toThrow(/no 'name'/);
  });
});

describe('precedence: defaults < CRDS pars-<step> < CRDS pars-detector1pipeline < user file < command line', () => {
  const crdsSteps = { jump: parseParameterFile(CRDS_JUMP_PARS, 'jwst_nircam_pars-jumpstep_0001.asdf') };
  const crdsPipeline = parseParameterFile(CRDS_PIPELINE_PARS, 'pars-detector1pipeline.asdf');

  it('merges each level over the one below, parameter by parameter', () => {
    const onlyStep = resolve({ crdsSteps });
    expect(onlyStep.steps.jump.rejection_threshold).toBe(8);
    expect(onlyStep.steps.jump.flag_4_neighbors).toBe(false);
    expect(onlyStep.steps.jump.expand_large_events).toBe(true); // YAML 1.1: yes is a boolean
    expect(onlyStep.steps.jump.sat_expand).toBe(3);

    const withPipeline = resolve({ crdsSteps, crdsPipeline });
    expect(withPipeline.steps.jump.rejection_threshold).toBe(5); // the pipeline's steps entries win
    expect(withPipeline.steps.jump.maximum_cores).toBe('half');
    expect(withPipeline.steps.jump.flag_4_neighbors).toBe(false); // untouched by the pipeline file
    expect(withPipeline.steps.ipc.skip).toBe(true);

    const userFile = parseParameterFile('class: jwst.pipeline.calwebb_detector1.Detector1Pipeline\nname: calwebb_detector1\nparameters: {save_calibrated_ramp: true}\nsteps:\n- class: jwst.jump.jump_step.JumpStep\n  name: jump\n  parameters: {rejection_threshold: 6.0}\n', 'mine.asdf');
    const withUser = resolve({ crdsSteps, crdsPipeline, userFile });
    expect(withUser.steps.jump.rejection_threshold).toBe(6);
    expect(withUser.pipeline.save_calibrated_ramp).toBe(true);

    const all = resolve({ crdsSteps, crdsPipeline, userFile, commandLine: cli('--steps.jump.rejection_threshold=7', '--save_calibrated_ramp', 'no') });
    expect(all.steps.jump.rejection_threshold).toBe(7);
    expect(all.pipeline.save_calibrated_ramp).toBe(false);
    expect(all.steps.jump.flag_4_neighbors).toBe(false);
  });

  it('reads steps.<step>.config_file below the values written beside it', () => {
    const user: ConfigTree = { steps: { jump: { config_file: 'jump.asdf', sat_expand: 5 } } };
    const loaded: string[] = [];
    const p = resolve({
      userFile: user,
      loadStepConfigFile: (path) => {
        loaded.push(path);
        return parseParameterFile(CRDS_JUMP_PARS, path);
      },
    });
    expect(loaded).toEqual(['jump.asdf']);
    expect(p.steps.jump.rejection_threshold).toBe(8);
    expect(p.steps.jump.sat_expand).toBe(5);
    expect(() => resolve({ userFile: { steps: { jump: { config_file: 'jump.asdf' } } } })).toThrow(/no loader/);
  });

  it('refuses a parameter file made for another class', () => {
    expect(() => resolve({ userFile: crdsSteps.jump })).toThrow(/is for jwst.jump.jump_step.JumpStep, not/);
    expect(() => resolve({ crdsSteps: { ipc: crdsSteps.jump } })).toThrow(/pars-ipcstep is for jwst.jump.jump_step.JumpStep/);
  });
});

describe('value parsing (configobj rules)', () => {
  const step = (args: string[]) => resolve({ commandLine: cli(...args) }).steps;

  it('accepts every boolean spelling, any case', () => {
    for (const [text, value] of [
      ['true', true],
      ['Yes', true],
      ['ON', true],
      ['1', true],
      ['FALSE', false],
      ['no', false],
      ['Off', false],
      ['0', false],
    ] as const) {
      expect(step([`--steps.ramp_fit.save_opt=${text}`]).ramp_fit.save_opt, text).toBe(value);
    }
    expect(() => step(['--steps.ramp_fit.save_opt=maybe'])).toThrow(/step ramp_fit: parameter 'save_opt' = "maybe" is invalid: expected a boolean/);
  });

  it('converts integers, floats, options and lists, and enforces min=', () => {
    const s = step([
      '--steps.ramp_fit.firstgroup=+2',
      '--steps.jump.rejection_threshold',
      '1e1',
      '--steps.jump.maximum_cores=all',
      '--steps.ramp_fit.algorithm=LIKELY',
      '--steps.emicorr.onthefly_corr_freq=218.3, 164.9,',
      '--steps.clean_flicker_noise.background_box_size=32,32',
      '--steps.dark_current.override_dark=my_dark.fits',
      '--steps.dq_init.override_mask=N/A',
    ]);
    expect(s.ramp_fit.firstgroup).toBe(2);
    expect(s.jump.rejection_threshold).toBe(10);
    expect(s.jump.maximum_cores).toBe('all');
    expect(s.ramp_fit.algorithm).toBe('LIKELY');
    expect(s.emicorr.onthefly_corr_freq).toEqual([218.3, 164.9]);
    expect(s.clean_flicker_noise.background_box_size).toEqual([32, 32]);
    expect(s.dark_current.override_dark).toBe('my_dark.fits');
    expect(s.dq_init.override_mask).toBe('N/A');
    expect(() => step(['--steps.ramp_fit.firstgroup=2.0'])).toThrow(/parameter 'firstgroup' = "2.0" is invalid: expected an integer/);
    expect(() => step(['--steps.jump.rejection_threshold=-1'])).toThrow(/'rejection_threshold' = "-1" is invalid \(too small\): expected a number >= 0/);
    expect(() => step(['--steps.ramp_fit.algorithm=OLS'])).toThrow(/expected one of 'OLS_C', 'LIKELY'/);
    expect(() => step(['--steps.clean_flicker_noise.background_box_size=32'])).toThrow(/expected a comma-separated list of integers of 2 items/);
    expect(() => step(['--steps.clean_flicker_noise.background_box_size=32,32,32'])).toThrow(/too long/);
    expect(() => step(['--steps.jump.maximum_cores=1,2'])).toThrow(/expected a string/);
  });

  it('applies the same rules to typed YAML values: no float for an integer, no number for a string; null is None', () => {
    const yaml = (body: string) => resolve({ userFile: parseParameterFile(body, 'p.yaml') }).steps;
    expect(yaml('steps:\n  ramp_fit: {firstgroup: 3}\n').ramp_fit.firstgroup).toBe(3);
    expect(() => yaml('steps:\n  ramp_fit: {firstgroup: 3.0}\n')).toThrow(/parameter 'firstgroup' = 3.0 is invalid: expected an integer/);
    expect(() => yaml('steps:\n  jump: {maximum_cores: 4}\n')).toThrow(/parameter 'maximum_cores' = 4 is invalid: expected a string/);
    expect(yaml('steps:\n  jump: {rejection_threshold: 5}\n').jump.rejection_threshold).toBe(5);
    expect(yaml('steps:\n  jump: {maximum_cores: null}\n').jump.maximum_cores).toBeNull();
    expect(yaml('steps:\n  emicorr: {onthefly_corr_freq: [218.3, 164]}\n').emicorr.onthefly_corr_freq).toEqual([218.3, 164]);
  });

  it('reads ConfigObj values: quotes, comma lists, comments', () => {
    expect(configObjValue(' a ')).toBe('a');
    expect(configObjValue('"a, b"')).toBe('a, b');
    expect(configObjValue('a, b')).toEqual(['a', 'b']);
    expect(configObjValue('a,')).toEqual(['a']);
    expect(configObjValue(',')).toEqual([]);
    expect(configObjValue('x # note')).toBe('x');
    expect(configObjValue('')).toBe('');
  });
});

describe('errors name the step, the parameter, the value and the valid choices', () => {
  it('unknown step or parameter in a file', () => {
    expect(() => resolve({ userFile: { steps: { jumpp: { rejection_threshold: 5 } } } })).toThrow(/unknown step 'jumpp'; Detector1 steps: group_scale, dq_init, emicorr/);
    try {
      resolve({ userFile: { steps: { jump: { rejection: 5 } } } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ParameterError);
      const e = error as ParameterError;
      expect([e.step, e.parameter]).toEqual(['jump', 'rejection']);
      expect(e.message).toMatch(/unknown parameter 'rejection' for step jump; valid parameters: .*rejection_threshold/);
    }
    expect(() => resolve({ userFile: { save_calibrated: true } })).toThrow(/unknown parameter 'save_calibrated' for the pipeline; valid parameters: .*save_calibrated_ramp/);
  });

  it('unknown command-line names', () => {
    expect(() => cli('--steps.jump.rejection=5')).toThrow(/unknown parameter 'rejection' for step jump; valid parameters:/);
    expect(() => cli('--steps.jmp.skip=true')).toThrow(/unknown step 'jmp'/);
    expect(() => cli('--rejection_threshold=5')).toThrow(/unknown option --rejection_threshold; pipeline parameters: .*save_calibrated_ramp/);
    expect(() => cli('--steps.jump.skip')).toThrow(/needs a value/);
    expect(() => cli('--steps.toString.skip=true')).toThrow(/unknown step 'toString'/);
    expect(() => cli('--constructor=1')).toThrow(/unknown option --constructor/);
  });

  it('splits strun options and inputs from parameters', () => {
    const parsed = parseCommandLine(['jw_uncal.fits', '--disable-crds-steppars', '--steps.ipc.skip=false', '-v', '--save-parameters', 'out.asdf', '--output_dir=out']);
    expect(parsed.positional).toEqual(['jw_uncal.fits']);
    expect(parsed.options).toMatchObject({ disableCrdsSteppars: true, verbose: true, saveParameters: 'out.asdf' });
    expect(parsed.config).toEqual({ steps: { ipc: { skip: 'false' } }, output_dir: 'out' });
  });

  it('knows every step alias of Detector1Pipeline', () => {
    expect(STEP_ALIASES).toHaveLength(20);
    expect(STEP_SPECS.gain_scale.reftypes).toEqual(['gain']);
  });
});

describe('types', () => {
  it('types every resolved parameter from its spec (checked by tsc -p tsconfig.check.json)', () => {
    const p = resolve({});
    expectTypeOf(p.steps.jump.rejection_threshold).toEqualTypeOf<number>();
    expectTypeOf(p.steps.ramp_fit.firstgroup).toEqualTypeOf<number | null>();
    expectTypeOf(p.steps.jump.override_readnoise).toEqualTypeOf<string | null>();
    expectTypeOf(p.steps.emicorr.onthefly_corr_freq).toEqualTypeOf<number[] | null>();
    expectTypeOf(p.pipeline.save_calibrated_ramp).toEqualTypeOf<boolean>();
    expectTypeOf(p.steps.jump).not.toHaveProperty('override_mask');
    expect(typeof p.steps.jump.rejection_threshold).toBe('number');
  });
});

describe('CRDS parameter references', () => {
  const HAND_CACHE = join(dirname(fileURLToPath(import.meta.url)), '..', 'crds', 'hand-cache');
  const exposure = (changes: Record<string, string | number | boolean> = {}) => ({
    INSTRUME: 'NIRCAM',
    DETECTOR: 'NRCA1',
    EXP_TYPE: 'NRC_IMAGE',
    SUBARRAY: 'FULL',
    'DATE-OBS': '2022-08-01',
    'TIME-OBS': '10:00:00',
    TSOVISIT: false,
    ...changes,
  });
  const readText = (path: string) => readFile(path, 'utf8');

  it('selects pars-<step> and pars-detector1pipeline on the exposure and merges them by precedence', async () => {
    const cache = await openCrdsCache(HAND_CACHE, { env: {} });
    const sources = await crdsParameterSources(cache, exposure(), { readText });
    expect(Object.keys(sources.crdsSteps)).toEqual(['jump']);
    expect(sources.selections.map((s) => `${s.reftype}:${s.status}`)).toContain('pars-rampfitstep:N/A');
    const p = resolveDetector1Parameters(sources);
    expect(p.steps.jump.rejection_threshold).toBe(5); // the pipeline file's jump entry wins over pars-jumpstep
    expect(p.steps.jump.flag_4_neighbors).toBe(false); // pars-jumpstep only
    expect(p.steps.jump.maximum_cores).toBe('half');
    expect(p.steps.persistence.persistence_time).toBe(1000);
    expect(p.steps.ipc.skip).toBe(true);
    expect(p.pipeline.save_calibrated_ramp).toBe(false);

    // a TSO visit after the second pars-jumpstep date: the other pipeline file and the later jump file
    const tso = resolveDetector1Parameters(await crdsParameterSources(cache, exposure({ TSOVISIT: true, 'DATE-OBS': '2023-02-01' }), { readText }));
    expect(tso.pipeline.save_calibrated_ramp).toBe(true);
    expect(tso.steps.clean_flicker_noise.skip).toBe(false);
    expect(tso.steps.clean_flicker_noise.background_box_size).toEqual([32, 32]);
    expect(tso.steps.jump.rejection_threshold).toBe(9);
    expect(tso.steps.jump.sat_expand).toBe(3);
    expect(tso.steps.persistence.skip).toBe(true);

    const disabled = await crdsParameterSources(cache, exposure(), { readText, disable: true });
    expect(disabled.crdsSteps).toEqual({});
    expect(disabled.crdsPipeline).toBeUndefined();
  });

  it("selects and checks pars-<class> of a step a Detector1 step calls (clean_flicker_noise's TSOPhotometryStep)", async () => {
    const cache = await openCrdsCache(HAND_CACHE, { env: {} });
    const tso = exposure({ EXP_TYPE: 'NRC_TSIMAGE', TSOVISIT: true });
    const parameters = await crdsCalledStepParameters(cache, tso, 'TSOPhotometryStep', { readText });
    // the file's values over the class defaults
    expect(parameters).toMatchObject({ save_catalog: false, radius: 50, radius_inner: 60, radius_outer: 70, centroid_source: false, search_box_width: 41, skip: false });
    expect(tsoPhotometryOptions(parameters)).toEqual({ radius: 50, radius_inner: 60, centroid_source: false, search_box_width: 41, fit_box_width: 11, moving_centroid: false });
    // no match for NRC_IMAGE, or CRDS parameters disabled: none
    expect(await crdsCalledStepParameters(cache, exposure(), 'TSOPhotometryStep', { readText })).toBeUndefined();
    expect(await crdsCalledStepParameters(cache, tso, 'TSOPhotometryStep', { readText, disable: true })).toBeUndefined();
    // a wrong value, an unknown parameter, a file for another class: errors naming the file
    const file = join(HAND_CACHE, 'references/jwst/nircam/jwst_nircam_pars-tsophotometrystep_0001.asdf');
    const altered = (from: string, to: string) => ({ readText: async () => (await readText(file)).replace(from, to) });
    await expect(crdsCalledStepParameters(cache, tso, 'TSOPhotometryStep', altered('radius: 50.0', 'radius: wide'))).rejects.toThrow(/pars-tsophotometrystep_0001.asdf.*'radius' = "wide" is invalid/);
    await expect(crdsCalledStepParameters(cache, tso, 'TSOPhotometryStep', altered('radius: 50.0', 'radus: 50.0'))).rejects.toThrow(/unknown parameter 'radus'.*valid parameters: .*radius,/);
    await expect(crdsCalledStepParameters(cache, tso, 'TSOPhotometryStep', altered('tso_photometry_step.TSOPhotometryStep', 'jump_step.JumpStep'))).rejects.toThrow(/is for .*JumpStep, not TSOPhotometryStep/);
  });
});
