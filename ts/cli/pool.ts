/**
 * The command's worker pool, kept apart from the pipeline's modules so that `detector1 run`
 * starts it first: its workers boot (~0.3 s here) on the other cores while this thread loads
 * the pipeline and reads the inputs.
 */
import { availableParallelism } from 'node:os';
import { loadKernels } from '../kernels/load-node.js';
import { createNodePool } from '../pool/node.js';
import type { KernelPool } from '../pool/pool.js';

/**
 * Every worker started at once; `threads` 0 means none (kernels run in this thread). A failure
 * to start reaches whoever awaits the promise, not the process as an unhandled rejection.
 */
export function startPool(threads: number | undefined): Promise<KernelPool | undefined> {
  const starting = (async () => {
    await loadKernels();
    const size = threads ?? Math.max(1, availableParallelism());
    return size > 0 ? createNodePool({ size, startAll: true }) : undefined;
  })();
  starting.catch(() => {});
  return starting;
}

/** Destroys the pool `starting` gives (nothing when it failed to start). */
export async function stopPool(starting: Promise<KernelPool | undefined>): Promise<void> {
  const pool = await starting.catch(() => undefined);
  await pool?.destroy();
}

/**
 * `--threads N` or `--threads=N` among the arguments, read ahead of the full parse (which
 * reports a malformed value; until then the default size is started).
 */
export function threadsArgument(args: readonly string[]): number | undefined {
  for (let i = 0; i < args.length; i++) {
    const match = /^--threads(?:=(.*))?$/s.exec(args[i]);
    if (!match) continue;
    const value = match[1] ?? args[i + 1];
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
  }
  return undefined;
}
