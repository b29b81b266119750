/** Options both pools share, checked the same way. */

export interface PoolOptions {
  /** Worker threads; defaults to the available cores less one, at most 8. */
  size?: number;
  /**
   * Milliseconds an idle worker lives before it exits, handing its wasm memory back (default
   * 10 s; Infinity keeps them). The Node pool always keeps one worker.
   */
  idleTimeout?: number;
  /** The compiled kernels; defaults to the module `loadKernels()` compiles (once) in this thread. */
  module?: WebAssembly.Module;
  /**
   * Node: start every worker now and keep them all until `destroy()` (idleTimeout then does not
   * apply), rather than one now and the others at the first tasks. For a process that runs one
   * exposure: the workers boot while it reads its inputs.
   */
  startAll?: boolean;
}

/**
 * One core stays with the main thread, which cuts and pastes the bands; the kernels are
 * memory-bound, so past ~8 threads more workers mostly add memory (a wasm heap each) rather
 * than speed. Measure before raising it.
 */
export function defaultPoolSize(cores: number): number {
  return Math.max(1, Math.min(cores - 1, 8));
}

/** A wasm heap never shrinks, so an idle worker is the only way to hand the memory back. */
const defaultIdleTimeoutMs = 10_000;

export function resolvePoolOptions(
  options: PoolOptions,
  cores: number,
): { size: number; idleTimeout: number } {
  const size = options.size ?? defaultPoolSize(cores);
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new RangeError(`pool size must be a positive integer, got ${size}`);
  }
  const idleTimeout = options.idleTimeout ?? defaultIdleTimeoutMs;
  if (!(idleTimeout >= 0)) throw new RangeError(`idleTimeout must be a non-negative number of ms, got ${idleTimeout}`);
  if (options.module !== undefined && !(options.module instanceof WebAssembly.Module)) {
    // Bytes would be compiled again in every worker.
    throw new TypeError('module must be a compiled WebAssembly.Module');
  }
  // Timers fire at once past 2^31 - 1 ms; any longer wait means: keep idle workers.
  return { size, idleTimeout: idleTimeout > 2 ** 31 - 1 ? Infinity : idleTimeout };
}
