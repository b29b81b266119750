export { KernelError, KernelShapeError, KernelTypeError, KernelParameterError } from './errors.js';
export type { TileShape, Layout, KernelArray } from './arrays.js';
export { superbias, type SuperbiasArrays } from './superbias.js';
export { dqInit, type DqInitArrays } from './dq-init.js';
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
} from './ramp-fit.js';
