/**
 * Detector1 parameters as stpipe declares them (spec/pipeline.md §3-4): every step of
 * `Detector1Pipeline.step_defs` with its class, its own configobj `spec` lines (verbatim from
 * jwst 3.0.0, comments dropped) and its `reference_file_types` (one `override_<reftype>` each),
 * plus the spec every step inherits (stpipe `Step.spec` with jwst's `output_ext` default) and
 * the pipeline's own. tests/python/test_step_specs.py compares this table with the classes in
 * the venv, so it cannot drift from jwst.
 */

/** stpipe `Step.spec`, then jwst `JwstStep.spec` (which gives `output_ext` its default). */
export const COMMON_SPEC = {
  pre_hooks: 'list(default=list())',
  post_hooks: 'list(default=list())',
  output_file: 'output_file(default=None)',
  output_dir: 'string(default=None)',
  output_ext: "string(default='.fits')",
  output_use_model: 'boolean(default=False)',
  output_use_index: 'boolean(default=True)',
  save_results: 'boolean(default=False)',
  skip: 'boolean(default=False)',
  suffix: 'string(default=None)',
  search_output_file: 'boolean(default=True)',
  input_dir: 'string(default=None)',
} as const;

/** Keys a pipeline's `steps.<alias>` section accepts besides the step's parameters (stpipe `Pipeline.load_spec_file`). */
export const STEP_SECTION_SPEC = {
  config_file: 'string(default=None)',
  name: "string(default='')",
  class: "string(default='')",
} as const;

export const PIPELINE_SPEC = {
  alias: 'calwebb_detector1',
  className: 'Detector1Pipeline',
  pythonClass: 'jwst.pipeline.calwebb_detector1.Detector1Pipeline',
  parameters: {
    save_calibrated_ramp: 'boolean(default=False)',
  },
} as const;

