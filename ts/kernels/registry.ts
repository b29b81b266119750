/**
 * Kernels that run on row bands (tiles), by name, with the layout of each array, so the pool
 * can cut bands, send them to workers and put the results back without knowing the kernel.
 */
import type { KernelArray, KernelArrayConstructor, Layout, TileShape } from './arrays.js';
import { superbias } from './superbias.js';

export interface ArraySpec {
  type: KernelArrayConstructor;
  layout: Layout;
  /** Modified by the kernel: sent back from the worker and written into the caller's array. */
  output: boolean;
  optional?: boolean;
}

export type TileArrays = Record<string, KernelArray | undefined>;

export interface TileKernel {
  arrays: Record<string, ArraySpec>;
  run(arrays: TileArrays, shape: TileShape): void;
}

function defineKernel<A>(arrays: { [K in keyof A]-?: ArraySpec }, run: (arrays: A, shape: TileShape) => void): TileKernel {
  return { arrays: arrays as Record<string, ArraySpec>, run: run as unknown as TileKernel['run'] };
}

export const tileKernels = {
  superbias: defineKernel(
    {
      data: { type: Float32Array, layout: 'cube', output: true },
      zeroframe: { type: Float32Array, layout: 'intPlanes', output: true, optional: true },
      pixeldq: { type: Uint32Array, layout: 'plane', output: true },
      bias: { type: Float32Array, layout: 'plane', output: false },
      biasDq: { type: Uint32Array, layout: 'plane', output: false },
    },
    superbias,
  ),
} satisfies Record<string, TileKernel>;

export type TileKernelName = keyof typeof tileKernels;

export function tileKernel(name: string): TileKernel {
  const kernel = (tileKernels as Record<string, TileKernel>)[name];
  if (!kernel) throw new Error(`unknown tile kernel "${name}"`);
  return kernel;
}

/** Runs one tile task in this thread and returns the kernel's output arrays. */
export function executeTile(name: string, arrays: TileArrays, shape: TileShape): Record<string, KernelArray> {
  const kernel = tileKernel(name);
  kernel.run(arrays, shape);
  const outputs: Record<string, KernelArray> = {};
  for (const [key, spec] of Object.entries(kernel.arrays)) {
    const array = arrays[key];
    if (spec.output && array !== undefined) outputs[key] = array;
  }
  return outputs;
}
