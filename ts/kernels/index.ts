export { KernelError, KernelShapeError, KernelTypeError } from './errors.js';
export type { TileShape, Layout, KernelArray } from './arrays.js';
export { superbias, type SuperbiasArrays } from './superbias.js';
export { tileKernels, executeTile, type TileKernelName, type TileArrays } from './registry.js';
export { kernelModule, kernelWasmUrl, instantiateKernels } from './module.js';
