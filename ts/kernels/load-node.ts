import { readFile } from 'node:fs/promises';
import { instantiateKernels, kernelModule, kernelsLoaded, kernelWasmUrl } from './module.js';

/** Compiles (once) and instantiates the SIMD kernels in this Node thread. */
export async function loadKernels(): Promise<WebAssembly.Module> {
  if (!kernelsLoaded()) {
    const bytes = await readFile(kernelWasmUrl());
    instantiateKernels(await WebAssembly.compile(bytes));
  }
  return kernelModule();
}