/** Detector1Pipeline.step_defs, in its order. */
export const STEP_SPECS = {
  group_scale: {
    className: 'GroupScaleStep',
    pythonClass: 'jwst.group_scale.group_scale_step.GroupScaleStep',
    parameters: {},
    reftypes: [],
  },
  dq_init: {
    className: 'DQInitStep',
    pythonClass: 'jwst.dq_init.dq_init_step.DQInitStep',
    parameters: {
      user_supplied_dq: 'string(default=None)',
    },
    reftypes: ['mask'],
  },
  emicorr: {
    className: 'EmiCorrStep',
    pythonClass: 'jwst.emicorr.emicorr_step.EmiCorrStep',
    parameters: {
      algorithm: "option('sequential', 'joint', default='joint')",
      nints_to_phase: 'integer(default=None)',
      nbins: 'integer(default=None)',
      scale_reference: 'boolean(default=True)',
      onthefly_corr_freq: 'float_list(default=None)',
      use_n_cycles: 'integer(default=3)',
      fit_ints_separately: 'boolean(default=False)',
      user_supplied_reffile: 'string(default=None)',
      save_intermediate_results: 'boolean(default=False)',
      skip: 'boolean(default=True)',
    },
    reftypes: ['emicorr'],
  },
  saturation: {
    className: 'SaturationStep',
    pythonClass: 'jwst.saturation.saturation_step.SaturationStep',
    parameters: {
      n_pix_grow_sat: 'integer(default=1)',
      use_readpatt: 'boolean(default=True)',
    },
    reftypes: ['saturation', 'superbias'],
  },
  ipc: {
    className: 'IPCStep',
    pythonClass: 'jwst.ipc.ipc_step.IPCStep',
    parameters: {},
    reftypes: ['ipc'],
  },
  superbias: {
    className: 'SuperBiasStep',
    pythonClass: 'jwst.superbias.superbias_step.SuperBiasStep',
    parameters: {},
    reftypes: ['superbias'],
  },
  refpix: {
    className: 'RefPixStep',
    pythonClass: 'jwst.refpix.refpix_step.RefPixStep',
    parameters: {
      odd_even_columns: 'boolean(default=True)',
      use_side_ref_pixels: 'boolean(default=True)',
      side_smoothing_length: 'integer(default=11)',
      side_gain: 'float(default=1.0)',
      odd_even_rows: 'boolean(default=True)',
      ovr_corr_mitigation_ftr: 'float(default=3.0)',
      preserve_irs2_refpix: 'boolean(default=False)',
      irs2_mean_subtraction: 'boolean(default=False)',
      refpix_algorithm: 'option("median", "sirs", default="median")',
      sigreject: 'float(default=4.0)',
      gaussmooth: 'float(default=1.0)',
      halfwidth: 'integer(default=30)',
      siglimit: 'float(default=3.0)',
    },
    reftypes: ['refpix', 'sirskernel'],
  },
  rscd: {
    className: 'RscdStep',
    pythonClass: 'jwst.rscd.rscd_step.RscdStep',
    parameters: {},
    reftypes: ['rscd'],
  },
  firstframe: {
    className: 'FirstFrameStep',
    pythonClass: 'jwst.firstframe.firstframe_step.FirstFrameStep',
    parameters: {
      bright_use_group1: 'boolean(default=True)',
      skip: 'boolean(default=True)',
    },
    reftypes: [],
  },
  lastframe: {
    className: 'LastFrameStep',
    pythonClass: 'jwst.lastframe.lastframe_step.LastFrameStep',
    parameters: {},
    reftypes: [],
  },
  linearity: {
    className: 'LinearityStep',
    pythonClass: 'jwst.linearity.linearity_step.LinearityStep',
    parameters: {},
    reftypes: ['linearity'],
  },
  dark_current: {
    className: 'DarkCurrentStep',
    pythonClass: 'jwst.dark_current.dark_current_step.DarkCurrentStep',
    parameters: {
      dark_output: 'output_file(default = None)',
      average_dark_current: 'float(default=None)',
    },
    reftypes: ['dark'],
  },
  reset: {
    className: 'ResetStep',
    pythonClass: 'jwst.reset.reset_step.ResetStep',
    parameters: {},
    reftypes: ['reset'],
  },
  persistence: {
    className: 'PersistenceStep',
    pythonClass: 'jwst.persistence.persistence_step.PersistenceStep',
    parameters: {
      save_persistence: 'string(default=None)',
      persistence_time: 'integer(default=None)',
      dn_threshold: 'float(default=None)',
      persistence_array_file: 'string(default=None)',
      persistence_dnu: 'boolean(default=False)',
      skip: 'boolean(default=True)',
    },
    reftypes: [],
  },
  charge_migration: {
    className: 'ChargeMigrationStep',
    pythonClass: 'jwst.charge_migration.charge_migration_step.ChargeMigrationStep',
    parameters: {
      signal_threshold: 'float(default=25000)',
      skip: 'boolean(default=True)',
    },
    reftypes: [],
  },
  jump: {
    className: 'JumpStep',
    pythonClass: 'jwst.jump.jump_step.JumpStep',
    parameters: {
      rejection_threshold: 'float(default=4.0,min=0)',
      three_group_rejection_threshold: 'float(default=6.0,min=0)',
      four_group_rejection_threshold: 'float(default=5.0,min=0)',
      maximum_cores: "string(default='1')",
      flag_4_neighbors: 'boolean(default=True)',
      max_jump_to_flag_neighbors: 'float(default=1000)',
      min_jump_to_flag_neighbors: 'float(default=10)',
      after_jump_flag_dn1: 'float(default=0)',
      after_jump_flag_time1: 'float(default=0)',
      after_jump_flag_dn2: 'float(default=0)',
      after_jump_flag_time2: 'float(default=0)',
      expand_large_events: 'boolean(default=False)',
      min_sat_area: 'float(default=1.0)',
      min_jump_area: 'float(default=5.0)',
      expand_factor: 'float(default=2.0)',
      use_ellipses: 'boolean(default=False)',
      sat_required_snowball: 'boolean(default=True)',
      min_sat_radius_extend: 'float(default=2.5)',
      sat_expand: 'integer(default=2)',
      edge_size: 'integer(default=25)',
      mask_snowball_core_next_int: 'boolean(default=True)',
      snowball_time_masked_next_int: 'integer(default=4000)',
      find_showers: 'boolean(default=False)',
      max_shower_amplitude: 'float(default=4)',
      extend_snr_threshold: 'float(default=1.2)',
      extend_min_area: 'integer(default=90)',
      extend_inner_radius: 'float(default=1)',
      extend_outer_radius: 'float(default=2.6)',
      extend_ellipse_expand_ratio: 'float(default=1.1)',
      time_masked_after_shower: 'float(default=15)',
      min_diffs_single_pass: 'integer(default=10)',
      max_extended_radius: 'integer(default=200)',
      minimum_groups: 'integer(default=3)',
      minimum_sigclip_groups: 'integer(default=100)',
      only_use_ints: 'boolean(default=True)',
    },
    reftypes: ['gain', 'readnoise'],
  },
  picture_frame: {
    className: 'PictureFrameStep',
    pythonClass: 'jwst.picture_frame.picture_frame_step.PictureFrameStep',
    parameters: {
      mask_science_regions: 'boolean(default=True)',
      n_sigma: 'float(default=2.0)',
      save_mask: 'boolean(default=False)',
      save_correction: 'boolean(default=False)',
      skip: 'boolean(default=True)',
    },
    reftypes: ['pictureframe'],
  },
  clean_flicker_noise: {
    className: 'CleanFlickerNoiseStep',
    pythonClass: 'jwst.clean_flicker_noise.clean_flicker_noise_step.CleanFlickerNoiseStep',
    parameters: {
      autoparam: 'boolean(default=False)',
      fit_method: "option('fft', 'median', default='median')",
      fit_by_channel: 'boolean(default=False)',
      background_method: "option('median', 'model', 'median_image', None, default='median')",
      background_box_size: 'int_list(min=2, max=2, default=None)',
      mask_science_regions: 'boolean(default=False)',
      apply_flat_field: 'boolean(default=False)',
      n_sigma: 'float(default=2.0)',
      fit_histogram: 'boolean(default=False)',
      single_mask: 'boolean(default=True)',
      user_mask: 'string(default=None)',
      save_mask: 'boolean(default=False)',
      save_background: 'boolean(default=False)',
      save_noise: 'boolean(default=False)',
      skip: 'boolean(default=True)',
    },
    reftypes: ['flat', 'pastasoss'],
  },
  ramp_fit: {
    className: 'RampFitStep',
    pythonClass: 'jwst.ramp_fitting.ramp_fit_step.RampFitStep',
    parameters: {
      algorithm: "option('OLS_C', 'LIKELY', default='OLS_C')",
      int_name: "string(default='')",
      save_opt: 'boolean(default=False)',
      opt_name: "string(default='')",
      suppress_one_group: 'boolean(default=True)',
      firstgroup: 'integer(default=None)',
      lastgroup: 'integer(default=None)',
      maximum_cores: "string(default='1')",
    },
    reftypes: ['readnoise', 'gain'],
  },
  gain_scale: {
    className: 'GainScaleStep',
    pythonClass: 'jwst.gain_scale.gain_scale_step.GainScaleStep',
    parameters: {},
    reftypes: ['gain'],
  },
} as const;

