export { KernelError, KernelShapeError, KernelTypeError, KernelParameterError } from './errors.js';
export type { TileShape, Layout, KernelArray } from './arrays.js';
export { allocShared, releaseShared, isShared, sharedMemoryAvailable } from './arrays.js';
export { superbias, type SuperbiasArrays } from './superbias.js';
export { dqInit, type DqInitArrays } from './dq-init.js';
export { linearity, type LinearityArrays, type LinearityParams } from './linearity.js';
export { darkCurrent, type DarkCurrentArrays, type DarkCurrentParams } from './dark-current.js';
export { groupScale, type GroupScaleArrays, type GroupScaleParams } from './group-scale.js';
export { gainScale, type GainScaleArrays, type GainScaleParams } from './gain-scale.js';
export { saturation, saturationHalo, type SaturationArrays, type SaturationParams } from './saturation.js';
export { ipc, ipcHalo, type IpcArrays, type IpcParams } from './ipc.js';
export { refpix, refpixClippedMean, refpixFourAmpGroup, type RefpixArrays, type RefpixParams, type RefSignal } from './refpix.js';
export { jump, jumpHalo, type JumpArrays, type JumpParams, type JumpMode } from './jump.js';
export { tileKernels, executeTile, type TileKernelName, type TileArrays } from './registry.js';
export { kernelModule, kernelWasmUrl, instantiateKernels } from './module.js';
export {
  fitRamps,
  fitRampsParallel,
  RampFitStream,
  planRampFit,
  rampFitTile,
  resolveGroupRange,
  mergeBands,
  BandMerger,
  cutInputBand,
  allocTaskOutputs,
  taskResult,
  type RampFitInput,
  type RampFitResult,
  type RateArrays,
  type FitOptArrays,
  type RampFitTileParams,
  type RampFitTileArrays,
  type RampFitTaskParams,
  type RampFitTaskArrays,
  type RampFitPlan,
  type NoProductsReason,
  type FitRampsOptions,
  type FitRampsParallelOptions,
  type RampFitPool,
  LIKELY_MIN_NGROUPS,
  resolveAlgorithm,
  type RampFitAlgorithm,
  type LikelyTileParams,
} from './ramp-fit.js';
export { renderPreview, displayLimits, blockAverage, zscaleDefaults, type PreviewImage, type PreviewOptions, type PreviewInterval, type PreviewStretch, type ZScaleOptions, type DisplayLimits } from './preview.js';
export { lastframe, type LastframeArrays } from './lastframe.js';
export { firstframe, type FirstframeArrays, type FirstframeParams } from './firstframe.js';
export { reset, type ResetArrays, type ResetParams } from './reset.js';
export { rscd, rscdBackoffRounds, type RscdArrays, type RscdParams, type RscdRange } from './rscd.js';
export { refpixMiri, type RefpixMiriArrays, type RefpixMiriParams } from './refpix-miri.js';
export { emicorr, emicorrBin, emicorrFit, emicorrSequential, type EmicorrArrays, type EmicorrParams, type EmicorrClocks, type EmicorrSequentialParams } from './emicorr.js';
export { flagSnowballs, flagShowers, type SnowballArrays, type SnowballParams, type ShowerArrays, type ShowerParams } from './jump-large-events.js';
export { chargeMigration, chargeMigrationHalo, type ChargeMigrationArrays, type ChargeMigrationParams } from './charge-migration.js';
export { persistence, type PersistenceArrays, type PersistenceParams } from './persistence.js';
export { jumpSigmaClip, jumpInThreadBandRows, type JumpSigmaClipArrays, type JumpSigmaClipParams } from './jump.js';
export { cleanFlickerSceneMask, cleanFlickerIntegration, pictureFrameIntegration, type CleanFlickerIntegrationParams, type CleanFlickerIntegrationReport } from './clean-flicker-noise.js';
export { cleanFlickerMedianRamp, cleanFlickerRateNorms, cleanFlickerFluxNorms, cleanFlickerIntegrationMedianImage, cleanFlickerFillFlat, cleanFlickerAutoStatistics, type CleanFlickerAutoStatistics } from './clean-flicker-noise.js';
export { tsoApertureSums, type TsoPhotometryArrays, type TsoPhotometryParams } from './tso-photometry.js';
