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
