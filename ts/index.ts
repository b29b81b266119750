/** Runtime-neutral public API (re-exports only). Entrypoints add the runtime's kernel loader and pool. */
export * as dq from './dq/index.js';
export * from './io/fits/index.js';
export * from './datamodels/index.js';
export * from './kernels/index.js';
export * from './pool/index.js';
export * from './reffiles/index.js';
export { type StepContext, type StepStatus } from './steps/step.js';
export { dqInitStep } from './steps/dq-init.js';
export { superbiasStep } from './steps/superbias.js';
export { saturationStep, SaturationStepError, type SaturationStepOptions } from './steps/saturation.js';
export { jumpStep, jumpDefaults, JumpStepError, type JumpStepOptions, type JumpReferences, type JumpStepResult } from './steps/jump.js';
export { linearityStep } from './steps/linearity.js';
export { darkCurrentStep, type DarkCurrentOptions } from './steps/dark-current.js';
export { groupScaleStep } from './steps/group-scale.js';
export { gainScaleStep } from './steps/gain-scale.js';
export { ipcStep, ipcKeywords, StepNotImplementedError } from './steps/ipc.js';
export { refpixStep, refpixKeywords, refpixDefaults, RefpixStepError, type RefpixOptions } from './steps/refpix.js';
export {
  rampFitStep,
  RampFitStepError,
  resolveMaximumCores,
  type RampFitStepOptions,
  type RampFitStepResult,
} from './steps/ramp-fit.js';
export * as sim from './sim/index.js';
export { packageVersion } from './version.js';
export {
  runDetector1,
  Detector1Error,
  type Detector1Io,
  type Detector1Options,
  type Detector1ParameterInput,
  type Detector1Progress,
  type Detector1Result,
  type RampModelHeader,
} from './pipeline/detector1.js';
export { MemorySpill, type SpillStore, type SpillShape, type SpilledIntegration } from './pipeline/spill.js';
export { RAMP_STEPS, rampStepOrder, type RampStepDefinition } from './pipeline/ramp-steps.js';
export { RampFitPlanner, type RampFitPlan } from './kernels/ramp-fit-plan.js';
export { encodePng, deflateStored, defaultDeflate, crc32, type PngImage, type Deflate } from './io/png.js';
export {
  CrdsCache,
  CrdsCacheError,
  openCrdsCacheWith,
  selectReference,
  selectReferences,
  stepReference,
  crdsHeaderFromMeta,
  type CrdsCacheOptions,
  type CrdsCacheReader,
  type ReferenceSelection,
} from './crds/index.js';
export {
  crdsCalledStepParameters,
  crdsParameterSources,
  parseCommandLine,
  parseParameterFile,
  resolveDetector1Parameters,
  ParameterError,
  type CommandLine,
  type ConfigTree,
  type ParameterSources,
} from './pipeline/parameters.js';
export { STEP_SPECS, STEP_ALIASES, PIPELINE_SPEC, type Detector1Parameters, type StepAlias, type StepParameters } from './pipeline/step-specs.js';
export { lastframeStep, lastframeKeywords, isMiriDetector } from './steps/lastframe.js';
export { firstframeStep, firstframeKeywords, firstframeDefaults, type FirstframeOptions } from './steps/firstframe.js';
export { resetStep, resetKeywords } from './steps/reset.js';
export { rscdStep, rscdKeywords } from './steps/rscd.js';
export { emicorrStep, emicorrKeywords, emicorrDefaults, type EmicorrOptions, type EmicorrReference } from './steps/emicorr.js';
export { parseAsdf, type AsdfValue } from './reffiles/asdf.js';
export { jumpLargeEvents, type JumpCarry, type JumpExposure } from './steps/jump.js';
export { chargeMigrationStep, chargeMigrationDefaults, chargeMigrationKeywords, type ChargeMigrationOptions } from './steps/charge-migration.js';
export {
  persistenceStep,
  persistenceDefaults,
  persistenceKeywords,
  persistenceArrayEntry,
  PersistenceStepError,
  type PersistenceOptions,
  type PersistenceState,
  type PersistenceArrayEntry,
  type PersistenceStepResult,
} from './steps/persistence.js';
export {
  decodePersistenceArrayFile,
  encodePersistenceArrayFile,
  updatePersistenceArrayFile,
  PersistenceArrayFileError,
} from './datamodels/persistence-array.js';
export {
  cleanFlickerNoiseStep,
  cleanFlickerNoiseDefaults,
  cleanFlickerNoiseKeywords,
  FlickerStepError,
  type CleanFlickerNoiseOptions,
  type CleanFlickerNoiseReferences,
  type CleanFlickerNoiseResult,
} from './steps/clean-flicker-noise.js';
export { pictureFrameStep, pictureFrameDefaults, pictureFrameKeywords, pictureFrameRegions, type PictureFrameOptions, type PictureFrameReferences, type PictureFrameResult } from './steps/picture-frame.js';
