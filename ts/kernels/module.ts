/**
 * The compiled kernel module. It is compiled once per page/process and the same
 * `WebAssembly.Module` is posted to every worker, which only instantiates it.
 */
import { initSync } from '../../wasm-pkg/detector1_wasm.js';

let instantiated: WebAssembly.Module | undefined;
let memory: WebAssembly.Memory | undefined;

/** Where the kernel binary ships, relative to this module (works from ts/ and dist/). */
export function kernelWasmUrl(): URL {
  return new URL('../../wasm-pkg/detector1_wasm_bg.wasm', import.meta.url);
}

/** Instantiates the kernels in the current thread. Idempotent for the same module. */
export function instantiateKernels(module: WebAssembly.Module): void {
  if (instantiated === module) return;
  memory = initSync({ module }).memory;
  instantiated = module;
}

/**
 * The instantiated module's memory, for kernels that fill inputs or read outputs in place.
 * Views of it are valid until the next call into wasm (a growing memory detaches them).
 */
export function kernelMemory(): WebAssembly.Memory {
  if (!memory) throw new Error('kernels are not loaded: call loadKernels() from the package entrypoint first');
  return memory;
}

/** The module this thread instantiated, for handing to workers. */
export function kernelModule(): WebAssembly.Module {
  if (!instantiated) {
    throw new Error('kernels are not loaded: call loadKernels() from the package entrypoint first');
  }
  return instantiated;
}

export function kernelsLoaded(): boolean {
  return instantiated !== undefined;
}