export type StepAlias = keyof typeof STEP_SPECS;
export const STEP_ALIASES = Object.keys(STEP_SPECS) as StepAlias[];

/** The value type a configobj check produces (after validation). */
type CheckValue<S extends string> = S extends `boolean${string}`
  ? boolean
  : S extends `integer${string}`
    ? number
    : S extends `float_list${string}` | `int_list${string}`
      ? number[]
      : S extends `float${string}`
        ? number
        : S extends `list${string}`
          ? unknown[]
          : string;
/** `default=None` makes `None` (null) a possible value. */
type SpecValue<S extends string> = S extends `${string}default=None${string}` | `${string}default = None${string}` ? CheckValue<S> | null : CheckValue<S>;

type Values<T extends Record<string, string>> = { -readonly [K in keyof T]: SpecValue<T[K]> };
type Overrides<R extends readonly string[]> = { [K in R[number] as `override_${K}`]: string | null };

/** Every parameter of one step, fully resolved, with jwst's snake_case names. */
export type StepParameters<A extends StepAlias> = Omit<Values<typeof COMMON_SPEC>, keyof (typeof STEP_SPECS)[A]['parameters']> &
  Values<(typeof STEP_SPECS)[A]['parameters']> &
  Overrides<(typeof STEP_SPECS)[A]['reftypes']>;

export type PipelineParameters = Values<typeof COMMON_SPEC> & Values<typeof PIPELINE_SPEC.parameters>;

export interface Detector1Parameters {
  pipeline: PipelineParameters;
  steps: { [A in StepAlias]: StepParameters<A> };
}

/** The merged spec of one step (common, then the class's own, then one override per reftype), as stpipe builds it. */
export function stepSpec(alias: StepAlias): Record<string, string> {
  const step = STEP_SPECS[alias];
  const spec: Record<string, string> = { ...COMMON_SPEC, ...step.parameters };
  for (const reftype of step.reftypes) spec[`override_${reftype}`] = 'is_string_or_datamodel(default=None)';
  return spec;
}

/**
 * Steps outside Detector1 that a Detector1 step calls itself, with the parameters of their
 * class (jwst 3.0.0): clean_flicker_noise's TSO imaging median image calls TSOPhotometryStep.
 */
export const CALLED_STEP_SPECS = {
  TSOPhotometryStep: {
    pythonClass: 'jwst.tso_photometry.tso_photometry_step.TSOPhotometryStep',
    parameters: {
      save_catalog: 'boolean(default=False)',
      radius: 'float(default=3.0)',
      radius_inner: 'float(default=4.0)',
      radius_outer: 'float(default=5.0)',
      centroid_source: 'boolean(default=True)',
      search_box_width: 'integer(default=41)',
      fit_box_width: 'integer(default=11)',
      moving_centroid: 'boolean(default=False)',
    },
    reftypes: ['gain'],
  },
} as const;

export type CalledStepClass = keyof typeof CALLED_STEP_SPECS;

/** The merged spec of a called step, as `stepSpec`. */
export function calledStepSpec(className: CalledStepClass): Record<string, string> {
  const step = CALLED_STEP_SPECS[className];
  const spec: Record<string, string> = { ...COMMON_SPEC, ...step.parameters };
  for (const reftype of step.reftypes) spec[`override_${reftype}`] = 'is_string_or_datamodel(default=None)';
  return spec;
}

export function pipelineSpec(): Record<string, string> {
  return { ...COMMON_SPEC, ...PIPELINE_SPEC.parameters };
}
